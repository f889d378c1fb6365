import { KafkaClientCredentials, KafkaCluster, SchemaRegistry, StrimziOperator } from '../../constructs/platform/kafka';
import { KAFKA_CLIENTS, SCHEMA_REGISTRY_LOGINS, WORKLOADS } from '../catalogue';
import type { PlatformContext } from './context';

/** Kafka (Strimzi), the schema registry and each client's credentials in its own namespace. */
export function addStreaming({ scope, environment, props, placement, namespace, secretStore }: PlatformContext, storageClass: string) {
  const { production } = environment;
  const { kafka, schemaRegistry } = environment.platform;
  const strimzi = new StrimziOperator(scope, 'Strimzi', {
    namespace: namespace('kafka'),
    values: props.values('strimzi-kafka-operator'),
    placement: placement.general,
    highlyAvailable: production,
  });
  const cluster = new KafkaCluster(scope, 'Kafka', {
    operator: strimzi,
    brokers: kafka.brokers,
    storageGiB: kafka.storageGiB,
    storageClass,
    topics: kafka.topics,
    placement: placement.storage,
    entityOperatorPlacement: placement.general,
    highlyAvailable: production,
    retainVolumes: production,
  });
  const registry = new SchemaRegistry(scope, 'SchemaRegistry', {
    kafka: cluster,
    logins: {
      secretName: props.secrets.schemaRegistryLogins,
      storeName: secretStore.name,
      names: SCHEMA_REGISTRY_LOGINS,
      dependsOn: [secretStore.ready],
    },
    replicas: schemaRegistry.replicas,
    placement: placement.general,
    highlyAvailable: production,
  });
  // Spark jobs and Airflow tasks find their Kafka and schema-registry logins, the CA and the addresses in `kafka-<user>`.
  new KafkaClientCredentials(scope, 'KafkaClientCredentials', {
    kafka: cluster,
    schemaRegistry: registry,
    clients: Object.fromEntries(Object.entries(KAFKA_CLIENTS).map(([user, workload]) => [user, namespace(WORKLOADS[workload].namespace)])),
    dependsOn: [secretStore.ready],
  });
  return { kafka: cluster, schemaRegistry: registry };
}
