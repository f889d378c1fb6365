import { Construct } from 'constructs';
import { ManifestsRelease } from '../../helm/manifests-release';
import { nodeAffinity, type KubernetesObject, type Placement, type Resources } from '../../kubernetes/objects';
import { CONTROLLER_STORAGE_GIB, kafkaNodePool, type NodePoolSpec } from './kafka-node-pools';
import { kafkaTopics, type KafkaTopicSpec } from './kafka-topics';
import { kafkaUsers, type KafkaClientAccess } from './kafka-users';
import { STRIMZI_API_VERSION } from './strimzi-api';
import type { StrimziOperator } from './strimzi-operator';
import type { Endpoint } from '../../kubernetes/endpoint';
import { checkPlacement } from '../validation';

/** Kafka version, pinned so an operator upgrade never upgrades the brokers by surprise (Strimzi 1.2.0 runs 4.2.0–4.3.1). */
export const KAFKA_VERSION = '4.3.1';

/** The one client listener: TLS, SCRAM-SHA-512, inside the cluster. */
export const KAFKA_TLS_PORT = 9093;
export const KAFKA_EXTERNAL_PORT = 9094;

/** Internal Network Load Balancers with IP targets, made by the AWS Load Balancer Controller. */
const INTERNAL_NLB = {
  'service.beta.kubernetes.io/aws-load-balancer-type': 'external',
  'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
  'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
};

/** The listener for clients outside the cluster: see {@link KafkaClusterProps.external}. */
function externalListener(external: NonNullable<KafkaClusterProps['external']>): Record<string, unknown> {
  return {
    name: 'external',
    port: KAFKA_EXTERNAL_PORT,
    type: 'loadbalancer',
    tls: true,
    authentication: { type: 'scram-sha-512' },
    configuration: {
      loadBalancerSourceRanges: external.allowedCidrs,
      bootstrap: { annotations: INTERNAL_NLB },
      perBrokerAnnotationsTemplate: INTERNAL_NLB,
    },
    // IP targets: connections reach the brokers from the load balancers' addresses.
    networkPolicyPeers: external.loadBalancerCidrs.map((cidr) => ({ ipBlock: { cidr } })),
  };
}

/** Props of {@link KafkaCluster}. */
export interface KafkaClusterProps {
  /** The operator that runs the cluster; the cluster goes in its namespace, the only one it watches. */
  readonly operator: StrimziOperator;
  /** Name of the Kafka resource, prefix of every Service, Secret and pod. @default 'kafka' */
  readonly clusterName?: string;
  /**
   * Brokers. With 3 or more, 3 dedicated KRaft controllers run beside them and the replication factor is 3
   * (min ISR 2); with 1 (development), a single node is both controller and broker (factor 1). 2 is refused:
   * a two-voter quorum is no more available than one.
   */
  readonly brokers: number;
  /** Disk per broker. */
  readonly storageGiB: number;
  /** StorageClass of every volume. @default 'gp3-encrypted' */
  readonly storageClass?: string;
  /** Ingestion topics by name; each is replicated with the cluster's replication factor. @default none */
  readonly topics?: Record<string, KafkaTopicSpec>;
  /**
   * Client applications by name, each a KafkaUser with SCRAM-SHA-512 credentials in Secret `<name>`, the
   * topics it may read and write, and the consumer groups prefixed with its name. The schema registry's
   * user (`schema-registry`) is always created besides these.
   * @default spark and airflow, both reading and writing every topic
   */
  readonly clients?: Record<string, KafkaClientAccess>;
  /**
   * Namespaces whose pods may open connections to the TLS listener, besides the cluster's own (the schema
   * registry's). Strimzi writes a NetworkPolicy for each listener that, without peers, admits every pod of
   * the cluster: these are its peers. @default none: only the cluster's namespace
   */
  readonly clientNamespaces?: string[];
  /**
   * A listener for clients outside the cluster on port 9094: TLS and SCRAM-SHA-512 through internal Network
   * Load Balancers (one for bootstrap, one per broker, by the AWS Load Balancer Controller, IP targets) that
   * only `allowedCidrs` reach; the brokers admit the load balancers' subnets, `loadBalancerCidrs`.
   * @default none
   */
  readonly external?: { readonly allowedCidrs: string[]; readonly loadBalancerCidrs: string[] };
  /** Node pool of the brokers and controllers (the `storage` pool). */
  readonly placement: Placement;
  /** Node pool of the entity operator (the `general` pool). */
  readonly entityOperatorPlacement: Placement;
  /** Survive a broker's or a zone's loss: requires at least 3 brokers (replication factor 3). @default false */
  readonly highlyAvailable?: boolean;
  /**
   * Keep the brokers' volumes when the cluster or a node pool is deleted (and with them the data); otherwise
   * they go with their claims, so no orphaned disk is left behind. @default false
   */
  readonly retainVolumes?: boolean;
  /**
   * Per broker. Strimzi sizes the heap as a share of the memory limit; the rest serves as page cache.
   * @default 1 CPU / 8 GiB requested, 2 CPU / 8 GiB limit
   */
  readonly brokerResources?: Resources;
  /** Per controller, with 3 or more brokers. @default 250m / 2 GiB requested, 1 CPU / 2 GiB limit */
  readonly controllerResources?: Resources;
  /** Per container of the entity operator (topic and user operators). @default 100m / 384 MiB requested, 500m / 384 MiB limit */
  readonly entityOperatorResources?: Resources;
}

