import { stringify } from 'yaml';
import type { ChartImages } from '../../images/image-mirror';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { HelmRelease } from '../../helm/helm-release';
import { ManifestsRelease } from '../../helm/manifests-release';
import { mergeValues, withoutPaths, type HelmValues, valuesAt } from '../../helm/values';
import { irsaAnnotations, zoneSpread } from '../../kubernetes/objects';
import { podSecurityValues } from './pod-security';
import { airflowSecretNames, airflowSecrets, gitCredentials, type AirflowSecretNames } from './secrets';
import { sparkAccess, TASK_ACCESS, taskAccess } from './spark-access';
import type { Endpoint } from '../../kubernetes/endpoint';
import type { AirflowDags, AirflowProps, AirflowServiceAccounts } from './props';
import { APPLIED_BY_CONSTRUCT, checkMerged, checkTunables, integer, isSsh, validate, type AdminUser } from './validation';
import { DEFAULT_SECRET_STORE, resolveAvailability } from '../component';

/** The connection remote logging uses, defined in every container's environment. */
const AWS_CONNECTION_ID = 'aws_default';
const ADMIN_PASSWORD_ENV = 'AIRFLOW_ADMIN_PASSWORD';
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
  /** Roles of the tasks in the namespaces of {@link AirflowProps.taskAccess}; absent without any. */
  readonly taskAccess?: ManifestsRelease;

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
      }).concat(dags.credentialsSecretsManager ? [gitCredentials(this.gitCredentialsName, namespace, storeName, dags)] : []),
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

    const access = Object.entries(props.taskAccess ?? {});
    this.taskAccess =
      access.length > 0
        ? new ManifestsRelease(this, 'TaskAccess', {
            releaseName: `${releaseName}-task-access`,
            namespace,
            manifests: access.flatMap(([target, kind]) =>
              taskAccess(
                { name: `${releaseName}-tasks`, namespace: target, serviceAccount: { namespace, name: this.serviceAccountNames.worker } },
                TASK_ACCESS[kind],
              ),
            ),
            dependsOn: props.dependsOn,
          })
        : undefined;

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
  /** The Secret git-sync reads, made by External Secrets from {@link AirflowDags.credentialsSecretsManager}. */
  private get gitCredentialsName(): string {
    return `${this.releaseName}-git-credentials`;
  }

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
    const gitSecret = dags.credentialsSecretsManager ? this.gitCredentialsName : dags.credentialsSecret;

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

      // Connections from Secrets, by id, in every container (the chart takes envFrom as YAML text).
      ...((props.connectionSecrets ?? []).length > 0
        ? { extraEnvFrom: stringify((props.connectionSecrets ?? []).map((name) => ({ secretRef: { name } }))) }
        : {}),
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
        ...Object.entries(props.variables ?? {}).map(([key, value]) => ({ name: `AIRFLOW_VAR_${key.toUpperCase()}`, value })),
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
          ...(gitSecret ? (ssh ? { sshKeySecret: gitSecret } : { credentialsSecret: gitSecret }) : {}),
          ...(dags.knownHosts ? { knownHosts: dags.knownHosts } : {}),
        },
      },
    };
  }
}

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
