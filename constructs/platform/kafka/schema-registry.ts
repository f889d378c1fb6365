import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { ManifestsRelease } from '../../helm/manifests-release';
import { contentDigest, zoneSpread, type KubernetesObject, type Resources } from '../../kubernetes/objects';
import { externalSecret, type SecretSource } from '../external-secrets';
import type { KafkaCluster } from './kafka-cluster';
import type { SchemaCompatibility } from './schema-files';
import { SCHEMA_REGISTRY_TOPIC, SCHEMA_REGISTRY_USER } from './kafka-users';
import type { Endpoint } from '../../kubernetes/endpoint';
import { resolveAvailability, type AvailabilityProps, type ComponentProps } from '../component';
import { checkPlacement } from '../validation';

/**
 * Confluent Schema Registry 8.3 (Community License), the line built on Apache Kafka 4.3 like the brokers
 * (4.3.1); pinned to the newest patch release of that line.
 */
export const SCHEMA_REGISTRY_IMAGE = 'confluentinc/cp-schema-registry:8.3.2';

export const SCHEMA_REGISTRY_PORT = 8081;

/** Who may use the registry's API: HTTP basic logins from Secrets Manager. */
export interface SchemaRegistryLogins {
  /**
   * Each login's password, by login name: `admin` and one per client application (lower-case DNS labels),
   * each a Secrets Manager secret and the property holding the password.
   */
  readonly passwords: Readonly<Record<string, SecretSource>>;
  /** The ClusterSecretStore that reads them; it must serve the registry's namespace. */
  readonly storeName: string;
  /** The External Secrets operator: its CRDs and controller. */
  readonly dependsOn: ITerraformDependable[];
}

/** Props of {@link SchemaRegistry}: it runs in the Kafka cluster's namespace. */
export interface SchemaRegistryProps extends Pick<ComponentProps, 'placement'>, AvailabilityProps {
  /** The cluster that stores the schemas; the registry runs in its namespace, beside the Secrets it mounts. */
  readonly kafka: KafkaCluster;
  /** The logins the API requires: there is no anonymous access. */
  readonly logins: SchemaRegistryLogins;
  /** Default compatibility of every subject. @default 'BACKWARD' (consumers on the new schema read old data) */
  readonly compatibility?: SchemaCompatibility;
  /** @default 250m / 1 GiB requested, 1 CPU / 1 GiB limit (half of it heap) */
  readonly resources?: Resources;
}

const NAME = 'schema-registry';
const DEFAULT_RESOURCES: Resources = { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };
/** `appuser` of Confluent's images; numeric so the kubelet can enforce runAsNonRoot. */
const APP_UID = 1000;
const CA_DIR = '/mnt/kafka-cluster-ca';
const AUTH_DIR = '/etc/schema-registry-auth';
/** JAAS login context of the registry's basic authentication. */
const REALM = 'SchemaRegistry';
/**
 * The one path answered without a login, for the kubelet's probes: the cluster id, served once the registry
 * has read its store. Any other path requires a login.
 */
const PROBE_PATH = '/v1/metadata/id';

/** Where the Prometheus JMX exporter (a Java agent) serves the registry's metrics: Jetty, Jersey, JVM. */
export const SCHEMA_REGISTRY_METRICS_PORT = 9404;
const JMX_EXPORTER_DIR = '/etc/jmx-exporter';
/**
 * Confluent's base images ship the Prometheus JMX exporter beside their jars (`cp-base-new`, now a link to
 * `cp-base-java`), its version in the file name: the start finds it, adds it to the JVM's options and runs the
 * image's own entrypoint. Without it the registry starts the same, with no metrics, and says so.
 */
const START_WITH_METRICS = [
  'agent=$(ls /usr/share/java/cp-base-new/jmx_prometheus_javaagent-*.jar /usr/share/java/cp-base-java/jmx_prometheus_javaagent-*.jar 2>/dev/null | head -n 1)',
  `if [ -n "$agent" ]; then export SCHEMA_REGISTRY_OPTS="$SCHEMA_REGISTRY_OPTS -javaagent:$agent=${SCHEMA_REGISTRY_METRICS_PORT}:${JMX_EXPORTER_DIR}/config.yaml"`,
  'else echo "no Prometheus JMX exporter in the image: the registry serves no metrics" >&2; fi',
  'exec /etc/confluent/docker/run',
].join('\n');

/**
 * Confluent Schema Registry as a Deployment, a ClusterIP Service and (with 2 or more replicas) a
 * PodDisruptionBudget, installed through the project's manifests chart. It stores schemas in the
 * `_schemas` topic, talks to Kafka over TLS with SCRAM-SHA-512 as the `schema-registry` KafkaUser and
 * trusts the cluster CA from Strimzi's `<cluster>-cluster-ca-cert` Secret. Replicas elect a leader
 * through Kafka; followers forward writes to it by pod IP. Its API requires HTTP basic authentication with
 * the logins of {@link SchemaRegistryProps.logins}; the password file is rendered from Secrets Manager by
 * External Secrets, so a login's password never appears in values or state.
 */