const DEFAULT_BROKER_RESOURCES: Resources = { requests: { cpu: '1', memory: '8Gi' }, limits: { cpu: '2', memory: '8Gi' } };
const DEFAULT_CONTROLLER_RESOURCES: Resources = { requests: { cpu: '250m', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } };
const DEFAULT_ENTITY_OPERATOR_RESOURCES: Resources = {
  requests: { cpu: '100m', memory: '384Mi' },
  limits: { cpu: '500m', memory: '384Mi' },
};
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A KRaft Kafka cluster run by Strimzi, as custom resources in one release that follows the operator's:
 * node pools on the storage pool, one internal TLS listener with SCRAM-SHA-512 and `simple` ACLs, rack
 * awareness by zone, metrics through the Strimzi Metrics Reporter, the topic and user operators, the
 * ingestion topics and one KafkaUser per client.
 */
export class KafkaCluster extends Construct {
  readonly clusterName: string;
  readonly namespace: string;
  /** `host:port` of the TLS listener, for clients inside the cluster. */
  readonly bootstrapServers: string;
  /** The TLS listener's bootstrap Service (clients then reach each broker on the same port). */
  readonly tlsListener: Endpoint;
  /** The external listener's bootstrap Service (a load balancer), where configured. */
  readonly externalListener?: Endpoint;
  /** Secret with the cluster CA clients trust: `ca.crt`, `ca.p12` and `ca.password`. */
  readonly clusterCaSecretName: string;
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  /** The Kafka users: `schema-registry`, then the clients. */
  readonly userNames: string[];
  readonly topicNames: string[];
  readonly release: ManifestsRelease;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    const where = this.node.path;
    const clusterName = props.clusterName ?? 'kafka';
    if (!DNS_LABEL.test(clusterName) || clusterName.length > 40) {
      throw new Error(
        `${where}: clusterName '${clusterName}' must be a lower-case DNS label of at most 40 characters (pod and Secret names grow from it)`,
      );
    }
    if (!Number.isInteger(props.brokers) || props.brokers < 1 || props.brokers === 2) {
      throw new Error(`${where}: brokers must be 1 (development) or 3 or more (got ${props.brokers}); two brokers make a two-voter quorum`);
    }
    if (props.highlyAvailable && props.brokers < 3) {
      throw new Error(`${where}: being highly available needs at least 3 brokers for replication factor 3 (got ${props.brokers})`);
    }
    if (!Number.isInteger(props.storageGiB) || props.storageGiB < 1) {
      throw new Error(`${where}: storageGiB must be a positive integer (got ${props.storageGiB})`);
    }
    // Strimzi places pods by node affinity, which needs the pool's label.
    checkPlacement(where, props.placement);
    checkPlacement(where, props.entityOperatorPlacement, 'entityOperatorPlacement');

    const namespace = props.operator.namespace;
    const dedicatedControllers = props.brokers >= 3;
    this.clusterName = clusterName;
    this.namespace = namespace;
    this.replicationFactor = dedicatedControllers ? 3 : 1;
    this.minInsyncReplicas = dedicatedControllers ? 2 : 1;
    this.bootstrapServers = `${clusterName}-kafka-bootstrap.${namespace}.svc:${KAFKA_TLS_PORT}`;
    this.tlsListener = { namespace, service: `${clusterName}-kafka-bootstrap`, port: KAFKA_TLS_PORT };
    this.externalListener = props.external
      ? { namespace, service: `${clusterName}-kafka-external-bootstrap`, port: KAFKA_EXTERNAL_PORT }
      : undefined;
    this.clusterCaSecretName = `${clusterName}-cluster-ca-cert`;

    const topics = props.topics ?? {};
    this.topicNames = Object.keys(topics);
    const clients = props.clients ?? { spark: {}, airflow: {} };

