import type { ChartImages } from '../../images/image-mirror';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { HelmRelease } from '../../helm/helm-release';
import { ManifestsRelease } from '../../helm/manifests-release';
import { mergeValues, requireResources, valueAt, withoutPaths, type HelmValues, valuesAt } from '../../helm/values';
import { irsaAnnotations, zoneSpread } from '../../kubernetes/objects';
import { podSecurityValues } from './pod-security';
import { airflowSecretNames, airflowSecrets, type AirflowSecretNames } from './secrets';
import { sparkAccess } from './spark-access';
import type { Endpoint } from '../../kubernetes/endpoint';
import { checkBucket, checkKeyPrefix, checkRegion, checkRoleArn, checkSecretNames } from '../validation';
import {
  type AvailabilityProps,
  type AwsWorkloadProps,
  type ChartComponentProps,
  DEFAULT_SECRET_STORE,
  resolveAvailability,
  type SecretStoreProps,
} from '../component';

/** Where the DAGs come from (git-sync). */
export interface AirflowDags {
  /** `https://…`, `ssh://…` or `git@…` clone URL. */
  readonly repository: string;
  /** Branch (or tag) git-sync follows. @default 'main' */
  readonly branch?: string;
  /** Folder of the repository holding the DAGs, relative, `''` for the root. @default 'dags' */
  readonly subPath?: string;
  /**
   * Kubernetes Secret in the Airflow namespace with the git credentials. For https repositories it holds
   * `GIT_SYNC_USERNAME`, `GIT_SYNC_PASSWORD`, `GITSYNC_USERNAME` and `GITSYNC_PASSWORD` (the chart reads the
   * names of git-sync v3 and v4); for ssh repositories, the private key as `gitSshKey`.
   * @default none: a public repository
   */
  readonly credentialsSecret?: string;
  /** known_hosts lines of an ssh repository's host. @default none: git-sync does not verify the host key */
  readonly knownHosts?: string;
}

/** The service accounts of the components that use AWS (S3 logs); the IRSA role must trust all of them. */
export interface AirflowServiceAccounts {
  /** KubernetesExecutor task pods. */
  readonly worker: string;
  readonly scheduler: string;
  /** Reads task logs back from S3 for the UI. */
  readonly apiServer: string;
  readonly triggerer: string;
  readonly dagProcessor: string;
}

/** Props of {@link Airflow}. */
export interface AirflowProps extends ChartComponentProps, AwsWorkloadProps, AvailabilityProps, SecretStoreProps {
  /** Also the prefix of every object and service account name. @default 'airflow' */
  readonly releaseName?: string;

  /** RDS PostgreSQL address (a token is fine). */
  readonly databaseHost: string;
  /** @default 5432 */
  readonly databasePort?: number;
  /** @default 'airflow' */
  readonly databaseName?: string;
  /** Secrets Manager secret (name or ARN) with `username` and `password` of the Airflow login. */
  readonly databaseSecretName: string;
  /**
   * Secrets Manager secret (name or ARN) with `fernet_key`, `api_secret_key`, `jwt_secret`,
   * `webserver_secret_key` and `admin_password` (the FAB admin user's).
   */
  readonly keysSecretName: string;

  /** Bucket of the task logs (a token is fine). */
  readonly logsBucket: string;
  /** Key prefix of the logs, without slashes at the ends; the IRSA role must allow exactly it. @default 'airflow' */
  readonly logsPrefix?: string;

  readonly dags: AirflowDags;
  /** Namespace whose SparkApplications Airflow tasks may manage. @default 'spark-jobs' */
  readonly sparkNamespace?: string;
}

/** The connection remote logging uses, defined in every container's environment. */
const AWS_CONNECTION_ID = 'aws_default';
const ADMIN_PASSWORD_ENV = 'AIRFLOW_ADMIN_PASSWORD';
/** Environment variables the construct owns; the values files may not set them. */
const OWNED_ENV = ['AIRFLOW_CONN_AWS_DEFAULT', 'AIRFLOW_CONN_KUBERNETES_DEFAULT'];
/**
 * Values the construct applies itself rather than through the chart, which would ignore them: the pool sizes
 * go into its pgbouncer.ini (the chart renders none once given that file), the first admin into its own
 * `users create` script (the chart reads `defaultUser` only in the default arguments this replaces).
 */
