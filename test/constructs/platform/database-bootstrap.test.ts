import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '../../../constructs/kubernetes/objects';
import { DatabaseBootstrap, type DatabaseBootstrapProps } from '../../../constructs/platform/database-bootstrap';
import { synthScope } from '../../support/synth';

const placement = { nodeSelector: { 'mlops-platform/node-pool': 'general' }, tolerations: [] };

function bootstrap(props: Partial<DatabaseBootstrapProps> = {}): KubernetesObject[] {
  let manifests: KubernetesObject[] = [];
  synthScope((scope) => {
    manifests = new DatabaseBootstrap(scope, 'Db', {
      namespace: 'platform-system',
      storeName: 'aws-secrets-manager',
      host: 'db.example.internal',
      port: 5432,
      masterSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds-master',
      logins: {
        airflow: { database: 'airflow', secretName: 'env/airflow/database' },
        mlflow: { database: 'mlflow', secretName: 'env/mlflow/database' },
      },
      placement,
      ...props,
    }).release.manifests;
  });
  return manifests;
}

type Container = { image: string; command: string[]; env: unknown[]; resources: unknown; securityContext: unknown };
type PodSpec = { nodeSelector: unknown; securityContext: unknown; containers: Container[] };
const jobOf = (manifests: KubernetesObject[]) =>
  manifests.find((m) => m.kind === 'Job') as KubernetesObject & { spec: { template: { spec: PodSpec } } };

describe('DatabaseBootstrap', () => {
  it('syncs the master secret and one secret per login, by name only', () => {
    const secrets = bootstrap().filter((m) => m.kind === 'ExternalSecret');
    expect(secrets.map((s) => s.metadata.name)).toEqual(['database-master', 'database-login-airflow', 'database-login-mlflow']);
    expect(JSON.stringify(secrets)).not.toMatch(/password"\s*:\s*"[^{]/);
  });

  it('runs psql over TLS as a non-root, read-only container on the general pool', () => {
    const pod = jobOf(bootstrap()).spec.template.spec;
    const [container] = pod.containers;
    expect(pod.nodeSelector).toEqual(placement.nodeSelector);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.image).toBe('postgres:17.6-alpine');
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'PGSSLMODE', value: 'require' },
        { name: 'PGHOST', value: 'db.example.internal' },
        { name: 'LOGINS', value: 'airflow mlflow' },
        { name: 'AIRFLOW_PASSWORD', valueFrom: { secretKeyRef: { name: 'database-login-airflow', key: 'password' } } },
        { name: 'MLFLOW_DATABASE', value: 'mlflow' },
      ]),
    );
    expect(container.resources).toMatchObject({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } });
  });

  it('is idempotent SQL: creates only what is missing and re-applies passwords', () => {
    const script = jobOf(bootstrap()).spec.template.spec.containers[0].command[2] as string;
    expect(script).toContain("WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user')");
    expect(script).toContain('ALTER ROLE :"user" WITH LOGIN PASSWORD :\'password\'');
    expect(script).toContain("WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database')");
  });

  it('gets a new job name when the logins change, and keeps it otherwise', () => {
    const name = (props: Partial<DatabaseBootstrapProps> = {}) => jobOf(bootstrap(props)).metadata.name;
    expect(name()).toBe(name());
    expect(name({ logins: { airflow: { database: 'airflow', secretName: 'env/airflow/database' } } })).not.toBe(name());
  });

  it.each([
    [{ logins: {} }, /logins must name at least one consumer/],
    [{ logins: { app: { database: 'App-DB', secretName: 's' } } }, /logins.app.database 'App-DB' must be a lower-case SQL identifier/],
  ])('rejects %o', (props, message) => {
    expect(() => bootstrap(props)).toThrow(message);
  });
});
