import type { PodSecurityLevel } from '../constructs/kubernetes/platform-namespace';
import type { GeneratedSecretProps } from '../constructs/secrets/generated-secret';

// The platform's catalogue: what runs where, under which identity, with which generated secrets. The identity
// stack, the platform stack and the app's wiring are derived from these tables; adding a workload, a namespace
// or a secret is one entry here.

/** A workload with an AWS identity: the service accounts of its namespace that may assume its IRSA role. */
export interface WorkloadEntry {
  readonly namespace: string;
  readonly serviceAccounts: readonly string[];
}

/**
 * The workloads with an IRSA role, named `mlops-<env>-<kebab-case name>`. The platform stack installs each
 * in its namespace under these service accounts.
 */
export const WORKLOADS = {
  externalSecrets: { namespace: 'external-secrets', serviceAccounts: ['external-secrets'] },
  airflow: {
    namespace: 'airflow',
    serviceAccounts: ['airflow-worker', 'airflow-scheduler', 'airflow-api-server', 'airflow-triggerer', 'airflow-dag-processor'],
  },
  mlflow: { namespace: 'mlflow', serviceAccounts: ['mlflow'] },
  sparkJobs: { namespace: 'spark-jobs', serviceAccounts: ['spark'] },
  sparkHistory: { namespace: 'spark-jobs', serviceAccounts: ['spark-history'] },
  featureStore: { namespace: 'feature-store', serviceAccounts: ['feast'] },
  modelServing: { namespace: 'model-serving', serviceAccounts: ['model-serving'] },
  loadBalancerController: { namespace: 'aws-load-balancer-controller', serviceAccounts: ['aws-load-balancer-controller'] },
  clusterAutoscaler: { namespace: 'cluster-autoscaler', serviceAccounts: ['cluster-autoscaler'] },
  containerLogs: { namespace: 'logging', serviceAccounts: ['aws-for-fluent-bit'] },
} as const satisfies Record<string, WorkloadEntry>;

export type WorkloadName = keyof typeof WORKLOADS;

/** The platform's namespaces, with the Pod Security level each enforces. */
export const NAMESPACES: Readonly<Record<string, PodSecurityLevel>> = {
  [WORKLOADS.externalSecrets.namespace]: 'restricted',
  'platform-system': 'restricted',
  kafka: 'restricted',
  [WORKLOADS.airflow.namespace]: 'restricted',
  [WORKLOADS.mlflow.namespace]: 'restricted',
  'spark-operator': 'restricted',
  [WORKLOADS.featureStore.namespace]: 'restricted',
  monitoring: 'restricted',
  'cert-manager': 'restricted',
  kserve: 'restricted',
  [WORKLOADS.modelServing.namespace]: 'restricted',
  [WORKLOADS.loadBalancerController.namespace]: 'restricted',
  [WORKLOADS.clusterAutoscaler.namespace]: 'restricted',
  // node-exporter reads the host: host network, PID namespace and paths.
  'node-exporter': 'privileged',
  // Fluent Bit reads every container's log files on its node (hostPath).
  [WORKLOADS.containerLogs.namespace]: 'privileged',
  [WORKLOADS.sparkJobs.namespace]: 'restricted',
};

/**
 * The applications that use Kafka and the schema registry, by the workload whose namespace they run in:
 * each gets a Kafka user and a schema-registry login of its name.
 */
export const KAFKA_CLIENTS = { spark: 'sparkJobs', airflow: 'airflow' } as const satisfies Record<string, WorkloadName>;

/** A team's workload: the service account of its name in its own namespace, `team-<name>`. */
export function teamWorkload(team: string): WorkloadEntry {
  return { namespace: `team-${team}`, serviceAccounts: [team] };
}

/** The team's own dataset prefix, which it reads and writes. */
export function teamDatasetPrefix(team: string): string {
  return `teams/${team}`;
}

/** Where a pipeline keeps its data, under its team's prefix: `raw/`, `validated/`, `quarantine/`, `reports/`, `features/`, `checkpoints/`. */
export function pipelineDatasetPrefix(team: string, pipeline: string): string {
  return `${teamDatasetPrefix(team)}/pipelines/${pipeline}`;
}

