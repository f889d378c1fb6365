import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { poolPlacement, poolTaints } from '../../../constructs/cluster/node-pool';
import type { KubernetesObject } from '../../../constructs/kubernetes/objects';
import { KAFKA_VERSION, KafkaCluster, type KafkaClusterProps } from '../../../constructs/platform/kafka/kafka-cluster';
import {
  SCHEMA_REGISTRY_IMAGE,
  SCHEMA_REGISTRY_METRICS_PORT,
  SchemaRegistry,
  type SchemaRegistryProps,
} from '../../../constructs/platform/kafka/schema-registry';
import { STRIMZI_CHART, StrimziOperator, type StrimziOperatorProps } from '../../../constructs/platform/kafka/strimzi-operator';
import { loadValuesFiles } from '../../../constructs/helm/values-files';
import { chartDefaults, crdSchema, customResourceViolations, unknownKeys } from '../../support/chart-values';
import { resources, synthScope, type StackJson } from '../../support/synth';
import { vendoredChart } from '../../support/vendored';

const general = poolPlacement('general', []);
const storage = poolPlacement('storage', poolTaints('storage', true));
const storageAffinity = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: 'mlops-platform/node-pool', operator: 'In', values: ['storage'] }] }],
    },
  },
};
const generalAffinity = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: 'mlops-platform/node-pool', operator: 'In', values: ['general'] }] }],
    },
  },
};

const prodTopics: KafkaClusterProps['topics'] = {
  'events.raw': { partitions: 12, retentionHours: 168, cleanupPolicy: 'delete' },
  'features.updates': { partitions: 12, retentionHours: -1, cleanupPolicy: 'compact' },
};

interface Platform {
  operator: StrimziOperator;
  kafka: KafkaCluster;
  registry: SchemaRegistry;
  json: StackJson;
}

interface Options {
  environment?: 'dev' | 'prod';
  operator?: Partial<StrimziOperatorProps>;
  kafka?: Partial<KafkaClusterProps>;
  registry?: Partial<SchemaRegistryProps>;
}

const LOGINS = {
  passwords: {
    admin: { key: 'mlops-test/schema-registry/logins', property: 'admin' },
    spark: { key: 'mlops-test/teams/spark', property: 'schema_registry_password' },
  },
  storeName: 'aws-secrets-manager',
  dependsOn: [],
};

/** The three constructs as the platform stack wires them, for prod (3 brokers, HA) or dev (1 broker). */
function platform(options: Options = {}): Platform {
  const prod = (options.environment ?? 'prod') === 'prod';
  const built: Partial<Platform> = {};
  built.json = synthScope((scope) => {
    built.operator = new StrimziOperator(scope, 'Strimzi', {
      namespace: 'kafka',
      values: loadValuesFiles('strimzi-kafka-operator', prod ? 'prod' : 'dev'),
      placement: general,
      ...options.operator,
    });
    built.kafka = new KafkaCluster(scope, 'Kafka', {
      operator: built.operator,
      brokers: prod ? 3 : 1,
      storageGiB: prod ? 500 : 20,
      highlyAvailable: prod,
      retainVolumes: prod,
      topics: prod ? prodTopics : { 'events.raw': { partitions: 3, retentionHours: 72, cleanupPolicy: 'delete' } },
      placement: storage,
      entityOperatorPlacement: general,
      ...options.kafka,
    });
    built.registry = new SchemaRegistry(scope, 'SchemaRegistry', {
      kafka: built.kafka,
      logins: LOGINS,
      replicas: prod ? 3 : 1,
      highlyAvailable: prod,
      placement: general,
      ...options.registry,
    });
  });
  return built as Platform;
}