const APPLIED_BY_CONSTRUCT = ['pgbouncer.metadataPoolSize', 'pgbouncer.maxClientConn', 'createUserJob.defaultUser'];

/**
 * Apache Airflow 3 (official chart 1.20.0): KubernetesExecutor, metadata in RDS PostgreSQL through PgBouncer
 * (TLS to RDS), task logs in S3 through IRSA, DAGs from git-sync, a FAB admin user whose password comes from
 * Secrets Manager. The chart only sees Secret names, from ExternalSecrets installed first. The database
 * migration and admin-user Jobs run as ordinary resources (no Helm hooks), awaited by Terraform. Task pods may
 * manage SparkApplications in the Spark namespace. API server ClusterIP only.
 */
export class Airflow extends Construct {
  static readonly CHART = { repository: 'https://airflow.apache.org', chart: 'airflow', version: '1.20.0' };
  /** The chart's image keys, pointed at an {@link ImageMirror}. */
  static readonly IMAGES: ChartImages = (mirror) =>
    valuesAt({
      defaultAirflowRepository: mirror.repository('apache/airflow'),
      'images.pgbouncer.repository': mirror.repository('apache/airflow'),
      'images.pgbouncerExporter.repository': mirror.repository('apache/airflow'),
      'images.statsd.repository': mirror.repository('quay.io/prometheus/statsd-exporter'),
      'images.gitSync.repository': mirror.repository('registry.k8s.io/git-sync/git-sync'),
    });
  readonly namespace: string;
  readonly releaseName: string;
  /** Service accounts to trust in the IRSA role, by component. */
  readonly serviceAccountNames: AirflowServiceAccounts;
  /** The Kubernetes Secrets the ExternalSecrets create, in {@link namespace}. */
  readonly secretNames: AirflowSecretNames;
  /** In-cluster URL of the API server (UI, REST API and the tasks' execution API). */
  readonly apiServerUrl: string;
  /** The API server's Service (UI, REST API, execution API). */
  readonly apiServer: Endpoint;
  /** `s3://<bucket>/<prefix>`. */
  readonly remoteLogFolder: string;
  readonly logsPrefix: string;
  readonly release: HelmRelease;
  /** The ExternalSecrets, installed before the chart. */
  readonly prerequisites: ManifestsRelease;
  /** Role and RoleBinding in the Spark namespace. */
  readonly sparkAccess: ManifestsRelease;