/** The Secret in a team's namespace with everything its clients need: logins, CA, endpoints, bucket and prefix. */
export const TEAM_CONNECTION_SECRET = 'platform-connection';

/** The Secret in the airflow namespace with a team's connections (`AIRFLOW_CONN_<TEAM>_KAFKA`, …). */
export function teamAirflowConnections(team: string): string {
  return `airflow-connections-${team}`;
}

/** The property of a team's secret holding its schema-registry password. */
export const TEAM_REGISTRY_PASSWORD = 'schema_registry_password';
/** The property of a team's secret holding its MLflow password. */
export const TEAM_MLFLOW_PASSWORD = 'mlflow_password';
/** The SecretStore in a team's namespace: Secrets Manager as the team's own identity sees it (its own secret only). */
export const TEAM_SECRET_STORE = 'team-secrets';

/** The schema registry's logins: its administrator, then one per Kafka client. */
export const SCHEMA_REGISTRY_LOGINS = ['admin', ...Object.keys(KAFKA_CLIENTS)];

/** A secret generated into Secrets Manager at apply time (never into state): `mlops-<env>/<path>`. */
export interface SecretEntry extends Pick<GeneratedSecretProps, 'generated' | 'fixed'> {
  readonly path: string;
  readonly description: string;
}

/** The platform's generated secrets; External Secrets may read each of them. */
export const SECRETS = {
  /** `username`, `password` of the airflow login. */
  airflowDatabase: {
    path: 'airflow/database',
    description: 'Login of Airflow on the metadata database',
    generated: { password: {} },
    fixed: { username: 'airflow' },
  },
  /** `fernet_key`, `api_secret_key`, `jwt_secret`, `webserver_secret_key`, `admin_password`. */
  airflowKeys: {
    path: 'airflow/keys',
    description: 'Airflow Fernet key, signing secrets and admin password',
    // A Fernet key is 32 bytes in URL-safe base64: 43 characters and one '='.
    generated: {
      fernet_key: { length: 43, suffix: '=' },
      api_secret_key: {},
      jwt_secret: { length: 64 },
      webserver_secret_key: {},
      admin_password: {},
    },
  },
  /** `username`, `password` of the mlflow login. */
  mlflowDatabase: {
    path: 'mlflow/database',
    description: 'Login of MLflow on the metadata database',
    generated: { password: {} },
    fixed: { username: 'mlflow' },
  },
  /** `admin_username`, `admin_password`, `flask_secret_key`. */
  mlflowAuth: {
    path: 'mlflow/auth',
    description: 'MLflow admin login and session signing key',
    generated: { admin_password: {}, flask_secret_key: { length: 64 } },
    fixed: { admin_username: 'admin' },
  },
  /** `username`, `password` of the Feast registry's login. */
  feastDatabase: {
    path: 'feast/database',
    description: 'Login of the Feast registry on the metadata database',
    generated: { password: {} },
    fixed: { username: 'feast' },
  },
  /** `admin_user`, `admin_password` of Grafana. */
  grafanaAdmin: {
    path: 'grafana/admin',
    description: 'Grafana admin login',
    generated: { admin_password: {} },
    fixed: { admin_user: 'admin' },
  },
  /** The password of each of {@link SCHEMA_REGISTRY_LOGINS}, keyed by login. */
  schemaRegistryLogins: {
    path: 'schema-registry/logins',
    description: 'Schema registry logins',
    generated: Object.fromEntries(SCHEMA_REGISTRY_LOGINS.map((login) => [login, {}])),
  },
} satisfies Record<string, SecretEntry>;

export type SecretName = keyof typeof SECRETS;

/** `record` with each value mapped, keys and their order kept. */
export function mapRecord<K extends string, V, R>(record: Readonly<Record<K, V>>, map: (value: V, key: K) => R): Record<K, R> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value as V, key as K)])) as Record<K, R>;
}

/** `sparkJobs` → `SparkJobs`: a catalogue name as a construct id. */
export function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** `sparkJobs` → `spark-jobs`: a catalogue name in resource names. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
