import { z } from 'zod';
import { logRetentionDays } from './log-retention';
import { pipelinesSchema } from './pipeline-schema';

/**
 * The in-cluster layer of one environment file (`platform:`): Kafka, the schema registry, Airflow,
 * MLflow and Spark. Chart versions are not configuration: they are pinned in code, reviewed like code.
 */

const dns1123 = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a lower-case DNS label');

const topicSchema = z.strictObject({
  partitions: z.int().min(1).max(1000).default(6),
  /** Hours a record is kept; -1 keeps records forever. */
  retentionHours: z.int().min(-1).default(168),
  cleanupPolicy: z.enum(['delete', 'compact']).default('delete'),
  /**
   * The topic's Avro value schema, its versions kept as `schemas/<topic>/1.avsc`, `2.avsc`, … beside the
   * environments folder; registered at deploy with this compatibility, which every new version must keep.
   * @default none: the topic has no registered schema
   */
  schema: z
    .strictObject({
      compatibility: z
        .enum(['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'])
        .default('BACKWARD'),
      subjectNameStrategy: z.enum(['TopicNameStrategy', 'RecordNameStrategy', 'TopicRecordNameStrategy']).default('TopicNameStrategy'),
    })
    .optional(),
});

/** A CIDR block such as 10.0.0.0/16. */
const cidrBlock = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'must be a CIDR block such as 10.0.0.0/16');

/** A producer outside the cluster: a Kafka user that may write its topics through the external listener. */
const producerSchema = z.strictObject({ topics: z.array(z.string()).min(1) });

const kafkaSchema = z.strictObject({
  /** Brokers; KRaft controllers run beside them (dedicated controllers at 3 or more brokers). */
  brokers: z.int().min(1).max(30).default(3),
  storageGiB: z.int().min(10).max(16384).default(100),
  /** Ingestion topics, by name. The replication factor follows the broker count (3 with 3 or more). */
  topics: z
    .record(
      z
        .string()
        .regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a valid Kafka topic name')
        .refine((name) => name !== '.' && name !== '..', "'.' and '..' are not topic names Kafka accepts"),
      topicSchema,
    )
    .default({}),
  /**
   * A listener for clients outside the cluster: an internal Network Load Balancer (TLS, SCRAM-SHA-512) that
   * only `allowedCidrs` reach. @default none: Kafka is reachable from inside the cluster only
   */
  external: z.strictObject({ allowedCidrs: z.array(cidrBlock).min(1) }).optional(),
  /** Producers outside the cluster, by name; their logins are generated into Secrets Manager. @default none */
  producers: z
    .record(z.string().regex(/^[a-z][a-z0-9-]{0,29}$/, 'must be a lower-case word of at most 30 characters'), producerSchema)
    .default({}),
});

const dagsSchema = z.strictObject({
  /**
   * Git repository the DAGs are synced from (git-sync).
   * @default this project's repository, `https://github.com/<delivery.githubRepository>.git`
   */
  repository: z
    .string()
    .regex(/^(https:\/\/|ssh:\/\/|git@)\S+$/, 'must be an https://, ssh:// or git@ repository URL')
    .optional(),
  branch: z.string().min(1).default('main'),
  /** Folder of the repository that holds the DAGs. */
  subPath: z.string().default('dags'),
  /**
   * Kubernetes Secret in the airflow namespace with the git credentials: for https the keys `GIT_SYNC_USERNAME`,
   * `GIT_SYNC_PASSWORD`, `GITSYNC_USERNAME` and `GITSYNC_PASSWORD` (git-sync v3 and v4 names); for ssh `gitSshKey`.
   * None for public repositories.
   */
  credentialsSecret: dns1123.optional(),
  /**
   * Secrets Manager secret (name or ARN) with the credentials of a private repository: `username` and
   * `password` (a token) for https, `ssh_key` for ssh. External Secrets may read it.
   */
  credentialsSecretsManager: z.string().min(1).optional(),
});

const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'must be a Kubernetes quantity such as 500m or 1Gi');

