import { describe, expect, it } from 'vitest';
import { ManifestsRelease } from '../../../constructs/helm/manifests-release';
import type { KubernetesObject } from '../../../constructs/kubernetes/objects';
import { MlflowUsers } from '../../../constructs/platform/mlflow';
import { synthScope } from '../../support/synth';

describe('MlflowUsers', () => {
  function build(users: Record<string, { key: string; property?: string }>): KubernetesObject[] {
    let manifests: KubernetesObject[] = [];
    synthScope((scope) => {
      const release = new ManifestsRelease(scope, 'Server', { releaseName: 'mlflow', namespace: 'mlflow', manifests: [] });
      manifests = new MlflowUsers(scope, 'Users', {
        tracking: {
          namespace: 'mlflow',
          trackingUri: 'http://mlflow.mlflow.svc:5000',
          adminSecretName: 'mlflow-admin',
          release: release.helmRelease,
        },
        users,
        storeName: 'aws-secrets-manager',
        placement: { nodeSelector: { pool: 'general' }, tolerations: [] },
      }).release.manifests;
    });
    return manifests;
  }

  it('copies each password from Secrets Manager and signs in as the admin, from its Secret', () => {
    const [passwords, job] = build({ fraud: { key: 'mlops-dev/teams/fraud', property: 'mlflow_password' } });
    expect((passwords.spec as { data: unknown[] }).data).toEqual([
      { secretKey: 'fraud', remoteRef: { key: 'mlops-dev/teams/fraud', property: 'mlflow_password' } },
    ]);
    const pod = (job.spec as { template: { spec: { containers: { env: { name: string; valueFrom?: unknown }[] }[] } } }).template.spec;
    expect(pod.containers[0].env).toContainEqual({
      name: 'ADMIN_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'mlflow-admin', key: 'admin_password' } },
    });
  });

  it('sets the passwords again every hour, so a rotated one reaches MLflow without an apply', () => {
    const [, job, sync] = build({ fraud: { key: 'mlops-dev/teams/fraud', property: 'mlflow_password' } });
    expect(sync).toMatchObject({ kind: 'CronJob', metadata: { name: 'mlflow-users-sync' } });
    const spec = sync.spec as { schedule: string; concurrencyPolicy: string; jobTemplate: { spec: { template: unknown } } };
    expect([spec.schedule, spec.concurrencyPolicy]).toEqual(['17 * * * *', 'Forbid']);
    // The same program, with the same logins, as the Job that creates the users.
    const container = (template: unknown) => (template as { spec: { containers: unknown[] } }).spec.containers[0];
    expect(container(spec.jobTemplate.spec.template)).toEqual(container((job.spec as { template: unknown }).template));
  });

  it('refuses no users and names that cannot be logins', () => {
    expect(() => build({})).toThrow(/users is empty/);
    expect(() => build({ Fraud_Team: { key: 'x' } })).toThrow(/user 'Fraud_Team' is not a lower-case DNS label/);
  });
});