  constructor(scope: Construct, id: string, props: AirflowProps) {
    super(scope, id);
    const where = this.node.path;
    const releaseName = props.releaseName ?? 'airflow';
    // Replicas of the API server, scheduler, triggerer, DAG processor and PgBouncer; every pod, task pods too, on `placement`.
    const { replicas } = resolveAvailability(where, props);
    const databasePort = props.databasePort ?? 5432;
    const databaseName = props.databaseName ?? 'airflow';
    const logsPrefix = props.logsPrefix ?? 'airflow';
    const storeName = props.storeName ?? DEFAULT_SECRET_STORE;
    const sparkNamespace = props.sparkNamespace ?? 'spark-jobs';
    const dags = { branch: 'main', subPath: 'dags', ...props.dags };
    validate(where, props, { releaseName, replicas, databasePort, databaseName, logsPrefix, storeName, sparkNamespace, dags });

    // Tunables the construct renders outside the chart (into pgbouncer.ini) come from the same values.
    const tunables = mergeValues(props.values.file, props.values.environment, props.overrides);
    const pgbouncerPort = integer(where, tunables, 'ports.pgbouncer', 6543);
    const apiServerPort = integer(where, tunables, 'ports.apiServer', 8080);
    const admin = checkTunables(where, tunables);

    const { namespace } = props;
    this.namespace = namespace;
    this.releaseName = releaseName;
    this.logsPrefix = logsPrefix;
    this.remoteLogFolder = `s3://${props.logsBucket}/${logsPrefix}`;
    this.secretNames = airflowSecretNames(releaseName);
    this.serviceAccountNames = {
      worker: `${releaseName}-worker`,
      scheduler: `${releaseName}-scheduler`,
      apiServer: `${releaseName}-api-server`,
      triggerer: `${releaseName}-triggerer`,
      dagProcessor: `${releaseName}-dag-processor`,
    };
    // The chart names its objects after the release (`useStandardNaming` is off, so `fullnameOverride` would be ignored).
    this.apiServerUrl = `http://${releaseName}-api-server.${namespace}.svc:${apiServerPort}`;
    this.apiServer = { namespace, service: `${releaseName}-api-server`, port: apiServerPort };

    this.prerequisites = new ManifestsRelease(this, 'Prerequisites', {
      releaseName: `${releaseName}-prerequisites`,
      namespace,
      manifests: airflowSecrets({
        namespace,
        storeName,
        names: this.secretNames,
        databaseSecretName: props.databaseSecretName,
        keysSecretName: props.keysSecretName,
        databaseHost: props.databaseHost,
        databasePort: Token.isUnresolved(databasePort) ? Token.asString(databasePort) : String(databasePort),
        databaseName,
        pgbouncerHost: `${releaseName}-pgbouncer.${namespace}`,
        pgbouncerPort,
        pgbouncerDatabase: `${releaseName}-metadata`,
        metadataPoolSize: integer(where, tunables, 'pgbouncer.metadataPoolSize', 10),
        maxClientConn: integer(where, tunables, 'pgbouncer.maxClientConn', 100),
      }),
      dependsOn: props.dependsOn,
    });

    this.sparkAccess = new ManifestsRelease(this, 'SparkAccess', {
      releaseName: `${releaseName}-spark-access`,
      namespace,
      manifests: sparkAccess({
        name: `${releaseName}-spark-submitter`,
        sparkNamespace,
        serviceAccount: { namespace, name: this.serviceAccountNames.worker },
      }),
      dependsOn: props.dependsOn,
    });

    const computed = mergeValues(
      this.chartValues({ props, replicas, dags, admin, env: (tunables.env as HelmValues[] | undefined) ?? [] }),
      podSecurityValues(),
    );
    this.release = new HelmRelease(this, 'Release', {
      releaseName,
      namespace,
      chart: Airflow.CHART,
      images: Airflow.IMAGES,
      values: {
        file: withoutPaths(props.values.file, APPLIED_BY_CONSTRUCT),
        environment: withoutPaths(props.values.environment, APPLIED_BY_CONSTRUCT),
        computed,
        overrides: withoutPaths(props.overrides, APPLIED_BY_CONSTRUCT),
      },
      // First installs migrate an empty database; Terraform waits for the migration and admin-user Jobs.
      timeoutSeconds: 900,
      waitForJobs: true,
      dependsOn: [this.prerequisites.helmRelease.release],
    });
    checkMerged(where, this.release.values);
  }