const servedModelSchema = z.strictObject({
  /** Model directory in the artifacts bucket, e.g. `mlflow/<experiment>/<run>/artifacts/model`. */
  artifactPath: z.string().regex(/^mlflow\/[\w!.*'()/-]+$/, 'must be a key under mlflow/ in the artifacts bucket'),
  modelFormat: z.enum(['mlflow', 'sklearn', 'xgboost', 'lightgbm', 'tensorflow', 'pytorch', 'onnx', 'huggingface']).default('mlflow'),
  runtime: dns1123.optional(),
  protocolVersion: z.enum(['v1', 'v2']).optional(),
  resources: z.strictObject({
    requests: z.strictObject({ cpu: quantity, memory: quantity }),
    limits: z.strictObject({ cpu: quantity.optional(), memory: quantity }),
  }),
  minReplicas: z.int().min(1).max(50).default(1),
  maxReplicas: z.int().min(1).max(50).default(1),
  /** The node pool (`cluster.nodePools.<name>`) its replicas run on. @default general */
  nodePool: z.string().optional(),
  /** NVIDIA GPUs per replica (`nvidia.com/gpu`), on a `nodePool` with `accelerator: nvidia`. @default none */
  gpus: z.int().min(1).max(8).optional(),
});

/** S3 key prefixes as the platform grants them: no leading or trailing slash. */
const keyPrefix = z
  .string()
  .regex(/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/, 'must be a key prefix without leading or trailing slashes');

/** A team using the platform: its namespace `team-<name>`, identity, Kafka and schema-registry logins. */
const teamSchema = z.strictObject({
  /** Topics of `platform.kafka.topics` the team consumes and produces to; its consumer groups are `<name>…`. */
  topics: z
    .strictObject({ read: z.array(z.string()).default([]), write: z.array(z.string()).default([]) })
    .default({ read: [], write: [] }),
  /** Dataset prefixes the team reads besides its own, `teams/<name>/`, which it reads and writes. */
  readPrefixes: z.array(keyPrefix).default(['shared']),
  /** What the team's namespace may request in all, and how many pods it may run. */
  quota: z.strictObject({ cpu: quantity, memory: quantity, pods: z.int().min(1).max(1000).default(50) }),
  /** Requests (and memory limit) of a container that sets none. */
  containerDefaults: z.strictObject({ cpu: quantity, memory: quantity }).default({ cpu: '250m', memory: '512Mi' }),
});

const resourceSchema = z.strictObject({
  cores: z.int().min(1).max(64),
  memory: z.string().regex(/^\d+[mg]$/, 'must be Spark memory such as 2g or 512m'),
});

const sparkApplicationSchema = z.strictObject({
  image: z.string().min(1),
  type: z.enum(['Scala', 'Java', 'Python']).default('Scala'),
  mainApplicationFile: z.string().min(1),
  mainClass: z.string().optional(),
  arguments: z.array(z.string()).default([]),
  driver: resourceSchema,
  executor: resourceSchema.extend({
    instances: z.int().min(1).max(1000),
    /** The node pool of the executors (`cluster.nodePools.<name>`); the driver stays on `compute`. @default compute */
    nodePool: z.string().optional(),
    /** NVIDIA GPUs per executor pod (`nvidia.com/gpu`), on a `nodePool` with `accelerator: nvidia`. @default none */
    gpus: z.int().min(1).max(8).optional(),
  }),
  /** More Spark properties (not the platform's own). */
  sparkConf: z.record(z.string().min(1), z.string()).optional(),
  /** Environment variables of the driver and executors (plain values). */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.string()).optional(),
  /** A Secret of the job namespace mounted at /etc/platform-connection, e.g. `kafka-spark` (Kafka, schema registry). */
  connectionSecret: dns1123.optional(),
});

export const platformSchema = z.strictObject({
  /** The teams using the platform, by name (a lower-case word of at most 20 characters). @default none */
  teams: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be a lower-case word of at most 20 characters'), teamSchema).default({}),
  kafka: kafkaSchema.default({ brokers: 3, storageGiB: 100, topics: {}, producers: {} }),
  schemaRegistry: z.strictObject({ replicas: z.int().min(1).max(10).default(2) }).default({ replicas: 2 }),
  airflow: z
    .strictObject({
      /** Where the DAGs come from. @default this project's `dags/` folder on `main` */
      dags: dagsSchema.default({ branch: 'main', subPath: 'dags' }),
      /** Replicas of the API server and scheduler. */
      replicas: z.int().min(1).max(10).default(2),
    })
    .default({ dags: { branch: 'main', subPath: 'dags' }, replicas: 2 }),
  mlflow: z.strictObject({ replicas: z.int().min(1).max(10).default(2) }).default({ replicas: 2 }),
  /** How users reach the UIs and model endpoints: an internal ALB unless internet-facing is asked for. */
  ingress: z
    .strictObject({
      internetFacing: z.boolean().default(false),
      /** ACM certificate for HTTPS; required when internet-facing. */
      certificateArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, 'must be an ACM certificate ARN')
        .optional(),
      /** OIDC login on the load balancer; required when internet-facing. */
      oidc: z
        .strictObject({
          issuer: z.url(),
          authorizationEndpoint: z.url(),
          tokenEndpoint: z.url(),
          userInfoEndpoint: z.url(),
          /** Secrets Manager secret with `client_id` and `client_secret` (stored by hand: the IdP issues them). */
          clientSecretName: z.string().min(1),
        })
        .optional(),
      /** Who may reach the load balancer. @default anyone who can route to it */
      allowedCidrs: z
        .array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR'))
        .min(1)
        .optional(),
      /** Host names of the UIs. @default `<ui>.<environment>.mlops.internal` */
      hosts: z.strictObject({ airflow: z.string().optional(), mlflow: z.string().optional(), grafana: z.string().optional() }).default({}),
    })
    .default({ internetFacing: false, hosts: {} }),
  /** Models served by KServe, by name (a DNS-1035 label of at most 53 characters). */
  serving: z
    .strictObject({
      /**
       * Trains an iris classifier once, registers it in MLflow as `iris-example` and stores it at
       * `mlflow/examples/iris/1` in the artifacts bucket, so a model entry can serve it from the first deploy.
       * Signs in as the MLflow admin: not in production.
       */
      publishExampleModel: z.boolean().default(false),
      models: z
        .record(
          z.string().regex(/^[a-z]([-a-z0-9]{0,51}[a-z0-9])?$/, 'must be a DNS-1035 label of at most 53 characters'),
          servedModelSchema,
        )
        .default({}),
    })
    .default({ publishExampleModel: false, models: {} }),
  /** Prometheus: how long metrics are kept and the size of its volume; how long container logs are kept. */
  observability: z
    .strictObject({
      retentionDays: z.int().min(1).max(365).default(15),
      storageGiB: z.int().min(10).max(16384).default(50),
      /** Days CloudWatch Logs keeps every container's log (Fluent Bit ships them to `/aws/eks/<cluster>/containers`). */
      containerLogRetentionDays: logRetentionDays.default(30),
      /**
       * Who hears about which alerts. Each receiver's credential is a Secrets Manager secret the operator keeps:
       * property `url` (Slack incoming webhook, any webhook) or `routing_key` (PagerDuty Events API v2).
       * @default none (production must declare receivers and a `critical` route)
       */
      alerting: z
        .strictObject({
          receivers: z.record(
            dns1123,
            z.union(
              [
                z.strictObject({ slack: z.strictObject({ secretName: z.string().min(1), channel: z.string().optional() }) }),
                z.strictObject({ pagerduty: z.strictObject({ secretName: z.string().min(1) }) }),
                z.strictObject({ webhook: z.strictObject({ secretName: z.string().min(1) }) }),
              ],
              {
                error:
                  'a receiver is one of { slack: { secretName, channel? } }, { pagerduty: { secretName } }, { webhook: { secretName } }',
              },
            ),
          ),
          /** Receivers by alert severity (`critical`, `warning`, `info`). */
          routes: z.partialRecord(z.enum(['critical', 'warning', 'info']), z.array(dns1123)).default({}),
          /** Where the always-firing Watchdog alert goes: a dead man's switch. */
          watchdog: z
            .strictObject({
              receiver: dns1123,
              repeatInterval: z
                .string()
                .regex(/^\d+[smh]$/)
                .default('5m'),
            })
            .optional(),
        })
        .optional(),
    })
    .default({ retentionDays: 15, storageGiB: 50, containerLogRetentionDays: 30 }),
  /** The feature store (Feast): registry in PostgreSQL, online store on the cache, offline store on S3. */
  featureStore: z
    .strictObject({
      project: z
        .string()
        .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lower-case Feast project name')
        .default('mlops'),
      replicas: z.int().min(1).max(10).default(2),
      /** Cron schedule (UTC) of `feast materialize-incremental`. */
      materializeSchedule: z
        .string()
        .regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron schedule')
        .default('0 * * * *'),
    })
    .default({ project: 'mlops', replicas: 2, materializeSchedule: '0 * * * *' }),
  spark: z
    .strictObject({
      /** SparkApplications to install, by name: a worked example that teams copy. */
      applications: z.record(dns1123, sparkApplicationSchema).default({}),
      /** Event-log retention of the history server. */
      historyRetentionDays: z.int().min(1).max(365).default(30),
    })
    .default({ applications: {}, historyRetentionDays: 30 }),
  /** Pipelines run by Airflow in their team's namespace, by name: `pipelines/` and `dags/` hold their code. @default none */
  pipelines: pipelinesSchema,
});

