import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '../../../constructs/kubernetes/objects';
import { externalSecret } from '../../../constructs/platform/external-secrets';
import { ExternalSecretsOperator, type ExternalSecretsOperatorProps } from '../../../constructs/platform/external-secrets';
import { loadValuesFiles } from '../../../constructs/helm/values-files';
import { chartVersion, schemaViolations } from '../../support/chart-values';
import { synthScope } from '../../support/synth';

const placement = { nodeSelector: { 'mlops-platform/node-pool': 'general' }, tolerations: [] };

function operator(props: Partial<ExternalSecretsOperatorProps> = {}): ExternalSecretsOperator {
  let created: ExternalSecretsOperator | undefined;
  synthScope((scope) => {
    created = new ExternalSecretsOperator(scope, 'Eso', {
      namespace: 'external-secrets',
      values: loadValuesFiles('external-secrets', 'dev'),
      roleArn: 'arn:aws:iam::123456789012:role/eso',
      region: 'eu-west-1',
      placement,
      storeNamespaces: ['airflow', 'mlflow'],
      ...props,
    });
  });
  return created!;
}

describe('ExternalSecretsOperator', () => {
  it('pins the chart version the vendored schema describes', () => {
    expect(ExternalSecretsOperator.CHART.version).toBe(chartVersion('external-secrets'));
  });

  it('binds the controller to its IRSA role and places every component on the general pool', () => {
    const { values } = operator().release;
    expect(values.serviceAccount).toMatchObject({
      create: true,
      name: 'external-secrets',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/eso' },
    });
    expect(values.global).toEqual({ nodeSelector: placement.nodeSelector, tolerations: [] });
    expect(values.resources).toMatchObject({
      requests: { cpu: expect.any(String), memory: expect.any(String) },
      limits: { memory: expect.any(String) },
    });
  });

  it('runs two of everything with disruption budgets when highly available', () => {
    const { values } = operator({ highlyAvailable: true }).release;
    for (const component of [values, values.webhook, values.certController] as Record<string, unknown>[]) {
      expect(component).toMatchObject({ replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } });
      expect(component.topologySpreadConstraints).toHaveLength(1);
    }
  });

  it.each([false, true])('satisfies the chart schema (highly available: %s)', (highlyAvailable) => {
    expect(schemaViolations('external-secrets', operator({ highlyAvailable }).release.values)).toEqual([]);
  });

  it('would notice a key the chart does not know', () => {
    expect(schemaViolations('external-secrets', { webhook: { replicaCount: 'two' } })).not.toEqual([]);
  });

  it('serves only the namespaces it is given: a store without conditions would serve any namespace every secret', () => {
    const [store] = operator({ storeNamespaces: ['mlflow', 'airflow', 'mlflow'] }).store.manifests;
    expect((store as unknown as { spec: { conditions: unknown } }).spec.conditions).toEqual([{ namespaces: ['airflow', 'mlflow'] }]);
    expect(() => operator({ storeNamespaces: [] })).toThrow(/storeNamespaces must name the namespaces that read secrets/);
  });

  it('serves Secrets Manager through a ClusterSecretStore authenticated as the operator', () => {
    const [store] = operator().store.manifests;
    expect(store).toMatchObject({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'aws-secrets-manager' },
      spec: {
        provider: {
          aws: {
            service: 'SecretsManager',
            region: 'eu-west-1',
            auth: { jwt: { serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' } } },
          },
        },
      },
    });
  });
});

describe('externalSecret', () => {
  it('maps each key to its source and templates when asked', () => {
    const secret: KubernetesObject = externalSecret({
      name: 'db',
      namespace: 'app',
      storeName: 'aws-secrets-manager',
      data: { password: { key: 'env/app/db', property: 'password' } },
      template: { uri: 'postgresql://app:{{ .password }}@host/db' },
    });
    expect(secret.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' },
      target: {
        name: 'db',
        creationPolicy: 'Owner',
        deletionPolicy: 'Retain',
        template: { engineVersion: 'v2', mergePolicy: 'Replace', data: { uri: 'postgresql://app:{{ .password }}@host/db' } },
      },
      data: [{ secretKey: 'password', remoteRef: { key: 'env/app/db', property: 'password' } }],
    });
  });

  it('rejects an empty mapping', () => {
    expect(() => externalSecret({ name: 'x', namespace: 'y', storeName: 'z', data: {} })).toThrow(/data must name at least one key/);
  });
});
