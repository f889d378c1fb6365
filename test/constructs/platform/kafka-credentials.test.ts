import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '../../../constructs/kubernetes/objects';
import { KafkaClientCredentials, KafkaCluster, SchemaRegistry, StrimziOperator } from '../../../constructs/platform/kafka';
import { synthScope } from '../../support/synth';

const placement = { nodeSelector: { 'mlops-platform/node-pool': 'general' }, tolerations: [] };

function credentials(clients: Record<string, string>, logins = ['admin', ...Object.keys(clients)]): KubernetesObject[] {
  let manifests: KubernetesObject[] = [];
  synthScope((scope) => {
    const operator = new StrimziOperator(scope, 'Strimzi', { namespace: 'kafka', placement });
    const kafka = new KafkaCluster(scope, 'Kafka', { operator, brokers: 1, storageGiB: 10, placement, entityOperatorPlacement: placement });
    const schemaRegistry = new SchemaRegistry(scope, 'SchemaRegistry', {
      kafka,
      placement,
      logins: {
        passwords: Object.fromEntries(logins.map((login) => [login, { key: 'logins', property: login }])),
        storeName: 'aws-secrets-manager',
        dependsOn: [],
      },
    });
    manifests = new KafkaClientCredentials(scope, 'Credentials', { kafka, schemaRegistry, clients, dependsOn: [] }).release.manifests;
  });
  return manifests;
}

describe('KafkaClientCredentials', () => {
  it('lets its reader get exactly the client and CA secrets in the Kafka namespace', () => {
    const role = credentials({ spark: 'spark-jobs', airflow: 'airflow' }).find((m) => m.kind === 'Role')!;
    expect(role.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['spark', 'airflow', 'schema-registry-login-spark', 'schema-registry-login-airflow', 'kafka-cluster-ca-cert'],
        verbs: ['get'],
      },
    ]);
  });

  it("copies each client's logins, CA and addresses into its own namespace", () => {
    const copies = credentials({ spark: 'spark-jobs' }).filter((m) => m.kind === 'ExternalSecret');
    expect(copies).toHaveLength(1);
    expect(copies[0].metadata).toEqual({ name: 'kafka-spark', namespace: 'spark-jobs' });
    const spec = copies[0].spec as { secretStoreRef: unknown; target: { template: { data: Record<string, string> } }; data: unknown[] };
    expect(spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'kafka-credentials' });
    expect(spec.target.template.data).toMatchObject({
      username: 'spark',
      'bootstrap.servers': 'kafka-kafka-bootstrap.kafka.svc:9093',
      'schema.registry.url': 'http://schema-registry.kafka.svc:8081',
      'basic.auth.user.info': '{{ .registryUserInfo }}',
    });
    expect(spec.data).toEqual(
      expect.arrayContaining([
        { secretKey: 'password', remoteRef: { key: 'spark', property: 'password' } },
        { secretKey: 'ca', remoteRef: { key: 'kafka-cluster-ca-cert', property: 'ca.crt' } },
        { secretKey: 'registryUserInfo', remoteRef: { key: 'schema-registry-login-spark', property: 'basic.auth.user.info' } },
      ]),
    );
  });

  it('reads through a kubernetes ClusterSecretStore scoped to the Kafka namespace', () => {
    const store = credentials({ spark: 'spark-jobs' }).find((m) => m.kind === 'ClusterSecretStore')!;
    expect(store.spec).toMatchObject({
      provider: {
        kubernetes: { remoteNamespace: 'kafka', auth: { serviceAccount: { name: 'kafka-credentials-reader', namespace: 'kafka' } } },
      },
      // Served only to the clients' namespaces.
      conditions: [{ namespaces: ['spark-jobs'] }],
    });
  });

  it('rejects unknown clients and an empty list', () => {
    expect(() => credentials({ nobody: 'x' })).toThrow(/no Kafka user 'nobody'/);
    expect(() => credentials({})).toThrow(/clients must name at least one Kafka user/);
    expect(() => credentials({ spark: 'spark-jobs' }, ['admin'])).toThrow(/the schema registry has no login for spark/);
  });
});