export type PlatformConfig = z.infer<typeof platformSchema>;

/** Cross-field rules of the platform section, for production and for everyone. */
export function checkPlatformRules(
  platform: PlatformConfig,
  production: boolean,
  fail: (path: (string | number)[], message: string) => void,
): void {
  checkTeams(platform, fail);
  checkAlertingConfig(platform, production, fail);
  const { dags } = platform.airflow;
  if (dags.credentialsSecret && dags.credentialsSecretsManager)
    fail(['platform', 'airflow', 'dags', 'credentialsSecretsManager'], 'excludes credentialsSecret: give the credentials one way');
  checkProducers(platform, fail);
  const { ingress } = platform;
  if (ingress.internetFacing && !ingress.certificateArn)
    fail(['platform', 'ingress', 'certificateArn'], 'an internet-facing load balancer needs a certificate (HTTPS only)');
  if (ingress.internetFacing && !ingress.oidc)
    fail(['platform', 'ingress', 'oidc'], 'an internet-facing load balancer needs OIDC login in front of the UIs');
  for (const [name, model] of Object.entries(platform.serving.models)) {
    const path = ['platform', 'serving', 'models', name];
    if (model.maxReplicas < model.minReplicas) fail([...path, 'maxReplicas'], `must be ≥ minReplicas (${model.minReplicas})`);
    if (production && model.minReplicas < 2)
      fail([...path, 'minReplicas'], `production serves every model from at least 2 replicas (got ${model.minReplicas})`);
  }
  if (!production) return;
  // Logins and tokens cross the network: production serves the UIs over HTTPS only, to the networks listed.
  if (!ingress.certificateArn)
    fail(['platform', 'ingress', 'certificateArn'], 'production serves the UIs over HTTPS: name an ACM certificate for their hosts');
  if (!ingress.allowedCidrs)
    fail(['platform', 'ingress', 'allowedCidrs'], 'production admits only the networks listed to the load balancer: list them');
  if (platform.serving.publishExampleModel)
    fail(
      ['platform', 'serving', 'publishExampleModel'],
      'production does not publish the example model: its Job signs in as the MLflow admin',
    );
  if (platform.observability.containerLogRetentionDays < 365)
    fail(
      ['platform', 'observability', 'containerLogRetentionDays'],
      `production keeps container logs at least 365 days, as every other log group (got ${platform.observability.containerLogRetentionDays})`,
    );
  if (platform.kafka.brokers < 3)
    fail(['platform', 'kafka', 'brokers'], `production runs at least 3 brokers for replication factor 3 (got ${platform.kafka.brokers})`);
  for (const [path, replicas] of [
    [['platform', 'schemaRegistry', 'replicas'], platform.schemaRegistry.replicas],
    [['platform', 'airflow', 'replicas'], platform.airflow.replicas],
    [['platform', 'mlflow', 'replicas'], platform.mlflow.replicas],
    [['platform', 'featureStore', 'replicas'], platform.featureStore.replicas],
  ] as const) {
    if (replicas < 2) fail([...path], `production runs at least 2 replicas (got ${replicas})`);
  }
}