export class SchemaRegistry extends Construct {
  /** `http://schema-registry.<namespace>.svc:8081` */
  readonly url: string;
  /** The Secret of each login in the registry's namespace (`username`, `password`, `basic.auth.user.info`), by login. */
  readonly loginSecretNames: Record<string, string>;
  readonly namespace: string;
  readonly serviceName: string;
  /** The registry's Service. */
  readonly endpoint: Endpoint;
  /** Labels of the registry's pods, which a PodMonitor selects (metrics on port `metrics`). */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly release: ManifestsRelease;

  constructor(scope: Construct, id: string, props: SchemaRegistryProps) {
    super(scope, id);
    const where = this.node.path;
    const { replicas } = resolveAvailability(where, props);
    checkPlacement(where, props.placement);
    const kafka = props.kafka;
    const names = Object.keys(props.logins.passwords);
    if (!names.includes('admin')) throw new Error(`${where}: logins.passwords must include 'admin' (the registry's administrator)`);
    const badName = names.find((name) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name));
    if (badName !== undefined) throw new Error(`${where}: login '${badName}' is not a lower-case DNS label`);
    this.namespace = kafka.namespace;
    this.loginSecretNames = Object.fromEntries(names.map((name) => [name, `${NAME}-login-${name}`]));
    this.serviceName = NAME;
    this.replicas = replicas;
    this.url = `http://${NAME}.${this.namespace}.svc:${SCHEMA_REGISTRY_PORT}`;
    this.endpoint = { namespace: this.namespace, service: NAME, port: SCHEMA_REGISTRY_PORT };

    const labels = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/instance': NAME, 'app.kubernetes.io/part-of': 'mlops-platform' };
    const selector = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/instance': NAME };
    this.podLabels = selector;
    const highlyAvailable = replicas >= 2;
    const metadata = { name: NAME, namespace: this.namespace, labels };