function manifest(objects: KubernetesObject[], kind: string, name?: string): KubernetesObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` '${name}'` : ''}, found ${found.length}`);
  return found[0];
}

function kinds(objects: KubernetesObject[], kind: string): KubernetesObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** Follows a path of keys and indexes; undefined when it leads nowhere. */
function dig(value: unknown, ...path: (string | number)[]): unknown {
  return path.reduce<unknown>(
    (node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
    value,
  );
}

function helmRelease(json: StackJson, name: string): Record<string, unknown> {
  const found = Object.values(resources(json, 'helm_release')).filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`expected one helm_release '${name}', found ${found.length}`);
  return found[0];
}

const CRDS = { Kafka: '040-Crd-kafka.yaml', KafkaTopic: '043-Crd-kafkatopic.yaml', KafkaNodePool: '045-Crd-kafkanodepool.yaml' } as const;

describe('StrimziOperator', () => {
  it('installs the pinned upstream chart from its vendored archive', () => {
    const { json } = platform();
    expect(helmRelease(json, 'strimzi-kafka-operator')).toMatchObject({
      chart: vendoredChart('strimzi-kafka-operator', '1.2.0'),
      version: '1.2.0',
      namespace: 'kafka',
      atomic: true,
    });
    expect(STRIMZI_CHART.version).toBe(chartDefaults('strimzi-kafka-operator').defaultImageTag);
  });

  it('watches only its own namespace and keeps the cluster roles rack awareness needs', () => {
    const { operator } = platform();
    expect(operator.release.values).toMatchObject({
      watchAnyNamespace: false,
      watchNamespaces: [],
      createGlobalResources: true,
      serviceAccountCreate: true,
      serviceAccount: 'strimzi-cluster-operator',
    });
  });

  it('runs on the general pool with requests and limits, restricted itself and for every pod it creates', () => {
    const { operator } = platform();
    const values = operator.release.values;
    expect(values).toMatchObject({
      nodeSelector: { 'mlops-platform/node-pool': 'general' },
      tolerations: [],
      resources: { requests: { cpu: '200m', memory: '384Mi' }, limits: { cpu: '1', memory: '384Mi' } },
      podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      extraEnvs: [{ name: 'STRIMZI_POD_SECURITY_PROVIDER_CLASS', value: 'restricted' }],
    });
    // The container context comes from the chart's defaults (restricted since 1.2.0) and is not overridden.
    expect({ ...chartDefaults('strimzi-kafka-operator'), ...values }.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('renders the merged values into the release', () => {
    const { json, operator } = platform();
    expect(parse((helmRelease(json, 'strimzi-kafka-operator').values as string[])[0])).toEqual(operator.release.values);
  });

  it('passes only keys the chart knows', () => {
    for (const environment of ['dev', 'prod'] as const) {
      expect(unknownKeys('strimzi-kafka-operator', platform({ environment }).operator.release.values)).toEqual([]);
    }
    expect(unknownKeys('strimzi-kafka-operator', { watchNamespace: ['kafka'] })).toEqual(['watchNamespace']);
  });

  it('refuses a placement without a node selector', () => {
    expect(() => platform({ operator: { placement: { nodeSelector: {}, tolerations: [] } } })).toThrow(
      /Strimzi: placement.nodeSelector is empty/,
    );
  });
});

describe('KafkaCluster', () => {
  it('exposes the TLS bootstrap address, the cluster CA Secret, user Secrets and the replication factor', () => {
    const { kafka } = platform();
    expect(kafka.namespace).toBe('kafka');
    expect(kafka.bootstrapServers).toBe('kafka-kafka-bootstrap.kafka.svc:9093');
    expect(kafka.clusterCaSecretName).toBe('kafka-cluster-ca-cert');
    expect(kafka.replicationFactor).toBe(3);
    expect(kafka.minInsyncReplicas).toBe(2);
    expect(kafka.userNames).toEqual(['schema-registry', 'spark', 'airflow']);
    expect(kafka.userSecretName('spark')).toBe('spark');
    expect(() => kafka.userSecretName('flink')).toThrow(/no Kafka user 'flink'; the users are schema-registry, spark, airflow/);
    const named = platform({ kafka: { clusterName: 'events' } }).kafka;
    expect(named.bootstrapServers).toBe('events-kafka-bootstrap.kafka.svc:9093');
    expect(named.clusterCaSecretName).toBe('events-cluster-ca-cert');
  });

  it('is installed after the operator, in its namespace', () => {
    const { json } = platform();
    const release = helmRelease(json, 'kafka-cluster');
    expect(release.namespace).toBe('kafka');
    expect(release.depends_on).toEqual([expect.stringMatching(/^helm_release\.Strimzi_Release_[0-9A-F]+$/)]);
  });

  it('runs two operator replicas (leader election), a disruption budget and zone spread when highly available', () => {
    expect(platform({ environment: 'dev' }).operator.release.values).toMatchObject({ replicas: 1 });
    const ha = platform({ operator: { highlyAvailable: true } }).operator.release.values;
    expect(ha).toMatchObject({ replicas: 2, leaderElection: { enable: true }, podDisruptionBudget: { enabled: true, minAvailable: 1 } });
    expect(ha.topologySpreadConstraints).toEqual([
      expect.objectContaining({
        topologyKey: 'topology.kubernetes.io/zone',
        labelSelector: { matchLabels: { name: 'strimzi-cluster-operator', 'strimzi.io/kind': 'cluster-operator' } },
      }),
    ]);
  });

  it('keeps volumes when their claims go in production, and deletes them with their claims elsewhere', () => {
    const deleteClaims = (environment: 'dev' | 'prod') =>
      kinds(platform({ environment }).kafka.release.manifests, 'KafkaNodePool').map((p) =>
        dig(p, 'spec', 'storage', 'volumes', 0, 'deleteClaim'),
      );
    expect(deleteClaims('prod').every((d) => d === false)).toBe(true);
    expect(deleteClaims('dev').every((d) => d === true)).toBe(true);
  });

  it('with 3 or more brokers runs 3 dedicated controllers and N brokers on the storage pool', () => {
    const { kafka } = platform({ kafka: { brokers: 4 } });
    const pools = kinds(kafka.release.manifests, 'KafkaNodePool');
    expect(pools.map((p) => [p.metadata.name, dig(p, 'spec', 'replicas'), dig(p, 'spec', 'roles')])).toEqual([
      ['controller', 3, ['controller']],
      ['broker', 4, ['broker']],
    ]);
    for (const pool of pools) {
      const name = pool.metadata.name;
      const labels = { 'strimzi.io/cluster': 'kafka', 'strimzi.io/pool-name': name };
      expect(pool.metadata).toEqual({ name, namespace: 'kafka', labels: { 'strimzi.io/cluster': 'kafka' } });
      expect(pool.spec).toMatchObject({
        storage: {
          type: 'jbod',
          volumes: [
            {
              id: 0,
              type: 'persistent-claim',
              size: name === 'broker' ? '500Gi' : '20Gi',
              class: 'gp3-encrypted',
              deleteClaim: false,
              kraftMetadata: 'shared',
            },
          ],
        },
        template: {
          pod: {
            affinity: {
              ...storageAffinity,
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  { labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' },
                ],
              },
            },
            tolerations: [{ key: 'mlops-platform/node-pool', operator: 'Equal', value: 'storage', effect: 'NoSchedule' }],
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'topology.kubernetes.io/zone',
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: labels },
              },
            ],
          },
        },
      });
      expect(dig(pool, 'spec', 'template', 'pod', 'nodeSelector')).toBeUndefined();
    }
    expect(dig(pools[0], 'spec', 'resources')).toEqual({ requests: { cpu: '250m', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } });
    expect(dig(pools[1], 'spec', 'resources')).toEqual({ requests: { cpu: '1', memory: '8Gi' }, limits: { cpu: '2', memory: '8Gi' } });
  });

  it('with one broker (development) runs one node with both roles and replication factor 1', () => {
    const { kafka } = platform({ environment: 'dev' });
    const pools = kinds(kafka.release.manifests, 'KafkaNodePool');
    expect(pools).toHaveLength(1);
    expect(pools[0]).toMatchObject({
      metadata: { name: 'dual-role' },
      spec: { replicas: 1, roles: ['controller', 'broker'], storage: { volumes: [{ size: '20Gi', kraftMetadata: 'shared' }] } },
    });
    expect(kafka.replicationFactor).toBe(1);
    expect(dig(manifest(kafka.release.manifests, 'Kafka'), 'spec', 'kafka', 'config')).toMatchObject({
      'default.replication.factor': 1,
      'min.insync.replicas': 1,
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
    });
  });

  it('takes the storage class and resources from props', () => {
    const brokerResources = { requests: { cpu: '2', memory: '16Gi' }, limits: { cpu: '4', memory: '16Gi' } };
    const { kafka } = platform({ kafka: { storageClass: 'io2-encrypted', brokerResources } });
    const broker = manifest(kafka.release.manifests, 'KafkaNodePool', 'broker');
    expect(dig(broker, 'spec', 'storage', 'volumes', 0, 'class')).toBe('io2-encrypted');
    expect(dig(broker, 'spec', 'resources')).toEqual(brokerResources);
  });

  it("lets the client namespaces through Strimzi's policy for the listener, and no others", () => {
    const { kafka } = platform({ kafka: { clientNamespaces: ['spark-jobs', 'team-fraud'] } });
    const cluster = kafka.release.manifests.find((m) => m.kind === 'Kafka')!;
    expect(dig(cluster, 'spec', 'kafka', 'listeners', 0, 'networkPolicyPeers')).toEqual([
      { podSelector: {} },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'spark-jobs' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-fraud' } } },
    ]);
  });

  it('declares a KRaft cluster with one SCRAM TLS listener, simple ACLs, rack awareness and metrics', () => {
    const kafkaCr = manifest(platform().kafka.release.manifests, 'Kafka');
    // Strimzi 1.x ignores the old strimzi.io/node-pools and strimzi.io/kraft annotations: node pools and KRaft are the only mode.
    expect(kafkaCr.metadata).toEqual({ name: 'kafka', namespace: 'kafka' });
    expect(kafkaCr.apiVersion).toBe('kafka.strimzi.io/v1');
    expect(dig(kafkaCr, 'spec', 'zookeeper')).toBeUndefined();
    expect(dig(kafkaCr, 'spec', 'kafka')).toEqual({
      version: KAFKA_VERSION,
      // Without clientNamespaces, Strimzi's own policy for the listener admits the cluster's namespace only.
      listeners: [
        {
          name: 'tls',
          port: 9093,
          type: 'internal',
          tls: true,
          authentication: { type: 'scram-sha-512' },
          networkPolicyPeers: [{ podSelector: {} }],
        },
      ],
      authorization: { type: 'simple' },
      rack: { topologyKey: 'topology.kubernetes.io/zone' },
      config: {
        'default.replication.factor': 3,
        'min.insync.replicas': 2,
        'offsets.topic.replication.factor': 3,
        'transaction.state.log.replication.factor': 3,
        'transaction.state.log.min.isr': 2,
        'share.coordinator.state.topic.replication.factor': 3,
        'share.coordinator.state.topic.min.isr': 2,
        'auto.create.topics.enable': false,
        'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector',
      },
      metricsConfig: { type: 'strimziMetricsReporter' },
    });
  });

  it('runs the topic and user operators on the general pool with requests and limits', () => {
    const kafkaCr = manifest(platform().kafka.release.manifests, 'Kafka');
    const resources = { requests: { cpu: '100m', memory: '384Mi' }, limits: { cpu: '500m', memory: '384Mi' } };
    expect(dig(kafkaCr, 'spec', 'entityOperator')).toEqual({
      topicOperator: { resources },
      userOperator: { resources },
      template: { pod: { affinity: generalAffinity, tolerations: [] } },
    });
  });

  it('creates a KafkaTopic per topic, replicated with the cluster factor', () => {
    const topics = kinds(platform().kafka.release.manifests, 'KafkaTopic');
    expect(topics).toEqual([
      {
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'KafkaTopic',
        metadata: { name: 'events.raw', namespace: 'kafka', labels: { 'strimzi.io/cluster': 'kafka' } },
        spec: { topicName: 'events.raw', partitions: 12, replicas: 3, config: { 'cleanup.policy': 'delete', 'retention.ms': 604_800_000 } },
      },
      {
        apiVersion: 'kafka.strimzi.io/v1',
        kind: 'KafkaTopic',
        metadata: { name: 'features.updates', namespace: 'kafka', labels: { 'strimzi.io/cluster': 'kafka' } },
        spec: { topicName: 'features.updates', partitions: 12, replicas: 3, config: { 'cleanup.policy': 'compact', 'retention.ms': -1 } },
      },
    ]);
  });

  it('names a KafkaTopic resource validly when the topic name is not a Kubernetes name', () => {
    const { kafka } = platform({
      kafka: { topics: { Clicks_V2: { partitions: 1, retentionHours: 1, cleanupPolicy: 'delete' } }, clients: {} },
    });
    expect(manifest(kafka.release.manifests, 'KafkaTopic')).toMatchObject({
      metadata: { name: 'clicks-v2' },
      spec: { topicName: 'Clicks_V2' },
    });
  });

  it('gives the schema registry its topic and groups, and each client its topics and prefixed groups', () => {
    const users = kinds(platform().kafka.release.manifests, 'KafkaUser');
    expect(users.map((u) => u.metadata)).toEqual(
      ['schema-registry', 'spark', 'airflow'].map((name) => ({ name, namespace: 'kafka', labels: { 'strimzi.io/cluster': 'kafka' } })),
    );
    for (const user of users) expect(dig(user, 'spec', 'authentication')).toEqual({ type: 'scram-sha-512' });
    expect(dig(users[0], 'spec', 'authorization')).toEqual({
      type: 'simple',
      acls: [
        { type: 'allow', resource: { type: 'topic', name: '_schemas', patternType: 'literal' }, operations: ['All'] },
        { type: 'allow', resource: { type: 'group', name: 'schema-registry', patternType: 'prefix' }, operations: ['Read', 'Describe'] },
      ],
    });
    expect(dig(users[1], 'spec', 'authorization')).toEqual({
      type: 'simple',
      acls: [
        {
          type: 'allow',
          resource: { type: 'topic', name: 'events.raw', patternType: 'literal' },
          operations: ['Read', 'Write', 'Describe'],
        },
        {
          type: 'allow',
          resource: { type: 'topic', name: 'features.updates', patternType: 'literal' },
          operations: ['Read', 'Write', 'Describe'],
        },
        { type: 'allow', resource: { type: 'group', name: 'spark', patternType: 'prefix' }, operations: ['Read', 'Describe'] },
      ],
    });
    expect(dig(users[2], 'spec', 'authorization', 'acls', 2)).toEqual({
      type: 'allow',
      resource: { type: 'group', name: 'airflow', patternType: 'prefix' },
      operations: ['Read', 'Describe'],
    });
  });

  it('grants a client only the topics it names', () => {
    const { kafka } = platform({ kafka: { clients: { scorer: { read: ['events.raw'], write: [] } } } });
    expect(kafka.userNames).toEqual(['schema-registry', 'scorer']);
    expect(dig(manifest(kafka.release.manifests, 'KafkaUser', 'scorer'), 'spec', 'authorization', 'acls')).toEqual([
      { type: 'allow', resource: { type: 'topic', name: 'events.raw', patternType: 'literal' }, operations: ['Read', 'Describe'] },
      { type: 'allow', resource: { type: 'group', name: 'scorer', patternType: 'prefix' }, operations: ['Read', 'Describe'] },
    ]);
  });

  it.each(['dev', 'prod'] as const)('emits custom resources the Strimzi 1.2.0 CRDs accept (%s)', (environment) => {
    const objects = platform({ environment }).kafka.release.manifests;
    for (const [kind, file] of Object.entries(CRDS)) {
      const schema = crdSchema(file, 'v1');
      const ofKind = kinds(objects, kind);
      expect(ofKind.length).toBeGreaterThan(0);
      for (const object of ofKind) expect(customResourceViolations(object, schema), `${kind} ${object.metadata.name}`).toEqual([]);
    }
    // CEL rules the schema check skips: rack needs a topology key; the JMX exporter would need a ConfigMap.
    const kafkaSpec = dig(manifest(objects, 'Kafka'), 'spec', 'kafka');
    expect(dig(kafkaSpec, 'rack', 'topologyKey')).not.toBe('');
    expect(dig(kafkaSpec, 'metricsConfig', 'type')).toBe('strimziMetricsReporter');
  });

  it('can fail the CRD check', () => {
    const kafkaCr = manifest(platform().kafka.release.manifests, 'Kafka');
    const broken = { ...kafkaCr, spec: { ...(kafkaCr.spec as object), zookeeper: { replicas: 3 } } };
    expect(customResourceViolations(broken, crdSchema(CRDS.Kafka, 'v1'))).toEqual([
      '/spec must NOT have additional properties {"additionalProperty":"zookeeper"}',
    ]);
  });

  // The KafkaUser CRD is not vendored (shared/charts holds Kafka, KafkaTopic and KafkaNodePool only), so the
  // parts of its v1 schema these users use are spelled out: types and operations are closed enums there.
  it('emits KafkaUsers within the fields and enums of the Strimzi v1 KafkaUser schema', () => {
    const operations = [
      'Read',
      'Write',
      'Create',
      'Delete',
      'Alter',
      'Describe',
      'ClusterAction',
      'AlterConfigs',
      'DescribeConfigs',
      'IdempotentWrite',
      'All',
    ];
    const users = kinds(platform().kafka.release.manifests, 'KafkaUser');
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) {
      const spec = user.spec as { authentication: { type: string }; authorization: { type: string; acls: Record<string, unknown>[] } };
      expect(Object.keys(spec).sort()).toEqual(['authentication', 'authorization']);
      expect(spec.authentication).toEqual({ type: 'scram-sha-512' });
      expect(spec.authorization.type).toBe('simple');
      for (const acl of spec.authorization.acls) {
        const { type, resource, operations: ops } = acl as { type: string; resource: Record<string, string>; operations: string[] };
        expect(Object.keys(acl).every((k) => ['type', 'resource', 'host', 'operations'].includes(k))).toBe(true);
        expect(['allow', 'deny']).toContain(type);
        expect(['topic', 'group', 'cluster', 'transactionalId']).toContain(resource.type);
        expect(['literal', 'prefix', undefined]).toContain(resource.patternType);
        expect(ops.length).toBeGreaterThan(0);
        for (const op of ops) expect(operations).toContain(op);
      }
    }
  });

  it.each<[Partial<KafkaClusterProps>, RegExp]>([
    [{ brokers: 2 }, /Kafka: brokers must be 1 \(development\) or 3 or more \(got 2\)/],
    [{ brokers: 0 }, /brokers must be 1 \(development\) or 3 or more \(got 0\)/],
    [{ brokers: 1, highlyAvailable: true }, /being highly available needs at least 3 brokers for replication factor 3 \(got 1\)/],
    [{ clusterName: 'Kafka_1' }, /clusterName 'Kafka_1' must be a lower-case DNS label/],
    [{ storageGiB: 0 }, /storageGiB must be a positive integer \(got 0\)/],
    [{ placement: { nodeSelector: {}, tolerations: [] } }, /placement.nodeSelector is empty/],
    [{ entityOperatorPlacement: { nodeSelector: {}, tolerations: [] } }, /entityOperatorPlacement.nodeSelector is empty/],
    [
      { topics: { 'bad topic': { partitions: 1, retentionHours: 1, cleanupPolicy: 'delete' } } },
      /topics\['bad topic'\]: not a valid Kafka topic name/,
    ],
    [
      { topics: { _schemas: { partitions: 1, retentionHours: 1, cleanupPolicy: 'compact' } } },
      /topics\['_schemas'\]: .*belong to Kafka and the schema registry/,
    ],
    [
      { topics: { '-': { partitions: 1, retentionHours: 1, cleanupPolicy: 'delete' } } },
      /topics\['-'\]: needs at least one letter or digit/,
    ],
    [
      { topics: { t: { partitions: 0, retentionHours: 1, cleanupPolicy: 'delete' } } },
      /topics\['t'\].partitions must be a positive integer \(got 0\)/,
    ],
    [
      { topics: { t: { partitions: 1, retentionHours: 0, cleanupPolicy: 'delete' } } },
      /topics\['t'\].retentionHours must be .* or -1 .* \(got 0\)/,
    ],
    [
      {
        topics: {
          'a.b': { partitions: 1, retentionHours: 1, cleanupPolicy: 'delete' },
          'A.B': { partitions: 1, retentionHours: 1, cleanupPolicy: 'delete' },
        },
      },
      /topics\['A.B'\]: 'A.B' and 'a.b' both become KafkaTopic 'a.b'/,
    ],
    [{ clients: { Spark: {} } }, /clients\['Spark'\]: client names are lower-case DNS labels/],
    [{ clients: { 'schema-registry': {} } }, /clients\['schema-registry'\]: 'schema-registry' is created for the schema registry/],
    [
      { clients: { spark: { read: ['clicks'] } } },
      /clients\['spark'\].read: clicks not among the cluster's topics \(events.raw, features.updates\)/,
    ],
  ])('rejects %o', (props, message) => {
    expect(() => platform({ kafka: props })).toThrow(message);
  });
});

describe('SchemaRegistry', () => {
  function objects(options: Options = {}) {
    const { registry, kafka } = platform(options);
    const all = registry.release.manifests;
    const deployment = manifest(all, 'Deployment', 'schema-registry');
    const pod = dig(deployment, 'spec', 'template', 'spec') as Record<string, unknown>;
    const container = dig(pod, 'containers', 0) as Record<string, unknown>;
    return { registry, kafka, all, deployment, pod, container };
  }

  it('exposes its in-cluster URL and is installed after the Kafka resources, in their namespace', () => {
    const { registry, json } = platform();
    expect(registry.url).toBe('http://schema-registry.kafka.svc:8081');
    const release = helmRelease(json, 'schema-registry');
    expect(release).toMatchObject({ namespace: 'kafka', timeout: 900 });
    expect(release.depends_on).toEqual([expect.stringMatching(/^helm_release\.Kafka_Resources_Release_[0-9A-F]+$/)]);
  });

  it('runs the pinned Confluent image with a ClusterIP Service on 8081', () => {
    const { all, container } = objects();
    expect(SCHEMA_REGISTRY_IMAGE).toMatch(/^confluentinc\/cp-schema-registry:8\.\d+\.\d+$/);
    expect(container).toMatchObject({ image: SCHEMA_REGISTRY_IMAGE });
    expect(container.ports).toContainEqual({ name: 'http', containerPort: 8081, protocol: 'TCP' });
    expect(manifest(all, 'Service', 'schema-registry').spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'schema-registry', 'app.kubernetes.io/instance': 'schema-registry' },
      ports: [{ name: 'http', port: 8081, targetPort: 'http', protocol: 'TCP' }],
    });
  });

  it('reaches Kafka over TLS with SCRAM-SHA-512 as its KafkaUser, trusting the cluster CA', () => {
    const { container, pod } = objects();
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS', value: 'SASL_SSL://kafka-kafka-bootstrap.kafka.svc:9093' },
        { name: 'SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL', value: 'SASL_SSL' },
        { name: 'SCHEMA_REGISTRY_KAFKASTORE_SASL_MECHANISM', value: 'SCRAM-SHA-512' },
        {
          name: 'SCHEMA_REGISTRY_KAFKASTORE_SASL_JAAS_CONFIG',
          valueFrom: { secretKeyRef: { name: 'schema-registry', key: 'sasl.jaas.config' } },
        },
        { name: 'SCHEMA_REGISTRY_KAFKASTORE_SSL_TRUSTSTORE_TYPE', value: 'PKCS12' },
        { name: 'SCHEMA_REGISTRY_KAFKASTORE_SSL_TRUSTSTORE_LOCATION', value: '/mnt/kafka-cluster-ca/ca.p12' },
        {
          name: 'SCHEMA_REGISTRY_KAFKASTORE_SSL_TRUSTSTORE_PASSWORD',
          valueFrom: { secretKeyRef: { name: 'kafka-cluster-ca-cert', key: 'ca.password' } },
        },
        { name: 'SCHEMA_REGISTRY_HOST_NAME', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ]),
    );
    expect(pod.volumes).toEqual(
      expect.arrayContaining([
        {
          name: 'cluster-ca',
          secret: { secretName: 'kafka-cluster-ca-cert', items: [{ key: 'ca.p12', path: 'ca.p12' }], defaultMode: 0o440 },
        },
      ]),
    );
    expect(container.volumeMounts).toEqual(
      expect.arrayContaining([{ name: 'cluster-ca', mountPath: '/mnt/kafka-cluster-ca', readOnly: true }]),
    );
  });

  it('keeps schemas in _schemas with the cluster replication factor and BACKWARD compatibility by default', () => {
    const env = (options: Options) => objects(options).container.env;
    expect(env({})).toEqual(
      expect.arrayContaining([
        { name: 'SCHEMA_REGISTRY_KAFKASTORE_TOPIC', value: '_schemas' },
        { name: 'SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR', value: '3' },
        { name: 'SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL', value: 'backward' },
      ]),
    );
    expect(env({ environment: 'dev' })).toEqual(
      expect.arrayContaining([{ name: 'SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR', value: '1' }]),
    );
    expect(env({ registry: { compatibility: 'FULL_TRANSITIVE' } })).toEqual(
      expect.arrayContaining([{ name: 'SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL', value: 'full_transitive' }]),
    );
  });

  it('sets only properties the registry knows, spelled as the image maps them', () => {
    // The image's template turns SCHEMA_REGISTRY_FOO_BAR into foo.bar ('___' → '-', '__' → '_').
    const property = (name: string) =>
      name
        .replace(/^SCHEMA_REGISTRY_/, '')
        .toLowerCase()
        .replace(/___/g, '-')
        .replace(/__/g, '\0')
        .replace(/_/g, '.')
        .replace(/\0/g, '_');
    const names = (objects().container.env as { name: string }[]).map((e) => property(e.name));
    expect(names.sort()).toEqual(
      [
        'authentication.method',
        'authentication.realm',
        'authentication.roles',
        'authentication.skip.paths',
        'heap.opts', // read by the launch script, ignored as a property
        'opts', // the same
        'host.name',
        'kafkastore.bootstrap.servers',
        'kafkastore.sasl.jaas.config',
        'kafkastore.sasl.mechanism',
        'kafkastore.security.protocol',
        'kafkastore.ssl.truststore.location',
        'kafkastore.ssl.truststore.password',
        'kafkastore.ssl.truststore.type',
        'kafkastore.topic',
        'kafkastore.topic.replication.factor',
        'listeners',
        'schema.compatibility.level',
        'schema.registry.group.id',
      ].sort(),
    );
  });

  it("serves metrics through the image's JMX exporter, found at start, before running the image's own entrypoint", () => {
    const { all, container, pod, registry, deployment } = objects();
    // What the scrape selects is what the Deployment runs.
    expect(registry.podLabels).toEqual(dig(deployment, 'spec', 'selector', 'matchLabels'));
    const [, , script] = container.command as string[];
    expect((container.command as string[]).slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(script).toContain('/usr/share/java/cp-base-new/jmx_prometheus_javaagent-*.jar');
    expect(script).toContain(`-javaagent:$agent=${SCHEMA_REGISTRY_METRICS_PORT}:/etc/jmx-exporter/config.yaml`);
    // The JAAS login stays: the agent is added to the options, not put in their place.
    expect(script).toContain('SCHEMA_REGISTRY_OPTS="$SCHEMA_REGISTRY_OPTS -javaagent');
    expect(script.trim().split('\n').pop()).toBe('exec /etc/confluent/docker/run');
    // No Terraform interpolation in what reaches the release.
    expect(script).not.toContain('${');
    expect(container.ports).toContainEqual({ name: 'metrics', containerPort: SCHEMA_REGISTRY_METRICS_PORT, protocol: 'TCP' });
    expect(manifest(all, 'ConfigMap', 'schema-registry-jmx-exporter')).toBeDefined();
    expect(pod.volumes).toContainEqual({ name: 'jmx-exporter', configMap: { name: 'schema-registry-jmx-exporter' } });
  });

  it('in production runs several replicas spread over zones and nodes, with a PodDisruptionBudget', () => {
    const { all, deployment, pod } = objects();
    const selector = { 'app.kubernetes.io/name': 'schema-registry', 'app.kubernetes.io/instance': 'schema-registry' };
    expect(dig(deployment, 'spec', 'replicas')).toBe(3);
    expect(pod.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: selector },
      },
    ]);
    expect(dig(pod, 'affinity', 'podAntiAffinity', 'preferredDuringSchedulingIgnoredDuringExecution', 0, 'podAffinityTerm')).toEqual({
      labelSelector: { matchLabels: selector },
      topologyKey: 'kubernetes.io/hostname',
    });
    expect(manifest(all, 'PodDisruptionBudget', 'schema-registry')).toMatchObject({
      apiVersion: 'policy/v1',
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    });
  });

  it('in development runs one replica without a PodDisruptionBudget', () => {
    const { all, deployment, pod } = objects({ environment: 'dev' });
    expect(dig(deployment, 'spec', 'replicas')).toBe(1);
    expect(kinds(all, 'PodDisruptionBudget')).toEqual([]);
    expect(pod.topologySpreadConstraints).toBeUndefined();
    expect(objects({ environment: 'dev', registry: { replicas: undefined } }).registry.replicas).toBe(1);
    expect(objects({ registry: { replicas: undefined } }).registry.replicas).toBe(2);
  });

  it('runs non-root on a read-only root filesystem, on the general pool, with probes and resources', () => {
    const { pod, container } = objects();
    expect(pod).toMatchObject({
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      nodeSelector: { 'mlops-platform/node-pool': 'general' },
      tolerations: [],
    });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'config', mountPath: '/etc/schema-registry' },
        { name: 'tmp', mountPath: '/tmp' },
      ]),
    );
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe]).toMatchObject({ httpGet: { path: '/v1/metadata/id', port: 'http' } });
    }
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } });
  });

  it('requires a login for every API path but the one its probes use, from a password file External Secrets renders', () => {
    const { all, container, pod } = objects();
    const env = Object.fromEntries((container.env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      SCHEMA_REGISTRY_AUTHENTICATION_METHOD: 'BASIC',
      SCHEMA_REGISTRY_AUTHENTICATION_REALM: 'SchemaRegistry',
      // Jetty admits no one under the default '*': the roles are named.
      SCHEMA_REGISTRY_AUTHENTICATION_ROLES: 'admin,client',
      SCHEMA_REGISTRY_AUTHENTICATION_SKIP_PATHS: '/v1/metadata/id',
      SCHEMA_REGISTRY_OPTS: '-Djava.security.auth.login.config=/etc/schema-registry-auth/jaas.conf',
    });
    expect(container.volumeMounts).toContainEqual({ name: 'auth', mountPath: '/etc/schema-registry-auth', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'auth', secret: { secretName: 'schema-registry-auth', defaultMode: 0o440 } });

    const auth = manifest(all, 'ExternalSecret', 'schema-registry-auth').spec as {
      secretStoreRef: unknown;
      data: unknown[];
      target: { template: { data: Record<string, string> } };
    };
    expect(auth.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: LOGINS.storeName });
    // Each login's password from wherever it is kept.
    expect(auth.data).toEqual(
      Object.entries(LOGINS.passwords).map(([name, { key, property }]) => ({ secretKey: name, remoteRef: { key, property } })),
    );
    const { 'users.properties': users, 'jaas.conf': jaas } = auth.target.template.data;
    expect(users.trim().split('\n')).toEqual(['admin: {{ index . "admin" }},admin', 'spark: {{ index . "spark" }},client']);
    expect(jaas).toContain('SchemaRegistry {');
    expect(jaas).toContain(
      'org.eclipse.jetty.security.jaas.spi.PropertyFileLoginModule required file="/etc/schema-registry-auth/users.properties";',
    );
  });

  it('restarts when a login is added or removed, as it reads its password file only at start', () => {
    const annotation = (options: Options) => dig(objects(options).deployment, 'spec', 'template', 'metadata', 'annotations');
    const more = { registry: { logins: { ...LOGINS, passwords: { ...LOGINS.passwords, risk: { key: 'mlops-test/teams/risk' } } } } };
    expect(annotation({})).toEqual(annotation({}));
    expect(annotation(more)).not.toEqual(annotation({}));
  });

  it('gives each login a Secret of its own in the registry namespace, for its users to copy', () => {
    const { all, registry } = objects();
    expect(registry.loginSecretNames).toEqual({ admin: 'schema-registry-login-admin', spark: 'schema-registry-login-spark' });
    const spark = manifest(all, 'ExternalSecret', 'schema-registry-login-spark').spec as { target: { template: { data: unknown } } };
    expect(spark.target.template.data).toEqual({
      username: 'spark',
      password: '{{ .password }}',
      'basic.auth.user.info': 'spark:{{ .password }}',
    });
  });

  it('produces objects the manifests chart accepts', () => {
    const schema = JSON.parse(
      readFileSync(join(__dirname, '..', '..', '..', 'charts', 'manifests', 'values.schema.json'), 'utf8'),
    ) as object;
    const validate = new Ajv({ strict: false }).compile(schema);
    const { registry, kafka } = platform();
    for (const release of [registry.release, kafka.release])
      expect(validate(release.helmRelease.values), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each<[Partial<SchemaRegistryProps>, RegExp]>([
    [{ replicas: 1 }, /SchemaRegistry: replicas must be at least 2 to be highly available \(got 1\)/],
    [{ replicas: 0 }, /replicas must be a whole number from 1 to 10 \(got 0\)/],
    [{ placement: { nodeSelector: {}, tolerations: [] } }, /placement.nodeSelector is empty/],
    [{ logins: { ...LOGINS, passwords: { spark: LOGINS.passwords.spark } } }, /logins.passwords must include 'admin'/],
    [
      { logins: { ...LOGINS, passwords: { ...LOGINS.passwords, Spark_Jobs: LOGINS.passwords.spark } } },
      /login 'Spark_Jobs' is not a lower-case DNS label/,
    ],
  ])('rejects %o', (props, message) => {
    expect(() => platform({ registry: props })).toThrow(message);
  });
});