/** The platform's own Kafka and schema-registry logins: a team may not take their names. */
const RESERVED_LOGINS = ['admin', 'schema-registry', 'spark', 'airflow'];

function checkTeams(platform: PlatformConfig, fail: (path: (string | number)[], message: string) => void): void {
  const topics = Object.keys(platform.kafka.topics);
  // Kafka refuses a topic whose name equals another's once '.' and '_' are treated alike (their metric names would).
  const seen = new Map<string, string>();
  for (const topic of topics) {
    const other = seen.get(topic.replaceAll('.', '_'));
    if (other)
      fail(['platform', 'kafka', 'topics', topic], `collides with '${other}': Kafka treats '.' and '_' alike and refuses the second`);
    else seen.set(topic.replaceAll('.', '_'), topic);
  }
  for (const [name, team] of Object.entries(platform.teams)) {
    const path = ['platform', 'teams', name];
    if (RESERVED_LOGINS.includes(name)) fail(path, `'${name}' is a login of the platform itself; choose another team name`);
    for (const direction of ['read', 'write'] as const) {
      team.topics[direction].forEach((topic, index) => {
        if (!topics.includes(topic))
          fail(
            [...path, 'topics', direction, index],
            `'${topic}' is not a topic of platform.kafka.topics (${topics.join(', ') || 'none'})`,
          );
      });
    }
  }
}