  /** Everything the construct decides: executor, databases, secrets, logs, identities, DAGs, placement, scale. */
  private chartValues(input: {
    props: AirflowProps;
    replicas: number;
    dags: Required<Pick<AirflowDags, 'branch' | 'subPath'>> & AirflowDags;
    admin: AdminUser;
    env: HelmValues[];
  }): HelmValues {
    const { props, replicas, dags } = input;
    const { releaseName, secretNames: secrets, serviceAccountNames: accounts } = this;
    const highlyAvailable = replicas >= 2;
    const scaled = (component: string) => ({
      replicas,
      podDisruptionBudget: { enabled: highlyAvailable, config: { maxUnavailable: 1 } },
      topologySpreadConstraints: highlyAvailable ? zoneSpread({ tier: 'airflow', component, release: releaseName }) : [],
    });
    const irsa = irsaAnnotations(props.roleArn);
    // Only components that call the Kubernetes API get its token; the IRSA webhook projects its own for AWS.
    const serviceAccount = (name: string, aws: boolean, kubernetesApi: boolean) => ({
      serviceAccount: { create: true, name, automountServiceAccountToken: kubernetesApi, annotations: aws ? irsa : {} },
    });
    const ssh = isSsh(dags.repository);

    return {
      executor: 'KubernetesExecutor',
      // RDS instead of the bundled PostgreSQL; no Celery, so no Redis and no Flower.
      postgresql: { enabled: false },
      redis: { enabled: false },
      flower: { enabled: false },
      data: { metadataSecretName: secrets.metadata },
      pgbouncer: {
        enabled: true,
        // The construct renders pgbouncer.ini (TLS required to the database); the chart renders none.
        configSecretName: secrets.pgbouncerConfig,
        metricsExporterSidecar: { statsSecretName: secrets.pgbouncerStats, statsSecretKey: 'connection' },
        ...scaled('pgbouncer'),
        ...serviceAccount(`${releaseName}-pgbouncer`, false, false),
      },
      fernetKeySecretName: secrets.keys,
      apiSecretKeySecretName: secrets.keys,
      jwtSecretName: secrets.keys,

      // One pool for every pod; the pod template file of the KubernetesExecutor falls back to these too.
      nodeSelector: props.placement.nodeSelector,
      tolerations: props.placement.tolerations,

      env: [
        ...input.env,
        // Defined in the environment, the connections resolve in every process without a metadata or
        // execution-API lookup (a missing `aws_default` fails differently in Airflow 3 task processes).
        // No credentials: boto3's default chain finds the IRSA web identity token.
        { name: 'AIRFLOW_CONN_AWS_DEFAULT', value: JSON.stringify({ conn_type: 'aws', extra: { region_name: props.region } }) },
        // SparkKubernetesOperator and KubernetesPodOperator: the task pod's own service account.
        { name: 'AIRFLOW_CONN_KUBERNETES_DEFAULT', value: JSON.stringify({ conn_type: 'kubernetes', extra: { in_cluster: true } }) },
      ],
      config: {
        // Task pods reach the API server for everything (Airflow 3 tasks have no database access).
        core: { execution_api_server_url: `${this.apiServerUrl}/execution/` },
        logging: {
          remote_logging: 'True',
          remote_base_log_folder: this.remoteLogFolder,
          remote_log_conn_id: AWS_CONNECTION_ID,
          // Logs live in S3; the pods' emptyDirs only hold them until the upload.
          delete_local_logs: 'True',
        },
      },

      scheduler: { ...scaled('scheduler'), ...serviceAccount(accounts.scheduler, true, true) },
      apiServer: {
        enabled: true,
        ...scaled('api-server'),
        service: { type: 'ClusterIP' },
        // Pod logs of running tasks come from the Kubernetes API.
        ...serviceAccount(accounts.apiServer, true, true),
      },
      // Deferrable Kubernetes operators poll pods from the triggerer.
      triggerer: { enabled: true, ...scaled('triggerer'), ...serviceAccount(accounts.triggerer, true, true) },
      dagProcessor: { enabled: true, ...scaled('dag-processor'), ...serviceAccount(accounts.dagProcessor, true, false) },
      // Task pods: KubernetesPodOperator needs the Kubernetes API.
      workers: { ...serviceAccount(accounts.worker, true, true) },
      statsd: { enabled: true, ...serviceAccount(`${releaseName}-statsd`, false, false) },

      // Terraform installs: no Helm hooks, so the Jobs are ordinary resources of the release.
      migrateDatabaseJob: {
        enabled: true,
        useHelmHooks: false,
        applyCustomEnv: true,
        ...serviceAccount(`${releaseName}-migrate-database-job`, false, false),
      },
      createUserJob: {
        enabled: true,
        useHelmHooks: false,
        applyCustomEnv: true,
        // The FAB auth manager (the chart's default) needs a first admin; its password never enters values.
        args: ['bash', '-c', createAdminScript(input.admin)],
        env: [{ name: ADMIN_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: secrets.admin, key: 'admin-password' } } }],
        ...serviceAccount(`${releaseName}-create-user-job`, false, false),
      },