    const manifests: KubernetesObject[] = [
      ...this.loginSecrets(props.logins),
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${NAME}-jmx-exporter`, namespace: this.namespace, labels },
        // Every MBean under its default name, lower-cased: the registry's own (kafka.schema.registry) and the JVM's.
        data: { 'config.yaml': 'lowercaseOutputName: true\nlowercaseOutputLabelNames: true\n' },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata,
        spec: {
          replicas,
          revisionHistoryLimit: 5,
          selector: { matchLabels: selector },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            // The registry reads its password file at start: a login added or removed rolls the pods.
            metadata: { labels, annotations: { 'mlops-platform/logins': contentDigest(names).slice(0, 16) } },
            spec: this.podSpec(props, selector, highlyAvailable),
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata,
        spec: {
          type: 'ClusterIP',
          selector,
          ports: [{ name: 'http', port: SCHEMA_REGISTRY_PORT, targetPort: 'http', protocol: 'TCP' }],
        },
      },
      ...(highlyAvailable
        ? [
            {
              apiVersion: 'policy/v1',
              kind: 'PodDisruptionBudget',
              metadata,
              // A crash-looping pod must not block node drains.
              spec: { maxUnavailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
            },
          ]
        : []),
    ];
    this.release = new ManifestsRelease(this, 'Resources', {
      releaseName: NAME,
      namespace: this.namespace,
      manifests,
      dependsOn: [kafka.release.helmRelease.release, ...props.logins.dependsOn],
      // The first install waits for the brokers and the user's Secret: the pods start once both exist.
      timeoutSeconds: 900,
    });
  }

  /**
   * The password file and JAAS configuration the registry mounts (`<namespace>/schema-registry-auth`), and one
   * Secret per login for its users. Roles are declared because Jetty admits no one under the default `*`;
   * the community registry grants every role the whole API (per-login rights need Confluent's commercial plugin).
   */
  private loginSecrets(logins: SchemaRegistryLogins): KubernetesObject[] {
    const names = Object.keys(logins.passwords);
    const data = { ...logins.passwords };
    const role = (name: string) => (name === 'admin' ? 'admin' : 'client');
    const users = names.map((name) => `${name}: {{ index . "${name}" }},${role(name)}`).join('\n');
    return [
      externalSecret({
        name: `${NAME}-auth`,
        namespace: this.namespace,
        storeName: logins.storeName,
        data,
        template: {
          'users.properties': `${users}\n`,
          'jaas.conf': `${REALM} {\n  org.eclipse.jetty.security.jaas.spi.PropertyFileLoginModule required file="${AUTH_DIR}/users.properties";\n};\n`,
        },
      }),
      ...names.map((name) =>
        externalSecret({
          name: this.loginSecretNames[name],
          namespace: this.namespace,
          storeName: logins.storeName,
          data: { password: logins.passwords[name] },
          template: {
            username: name,
            password: '{{ .password }}',
            // What Confluent's serializers take (`basic.auth.credentials.source=USER_INFO`).
            'basic.auth.user.info': `${name}:{{ .password }}`,
          },
        }),
      ),
    ];
  }

  private podSpec(props: SchemaRegistryProps, selector: Record<string, string>, highlyAvailable: boolean): Record<string, unknown> {
    const kafka = props.kafka;
    const userSecret = kafka.userSecretName(SCHEMA_REGISTRY_USER);
    const probe = (periodSeconds: number, failureThreshold: number) => ({
      httpGet: { path: PROBE_PATH, port: 'http' },
      periodSeconds,
      timeoutSeconds: 5,
      failureThreshold,
    });
    const env = (name: string, value: string) => ({ name, value });
    const fromSecret = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
    return {
      // A Service named schema-registry would inject SCHEMA_REGISTRY_PORT, which the image's startup script rejects.
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: APP_UID,
        runAsGroup: APP_UID,
        fsGroup: APP_UID,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      nodeSelector: props.placement.nodeSelector,
      tolerations: props.placement.tolerations,
      ...(highlyAvailable
        ? {
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' } },
                ],
              },
            },
            topologySpreadConstraints: zoneSpread(selector),
          }
        : {}),
      containers: [
        {
          name: NAME,
          image: SCHEMA_REGISTRY_IMAGE,
          command: ['/bin/sh', '-c', START_WITH_METRICS],
          ports: [
            { name: 'http', containerPort: SCHEMA_REGISTRY_PORT, protocol: 'TCP' },
            { name: 'metrics', containerPort: SCHEMA_REGISTRY_METRICS_PORT, protocol: 'TCP' },
          ],
          // The image turns every SCHEMA_REGISTRY_<KEY> into the property <key> ('_' → '.').
          env: [
            // Followers forward writes to the leader at this address.
            { name: 'SCHEMA_REGISTRY_HOST_NAME', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            env('SCHEMA_REGISTRY_LISTENERS', `http://0.0.0.0:${SCHEMA_REGISTRY_PORT}`),
            // The registry keeps only the endpoints whose protocol matches the security protocol.
            env('SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS', `SASL_SSL://${kafka.bootstrapServers}`),
            env('SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL', 'SASL_SSL'),
            env('SCHEMA_REGISTRY_KAFKASTORE_SASL_MECHANISM', 'SCRAM-SHA-512'),
            fromSecret('SCHEMA_REGISTRY_KAFKASTORE_SASL_JAAS_CONFIG', userSecret, 'sasl.jaas.config'),
            env('SCHEMA_REGISTRY_KAFKASTORE_SSL_TRUSTSTORE_TYPE', 'PKCS12'),
            env('SCHEMA_REGISTRY_KAFKASTORE_SSL_TRUSTSTORE_LOCATION', `${CA_DIR}/ca.p12`),
            fromSecret('SCHEMA_REGISTRY_KAFKASTORE_SSL_TRUSTSTORE_PASSWORD', kafka.clusterCaSecretName, 'ca.password'),
            env('SCHEMA_REGISTRY_KAFKASTORE_TOPIC', SCHEMA_REGISTRY_TOPIC),
            env('SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR', String(kafka.replicationFactor)),
            // The leader-election group; the `schema-registry` user may use groups with this prefix.
            env('SCHEMA_REGISTRY_SCHEMA_REGISTRY_GROUP_ID', SCHEMA_REGISTRY_USER),
            env('SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL', (props.compatibility ?? 'BACKWARD').toLowerCase()),
            // Heap follows the memory limit instead of the scripts' fixed 512 MiB.
            env('SCHEMA_REGISTRY_HEAP_OPTS', '-XX:MaxRAMPercentage=50.0'),
            // Every API call needs a login from the password file; only the probes' path is open.
            env('SCHEMA_REGISTRY_AUTHENTICATION_METHOD', 'BASIC'),
            env('SCHEMA_REGISTRY_AUTHENTICATION_REALM', REALM),
            env('SCHEMA_REGISTRY_AUTHENTICATION_ROLES', 'admin,client'),
            env('SCHEMA_REGISTRY_AUTHENTICATION_SKIP_PATHS', PROBE_PATH),
            env('SCHEMA_REGISTRY_OPTS', `-Djava.security.auth.login.config=${AUTH_DIR}/jaas.conf`),
          ],
          resources: props.resources ?? DEFAULT_RESOURCES,
          securityContext: {
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          startupProbe: probe(10, 30),
          readinessProbe: probe(10, 3),
          livenessProbe: probe(20, 6),
          volumeMounts: [
            // The startup script renders its properties and logging config here; in memory, as they hold credentials.
            { name: 'config', mountPath: '/etc/schema-registry' },
            { name: 'tmp', mountPath: '/tmp' },
            { name: 'cluster-ca', mountPath: CA_DIR, readOnly: true },
            { name: 'auth', mountPath: AUTH_DIR, readOnly: true },
            { name: 'jmx-exporter', mountPath: JMX_EXPORTER_DIR, readOnly: true },
          ],
        },
      ],
      volumes: [
        { name: 'config', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
        {
          name: 'cluster-ca',
          secret: { secretName: kafka.clusterCaSecretName, items: [{ key: 'ca.p12', path: 'ca.p12' }], defaultMode: 0o440 },
        },
        { name: 'auth', secret: { secretName: `${NAME}-auth`, defaultMode: 0o440 } },
        { name: 'jmx-exporter', configMap: { name: `${NAME}-jmx-exporter` } },
      ],
    };
  }
}