    const brokerResources = props.brokerResources ?? DEFAULT_BROKER_RESOURCES;
    const pools: NodePoolSpec[] = dedicatedControllers
      ? [
          {
            name: 'controller',
            replicas: 3,
            roles: ['controller'],
            storageGiB: CONTROLLER_STORAGE_GIB,
            resources: props.controllerResources ?? DEFAULT_CONTROLLER_RESOURCES,
          },
          { name: 'broker', replicas: props.brokers, roles: ['broker'], storageGiB: props.storageGiB, resources: brokerResources },
        ]
      : [
          {
            name: 'dual-role',
            replicas: props.brokers,
            roles: ['controller', 'broker'],
            storageGiB: props.storageGiB,
            resources: brokerResources,
          },
        ];
    const poolContext = {
      clusterName,
      namespace,
      storageClass: props.storageClass ?? 'gp3-encrypted',
      placement: props.placement,
      // Production keeps a volume when its claim goes; elsewhere a destroyed environment leaves no disks.
      deleteClaims: !props.retainVolumes,
    };

    const users = kafkaUsers(where, clients, { clusterName, namespace, topics: this.topicNames });
    this.userNames = users.map((user) => user.metadata.name);

    const manifests: KubernetesObject[] = [
      ...pools.map((pool) => kafkaNodePool(pool, poolContext)),
      this.kafka(props),
      ...kafkaTopics(where, topics, { clusterName, namespace, replicationFactor: this.replicationFactor }),
      ...users,
    ];
    this.release = new ManifestsRelease(this, 'Resources', {
      releaseName: `${clusterName}-cluster`,
      namespace,
      manifests,
      dependsOn: [props.operator.release.release],
    });
  }

  /** Name of the Secret the User Operator writes for `user` (keys `password` and `sasl.jaas.config`). */
  userSecretName(user: string): string {
    if (!this.userNames.includes(user)) {
      throw new Error(`${this.node.path}: no Kafka user '${user}'; the users are ${this.userNames.join(', ')} (add it to clients)`);
    }
    return user;
  }

  /** The Kafka resource. Strimzi 1.x needs no `strimzi.io/node-pools`/`kraft` annotations: both are the only mode. */
  private kafka(props: KafkaClusterProps): KubernetesObject {
    const rf = this.replicationFactor;
    const minIsr = this.minInsyncReplicas;
    const entityOperatorResources = props.entityOperatorResources ?? DEFAULT_ENTITY_OPERATOR_RESOURCES;
    return {
      apiVersion: STRIMZI_API_VERSION,
      kind: 'Kafka',
      metadata: { name: this.clusterName, namespace: this.namespace },
      spec: {
        kafka: {
          version: KAFKA_VERSION,
          listeners: [
            {
              name: 'tls',
              port: KAFKA_TLS_PORT,
              type: 'internal',
              tls: true,
              authentication: { type: 'scram-sha-512' },
              networkPolicyPeers: [
                { podSelector: {} },
                ...(props.clientNamespaces ?? []).map((name) => ({
                  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
                })),
              ],
            },
            ...(props.external ? [externalListener(props.external)] : []),
          ],
          authorization: { type: 'simple' },
          // Brokers take their zone as broker.rack, so replicas of a partition land in different zones.
          rack: { topologyKey: 'topology.kubernetes.io/zone' },
          config: {
            'default.replication.factor': rf,
            'min.insync.replicas': minIsr,
            'offsets.topic.replication.factor': rf,
            'transaction.state.log.replication.factor': rf,
            'transaction.state.log.min.isr': minIsr,
            'share.coordinator.state.topic.replication.factor': rf,
            'share.coordinator.state.topic.min.isr': minIsr,
            // Topics are declared as KafkaTopics; a typo in a client must not create one.
            'auto.create.topics.enable': false,
            // Consumers that set client.rack fetch from a replica in their own zone (no cross-zone traffic).
            'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector',
          },
          // Prometheus metrics on port 9404 of every node, straight from Kafka's metrics (no JMX agent, no ConfigMap).
          metricsConfig: { type: 'strimziMetricsReporter' },
        },
        // Consumer-group lag and topic offsets for Prometheus: Kafka itself does not export them.
        kafkaExporter: {
          groupRegex: '.*',
          topicRegex: '.*',
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
          template: {
            pod: { affinity: nodeAffinity(props.entityOperatorPlacement), tolerations: props.entityOperatorPlacement.tolerations },
          },
        },
        entityOperator: {
          topicOperator: { resources: entityOperatorResources },
          userOperator: { resources: entityOperatorResources },
          template: {
            pod: { affinity: nodeAffinity(props.entityOperatorPlacement), tolerations: props.entityOperatorPlacement.tolerations },
          },
        },
      },
    };
  }
}
