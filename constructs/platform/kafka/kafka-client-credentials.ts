import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ManifestsRelease } from '../../helm/manifests-release';
import { roleFor, type KubernetesObject } from '../../kubernetes/objects';
import { externalSecret, type SecretSource } from '../external-secrets';
import type { KafkaCluster } from './kafka-cluster';
import type { SchemaRegistry } from './schema-registry';

/** Where one client's credentials go, and what else its Secret tells it. */
export interface KafkaClientTarget {
  readonly namespace: string;
  /** @default `kafka-<user>` */
  readonly secretName?: string;
  /** More keys of the Secret: the endpoints and names a client needs besides Kafka's (plain values, no secrets). @default none */
  readonly settings?: Readonly<Record<string, string>>;
  /** More secret keys of the Secret, each from its source (another store's, e.g. the client's own). @default none */
  readonly secrets?: Readonly<Record<string, SecretSource>>;
}

/** Props of {@link KafkaClientCredentials}. */
export interface KafkaClientCredentialsProps {
  readonly kafka: KafkaCluster;
  /** Where each Kafka user's credentials are copied, by user name: its namespace (`spark` → `spark-jobs`) or a target. */
  readonly clients: Readonly<Record<string, string | KafkaClientTarget>>;
  /** The External Secrets operator's release: its CRDs and controller. */
  readonly dependsOn: ITerraformDependable[];
  /** The registry whose URL and login of the same name (it must have one) join each client's Secret. */
  readonly schemaRegistry: Pick<SchemaRegistry, 'url' | 'loginSecretNames' | 'release'>;
  /** @default 'kafka-credentials' */
  readonly storeName?: string;
}

const READER = 'kafka-credentials-reader';

/**
 * Copies each client's Kafka credentials (SCRAM password and JAAS line), its schema-registry login and URL, and the cluster CA certificate
 * from the Kafka namespace, where Strimzi writes them, into the client's own namespace, as a Secret named
 * `kafka-<user>`. External Secrets reads them through a ClusterSecretStore of kind kubernetes whose
 * service account may read exactly those Secrets; rotations by Strimzi follow within the refresh interval.
 */
export class KafkaClientCredentials extends Construct {
  readonly release: ManifestsRelease;
  /** The Secret created in each client's namespace, by user name. */
  readonly secretNames: Record<string, string>;

  constructor(scope: Construct, id: string, props: KafkaClientCredentialsProps) {
    super(scope, id);
    const { kafka } = props;
    const targets: Record<string, KafkaClientTarget> = Object.fromEntries(
      Object.entries(props.clients).map(([user, target]) => [user, typeof target === 'string' ? { namespace: target } : target]),
    );
    const storeName = props.storeName ?? 'kafka-credentials';
    const users = Object.keys(props.clients);
    if (users.length === 0) throw new Error(`${this.node.path}: clients must name at least one Kafka user`);
    const userSecrets = users.map((user) => kafka.userSecretName(user));
    const registry = props.schemaRegistry;
    const missing = users.filter((user) => registry.loginSecretNames[user] === undefined);
    if (missing.length > 0) throw new Error(`${this.node.path}: the schema registry has no login for ${missing.join(', ')}`);
    const loginSecrets = users.map((user) => registry.loginSecretNames[user]);
    this.secretNames = Object.fromEntries(users.map((user) => [user, targets[user].secretName ?? `kafka-${user}`]));

    const reader: KubernetesObject[] = [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: READER, namespace: kafka.namespace } },
      ...roleFor(
        { name: READER, namespace: kafka.namespace },
        [
          {
            apiGroups: [''],
            resources: ['secrets'],
            resourceNames: [...userSecrets, ...loginSecrets, kafka.clusterCaSecretName],
            verbs: ['get'],
          },
        ],
        { name: READER, namespace: kafka.namespace },
      ),
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: { name: storeName },
        spec: {
          // Only the clients' namespaces copy their credentials through it.
          conditions: [{ namespaces: [...new Set(Object.values(targets).map((t) => t.namespace))].sort() }],
          provider: {
            kubernetes: {
              remoteNamespace: kafka.namespace,
              server: { caProvider: { type: 'ConfigMap', name: 'kube-root-ca.crt', key: 'ca.crt', namespace: kafka.namespace } },
              auth: { serviceAccount: { name: READER, namespace: kafka.namespace } },
            },
          },
        },
      },
    ];
    const copies = users.map((user, index) =>
      externalSecret({
        name: this.secretNames[user],
        namespace: targets[user].namespace,
        storeName,
        data: {
          password: { key: userSecrets[index], property: 'password' },
          jaas: { key: userSecrets[index], property: 'sasl.jaas.config' },
          ca: { key: kafka.clusterCaSecretName, property: 'ca.crt' },
          registryUserInfo: { key: loginSecrets[index], property: 'basic.auth.user.info' },
          ...Object.fromEntries(Object.values(targets[user].secrets ?? {}).map((source, i) => [`extra${i}`, source])),
        },
        template: {
          username: user,
          password: '{{ .password }}',
          'sasl.jaas.config': '{{ .jaas }}',
          'ca.crt': '{{ .ca }}',
          'bootstrap.servers': kafka.bootstrapServers,
          // Confluent's serializers: `schema.registry.url` and `basic.auth.user.info` with `USER_INFO`.
          'schema.registry.url': registry.url,
          'basic.auth.user.info': '{{ .registryUserInfo }}',
          ...targets[user].settings,
          ...Object.fromEntries(Object.keys(targets[user].secrets ?? {}).map((key, i) => [key, `{{ .extra${i} }}`])),
        },
      }),
    );
    this.release = new ManifestsRelease(this, 'Release', {
      releaseName: 'kafka-client-credentials',
      namespace: kafka.namespace,
      manifests: [...reader, ...copies],
      dependsOn: [...props.dependsOn, kafka.release.helmRelease.release, registry.release.helmRelease.release],
    });
  }
}