      dags: {
        gitSync: {
          enabled: true,
          repo: dags.repository,
          // `branch` for git-sync v3, `ref` for v4 (the chart's image).
          branch: dags.branch,
          ref: dags.branch,
          subPath: dags.subPath,
          ...(dags.credentialsSecret
            ? ssh
              ? { sshKeySecret: dags.credentialsSecret }
              : { credentialsSecret: dags.credentialsSecret }
            : {}),
          ...(dags.knownHosts ? { knownHosts: dags.knownHosts } : {}),
        },
      },
    };
  }
}

/** The chart's default first user; `createUserJob.defaultUser` in the values files changes it. */
const DEFAULT_ADMIN = { role: 'Admin', username: 'admin', email: 'admin@example.com', firstName: 'admin', lastName: 'user' };
type AdminUser = typeof DEFAULT_ADMIN;

/**
 * Without Helm hooks the admin Job starts beside the migration Job, so it waits for the schema first.
 * `users create` leaves an existing user alone. The fields are checked to need no escaping.
 */
function createAdminScript(user: AdminUser): string {
  return [
    'airflow db check-migrations --migration-wait-timeout=600',
    `exec airflow users create --role '${user.role}' --username '${user.username}' --email '${user.email}'` +
      ` --firstname '${user.firstName}' --lastname '${user.lastName}' --password "$${ADMIN_PASSWORD_ENV}"`,
  ].join(' && ');
}

function isSsh(repository: string): boolean {
  return /^(ssh:\/\/|git@)/.test(repository);
}

/** A whole number from the values, or its chart default. */
function integer(where: string, values: HelmValues, path: string, fallback: number): number {
  const value = valueAt(values, path) ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new Error(`${where}: ${path} must be a positive whole number (got ${String(value)})`);
  return value;
}

/** Props with their defaults applied. */
interface Resolved {
  readonly releaseName: string;
  readonly replicas: number;
  readonly databasePort: number;
  readonly databaseName: string;
  readonly logsPrefix: string;
  readonly storeName: string;
  readonly sparkNamespace: string;
  readonly dags: Required<Pick<AirflowDags, 'branch' | 'subPath'>> & AirflowDags;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function validate(where: string, props: AirflowProps, r: Resolved): void {
  const fail = (message: string) => {
    throw new Error(`${where}: ${message}`);
  };
  const known = (value: string) => !Token.isUnresolved(value);
  // The longest derived release name, `<release>-prerequisites`, must stay within Helm's 53 characters.
  if (!/^[a-z0-9]([-a-z0-9]{0,37}[a-z0-9])?$/.test(r.releaseName))
    fail(`releaseName '${r.releaseName}' must be a lower-case DNS label of at most 39 characters`);
  for (const [prop, value] of [
    ['namespace', props.namespace],
    ['sparkNamespace', r.sparkNamespace],
    ['storeName', r.storeName],
  ] as const) {
    if (known(value) && !DNS_LABEL.test(value)) fail(`${prop} '${value}' must be a lower-case DNS label`);
  }
  if (!Token.isUnresolved(r.databasePort) && (!Number.isInteger(r.databasePort) || r.databasePort < 1 || r.databasePort > 65535))
    fail(`databasePort must be from 1 to 65535 (got ${r.databasePort})`);
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(r.databaseName)) fail(`databaseName '${r.databaseName}' must be a lower-case SQL identifier`);
  if (known(props.databaseHost) && !/^[A-Za-z0-9.-]+$/.test(props.databaseHost))
    fail(`databaseHost '${props.databaseHost}' must be a host name`);
  checkSecretNames(where, { databaseSecretName: props.databaseSecretName, keysSecretName: props.keysSecretName });
  checkBucket(where, 'logsBucket', props.logsBucket);
  checkKeyPrefix(where, 'logsPrefix', r.logsPrefix, 'airflow');
  checkRegion(where, props.region);
  checkRoleArn(where, props.roleArn);

