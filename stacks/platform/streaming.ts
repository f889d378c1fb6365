import {
  KafkaClientCredentials,
  type KafkaClientTarget,
  KafkaCluster,
  SchemaRegistrations,
  SchemaRegistry,
  StrimziOperator,
  valueSubject,
} from '../../constructs/platform/kafka';
import {
  KAFKA_CLIENTS,
  mapRecord,
  SCHEMA_REGISTRY_LOGINS,
  TEAM_CONNECTION_SECRET,
  TEAM_REGISTRY_PASSWORD,
  teamWorkload,
  WORKLOADS,
} from '../catalogue';
import { ManifestsRelease } from '../../constructs/helm/manifests-release';
import { externalSecret } from '../../constructs/platform/external-secrets';
import type { PlatformContext } from './context';

/**
 * Kafka (Strimzi), the schema registry and each client's credentials in its own namespace: the platform's
 * clients read and write every topic; each team its own topics, with its Secret `platform-connection`
 * telling it where everything is (`teamConnection`).
 */
export function addStreaming(
  { scope, environment, props, placement, namespace, secretStore }: PlatformContext,
  storageClass: string,
  teamConnection: (team: string) => Pick<KafkaClientTarget, 'settings' | 'secrets'>,
) {
  const { production } = environment;
  const { kafka, schemaRegistry, teams } = environment.platform;
  const producerSecret = (producer: string) => `kafka-producer-${producer}`;
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
    // Strimzi's own policy for the listener admits these namespaces only, as the platform's policies do.
    clientNamespaces: [
      ...Object.values(KAFKA_CLIENTS).map((workload) => namespace(WORKLOADS[workload].namespace)),
      ...Object.keys(teams).map((team) => namespace(teamWorkload(team).namespace)),
    ],
    clients: {
      ...mapRecord(KAFKA_CLIENTS, () => ({})),
      ...mapRecord(teams, (team) => ({ read: team.topics.read, write: team.topics.write })),
      // Producers write their topics only, with the password kept in Secrets Manager for them.
      ...mapRecord(kafka.producers, (producer, name) => ({ read: [], write: producer.topics, passwordSecret: producerSecret(name) })),
    },
    external: kafka.external ? { allowedCidrs: kafka.external.allowedCidrs, loadBalancerCidrs: props.loadBalancerCidrs } : undefined,
    placement: placement.storage,
    entityOperatorPlacement: placement.general,
    highlyAvailable: production,
    retainVolumes: production,
  });
  const registry = new SchemaRegistry(scope, 'SchemaRegistry', {
    kafka: cluster,
    logins: {
      passwords: {
        ...Object.fromEntries(SCHEMA_REGISTRY_LOGINS.map((login) => [login, { key: props.secrets.schemaRegistryLogins, property: login }])),
        ...mapRecord(props.teams, (team) => ({ key: team.secretName, property: TEAM_REGISTRY_PASSWORD })),
      },
      storeName: secretStore.name,
      dependsOn: [secretStore.ready],
    },
    replicas: schemaRegistry.replicas,
    placement: placement.general,
    highlyAvailable: production,
  });
  // Each topic's value schema, with the compatibility its entry declares, from `schemas/<topic>/`.
  const subjects = Object.entries(environment.topicSchemas).map(([topic, versions]) => {
    const schema = kafka.topics[topic].schema!;
    const subject = valueSubject(topic, schema.subjectNameStrategy, versions[versions.length - 1]);
    return [subject, { compatibility: schema.compatibility, versions }] as const;
  });
  if (subjects.length > 0) {
    new SchemaRegistrations(scope, 'SchemaRegistrations', {
      registry,
      subjects: Object.fromEntries(subjects),
      placement: placement.general,
    });
  }
  // Spark jobs and Airflow tasks find their Kafka and schema-registry logins, the CA and the addresses in `kafka-<user>`.
  new KafkaClientCredentials(scope, 'KafkaClientCredentials', {
    kafka: cluster,
    schemaRegistry: registry,
    clients: {
      ...mapRecord(KAFKA_CLIENTS, (workload) => namespace(WORKLOADS[workload].namespace)),
      ...mapRecord(teams, (_, team) => ({
        namespace: namespace(teamWorkload(team).namespace),
        secretName: TEAM_CONNECTION_SECRET,
        ...teamConnection(team),
      })),
    },
    dependsOn: [secretStore.ready],
  });
  const producers = Object.keys(kafka.producers);
  if (producers.length > 0) {
    new ManifestsRelease(scope, 'KafkaProducers', {
      releaseName: 'kafka-producers',
      namespace: cluster.namespace,
      manifests: producers.map((name) =>
        externalSecret({
          name: producerSecret(name),
          namespace: cluster.namespace,
          storeName: secretStore.name,
          data: { password: { key: props.producers[name], property: 'password' } },
        }),
      ),
      dependsOn: [secretStore.ready],
    });
  }
  return { kafka: cluster, schemaRegistry: registry };
}