function checkProducers(platform: PlatformConfig, fail: (path: (string | number)[], message: string) => void): void {
  const { external, producers, topics } = platform.kafka;
  if (Object.keys(producers).length > 0 && !external) {
    fail(['platform', 'kafka', 'producers'], 'producers publish through the external listener: set platform.kafka.external.allowedCidrs');
  }
  external?.allowedCidrs.forEach((cidr, index) => {
    if (cidr.endsWith('/0')) fail(['platform', 'kafka', 'external', 'allowedCidrs', index], 'must not admit every address (/0)');
  });
  for (const [name, producer] of Object.entries(producers)) {
    const path = ['platform', 'kafka', 'producers', name];
    if (RESERVED_LOGINS.includes(name) || name in platform.teams)
      fail(path, `'${name}' is a login already (of the platform or a team); choose another name`);
    producer.topics.forEach((topic, index) => {
      if (!(topic in topics))
        fail(
          [...path, 'topics', index],
          `'${topic}' is not a topic of platform.kafka.topics (${Object.keys(topics).join(', ') || 'none'})`,
        );
    });
  }
}

function checkAlertingConfig(
  platform: PlatformConfig,
  production: boolean,
  fail: (path: (string | number)[], message: string) => void,
): void {
  const alerting = platform.observability.alerting;
  const path = ['platform', 'observability', 'alerting'];
  if (!alerting) {
    if (production) fail(path, 'production alerts someone: declare receivers and a critical route');
    return;
  }
  const names = Object.keys(alerting.receivers);
  for (const [severity, receivers] of Object.entries(alerting.routes)) {
    receivers.forEach((receiver, index) => {
      if (!names.includes(receiver))
        fail([...path, 'routes', severity, index], `'${receiver}' is not a receiver (${names.join(', ') || 'none'})`);
    });
  }
  if (alerting.watchdog && !names.includes(alerting.watchdog.receiver))
    fail([...path, 'watchdog', 'receiver'], `'${alerting.watchdog.receiver}' is not a receiver (${names.join(', ') || 'none'})`);
  if (production && !(alerting.routes.critical ?? []).length)
    fail([...path, 'routes', 'critical'], 'production routes critical alerts to someone');
}
