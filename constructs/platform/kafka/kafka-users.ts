import type { KubernetesObject } from '../../kubernetes/objects';
import { CLUSTER_LABEL, STRIMZI_API_VERSION } from './strimzi-api';

/** The schema registry's Kafka user and its store topic (Confluent's default name). */
export const SCHEMA_REGISTRY_USER = 'schema-registry';
export const SCHEMA_REGISTRY_TOPIC = '_schemas';

/** What one client application may do with the ingestion topics. */
export interface KafkaClientAccess {
  /** Topics the client consumes. @default every topic of the cluster */
  readonly read?: string[];
  /** Topics the client produces to. @default every topic of the cluster */
  readonly write?: string[];
  /**
   * A Secret in the cluster's namespace whose `password` key is the user's SCRAM password (one kept outside
   * the cluster, such as a producer's). @default a password the User Operator generates
   */
  readonly passwordSecret?: string;
}

/** What {@link kafkaUsers} needs to know about the cluster. */
export interface UserContext {
  readonly clusterName: string;
  readonly namespace: string;
  /** Names of the cluster's topics, which clients may be granted. */
  readonly topics: string[];
}

type Operation = 'Read' | 'Write' | 'Describe' | 'All';
interface AclRule {
  readonly type: 'allow';
  readonly resource: { readonly type: 'topic' | 'group'; readonly name: string; readonly patternType: 'literal' | 'prefix' };
  readonly operations: Operation[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * KafkaUsers with SCRAM-SHA-512 credentials (the User Operator writes Secret `<user>` with keys `password`
 * and `sasl.jaas.config`) and `simple` ACLs: the schema registry's user, then one user per client.
 * A client reads/writes the topics it is granted and owns the consumer groups prefixed with its name.
 */
export function kafkaUsers(where: string, clients: Record<string, KafkaClientAccess>, context: UserContext): KubernetesObject[] {
  const users: [string, AclRule[]][] = [[SCHEMA_REGISTRY_USER, schemaRegistryAcls()]];
  for (const [name, access] of Object.entries(clients)) {
    const at = `${where}: clients['${name}']`;
    if (!DNS_LABEL.test(name)) throw new Error(`${at}: client names are lower-case DNS labels (they name the KafkaUser and its Secret)`);
    if (name === SCHEMA_REGISTRY_USER)
      throw new Error(`${at}: '${SCHEMA_REGISTRY_USER}' is created for the schema registry; choose another name`);
    users.push([name, clientAcls(at, name, access, context.topics)]);
  }
  return users.map(([name, acls]) => {
    const passwordSecret = clients[name]?.passwordSecret;
    const password = passwordSecret ? { password: { valueFrom: { secretKeyRef: { name: passwordSecret, key: 'password' } } } } : {};
    return {
      apiVersion: STRIMZI_API_VERSION,
      kind: 'KafkaUser',
      metadata: { name, namespace: context.namespace, labels: { [CLUSTER_LABEL]: context.clusterName } },
      spec: { authentication: { type: 'scram-sha-512', ...password }, authorization: { type: 'simple', acls } },
    };
  });
}

/**
 * The schema registry owns its store topic (creates it compacted, reads, writes, checks its config) and
 * its groups: `schema-registry` for leader election and `schema-registry-<host>-<port>` for the store reader.
 * No cluster-level right: topic creation and broker discovery need none with topic-level Create.
 */
function schemaRegistryAcls(): AclRule[] {
  return [
    { type: 'allow', resource: { type: 'topic', name: SCHEMA_REGISTRY_TOPIC, patternType: 'literal' }, operations: ['All'] },
    { type: 'allow', resource: { type: 'group', name: SCHEMA_REGISTRY_USER, patternType: 'prefix' }, operations: ['Read', 'Describe'] },
  ];
}

function clientAcls(at: string, name: string, access: KafkaClientAccess, topics: string[]): AclRule[] {
  const read = new Set(access.read ?? topics);
  const write = new Set(access.write ?? topics);
  for (const [field, granted] of [
    ['read', read],
    ['write', write],
  ] as const) {
    const unknown = [...granted].filter((topic) => !topics.includes(topic));
    if (unknown.length > 0) {
      throw new Error(
        `${at}.${field}: ${unknown.join(', ')} not among the cluster's topics (${topics.join(', ') || 'none'}); add them to topics first`,
      );
    }
  }
  const topicRules: AclRule[] = topics
    .filter((topic) => read.has(topic) || write.has(topic))
    .map((topic) => ({
      type: 'allow',
      resource: { type: 'topic', name: topic, patternType: 'literal' },
      operations: [...(read.has(topic) ? (['Read'] as const) : []), ...(write.has(topic) ? (['Write'] as const) : []), 'Describe'],
    }));
  // Read on a group lets the client join it and commit offsets; the prefix covers every group it names `<name>…`.
  return [...topicRules, { type: 'allow', resource: { type: 'group', name, patternType: 'prefix' }, operations: ['Read', 'Describe'] }];
}
