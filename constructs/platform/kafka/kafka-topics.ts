import type { KubernetesObject } from '../../kubernetes/objects';
import { CLUSTER_LABEL, STRIMZI_API_VERSION } from './strimzi-api';

/** One ingestion topic. */
export interface KafkaTopicSpec {
  readonly partitions: number;
  /** Hours a record is kept; -1 keeps records forever. */
  readonly retentionHours: number;
  readonly cleanupPolicy: 'delete' | 'compact';
}

/** What {@link kafkaTopics} needs to know about the cluster. */
export interface TopicContext {
  readonly clusterName: string;
  readonly namespace: string;
  readonly replicationFactor: number;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const HOUR_MS = 3_600_000;

/**
 * KafkaTopic resources, one per topic. The topic's real name goes in `spec.topicName`: Kafka allows
 * upper case and `_`, Kubernetes names do not, so the resource name is a lower-cased, dashed version.
 * Throws (naming `where`) on invalid names, counts or retention, and on names that collide once converted.
 */
export function kafkaTopics(where: string, topics: Record<string, KafkaTopicSpec>, context: TopicContext): KubernetesObject[] {
  const resourceNames = new Map<string, string>();
  return Object.entries(topics).map(([topicName, spec]) => {
    const at = `${where}: topics['${topicName}']`;
    if (!TOPIC_NAME.test(topicName) || topicName === '.' || topicName === '..') {
      throw new Error(`${at}: not a valid Kafka topic name (letters, digits, '.', '_' and '-', at most 249)`);
    }
    if (topicName.startsWith('__') || topicName === '_schemas') {
      throw new Error(`${at}: names starting with '__' and '_schemas' belong to Kafka and the schema registry; choose another name`);
    }
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new Error(`${at}.partitions must be a positive integer (got ${spec.partitions})`);
    }
    if (!Number.isInteger(spec.retentionHours) || spec.retentionHours === 0 || spec.retentionHours < -1) {
      throw new Error(
        `${at}.retentionHours must be a positive number of hours, or -1 to keep records forever (got ${spec.retentionHours})`,
      );
    }
    const resourceName = topicResourceName(topicName);
    if (resourceName === '') throw new Error(`${at}: needs at least one letter or digit to name its KafkaTopic resource`);
    const clash = resourceNames.get(resourceName);
    if (clash) throw new Error(`${at}: '${topicName}' and '${clash}' both become KafkaTopic '${resourceName}'; rename one`);
    resourceNames.set(resourceName, topicName);
    return {
      apiVersion: STRIMZI_API_VERSION,
      kind: 'KafkaTopic',
      metadata: { name: resourceName, namespace: context.namespace, labels: { [CLUSTER_LABEL]: context.clusterName } },
      spec: {
        topicName,
        partitions: spec.partitions,
        replicas: context.replicationFactor,
        config: {
          'cleanup.policy': spec.cleanupPolicy,
          'retention.ms': spec.retentionHours === -1 ? -1 : spec.retentionHours * HOUR_MS,
        },
      },
    };
  });
}

/** A Kubernetes resource name for a topic: lower case, `_` to `-`, trimmed to start and end alphanumeric. */
export function topicResourceName(topicName: string): string {
  return topicName
    .toLowerCase()
    .replace(/_/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 253);
}