  const { dags } = r;
  if (!/^(https:\/\/|ssh:\/\/|git@)\S+$/.test(dags.repository))
    fail(`dags.repository '${dags.repository}' must be an https://, ssh:// or git@ clone URL`);
  if (!/^[\w./-]+$/.test(dags.branch) || dags.branch.startsWith('-')) fail(`dags.branch '${dags.branch}' must be a git branch or tag name`);
  if (dags.subPath !== '' && (!/^[\w.-]+(\/[\w.-]+)*$/.test(dags.subPath) || dags.subPath.split('/').includes('..')))
    fail(`dags.subPath '${dags.subPath}' must be a relative folder of the repository, such as 'dags', or '' for its root`);
  if (dags.credentialsSecret !== undefined && !DNS_LABEL.test(dags.credentialsSecret))
    fail(`dags.credentialsSecret '${dags.credentialsSecret}' must name a Kubernetes Secret (a lower-case DNS label)`);
  if (dags.knownHosts !== undefined && !isSsh(dags.repository))
    fail(`dags.knownHosts is for ssh repositories; '${dags.repository}' is https, whose host is verified by its certificate`);
}

/** Values files and overrides must not reach into what the construct renders; returns the admin user. */
function checkTunables(where: string, values: HelmValues): AdminUser {
  const env = (values.env as { name?: string }[] | undefined) ?? [];
  for (const owned of OWNED_ENV) {
    if (env.some((e) => e.name === owned)) throw new Error(`${where}: env must not set ${owned}; the construct defines it`);
  }
  const given = ((values.createUserJob as HelmValues | undefined)?.defaultUser ?? {}) as Record<string, unknown>;
  if (typeof given.password === 'string' && given.password !== '')
    throw new Error(`${where}: createUserJob.defaultUser.password must stay empty; the admin password comes from Secrets Manager`);
  const user = { ...DEFAULT_ADMIN };
  for (const field of Object.keys(DEFAULT_ADMIN) as (keyof AdminUser)[]) {
    const value = given[field] ?? DEFAULT_ADMIN[field];
    if (typeof value !== 'string' || !/^[\w.@+-]+$/.test(value))
      throw new Error(`${where}: createUserJob.defaultUser.${field} '${String(value)}' may hold letters, digits and . @ + - _ only`);
    user[field] = value;
  }
  return user;
}

/** Components whose containers must have requests and limits in the merged values. */
const RESOURCED = [
  'scheduler',
  'scheduler.logGroomerSidecar',
  'apiServer',
  'triggerer',
  'triggerer.logGroomerSidecar',
  'dagProcessor',
  'dagProcessor.logGroomerSidecar',
  'workers.kubernetes',
  'pgbouncer',
  'pgbouncer.metricsExporterSidecar',
  'statsd',
  'dags.gitSync',
  'migrateDatabaseJob',
  'createUserJob',
];

/** What the values files and overrides must not undo. */
function checkMerged(where: string, values: HelmValues): void {
  const at = (path: string) => valueAt(values, path);
  const env = ((at('env') as { name?: string }[] | undefined) ?? []).map((e) => e.name);
  for (const owned of OWNED_ENV) {
    if (!env.includes(owned)) throw new Error(`${where}: env must keep ${owned}; list the construct's variables too when overriding env`);
  }
  if (at('executor') !== 'KubernetesExecutor')
    throw new Error(`${where}: executor must stay KubernetesExecutor (got ${String(at('executor'))})`);
  if (at('apiServer.service.type') !== 'ClusterIP')
    throw new Error(
      `${where}: apiServer.service.type must stay ClusterIP (got ${String(at('apiServer.service.type'))}); there is no ingress yet`,
    );
  for (const path of ['ingress.enabled', 'ingress.apiServer.enabled', 'ingress.web.enabled']) {
    if (at(path)) throw new Error(`${where}: ${path} must stay false; there is no ingress yet`);
  }
  requireResources(where, values, RESOURCED, { source: 'values/airflow.yaml', cpuLimit: true });
}
