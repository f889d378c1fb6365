import type { ChartImages } from '../../images/image-mirror';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { HelmRelease } from '../../helm/helm-release';
import { ManifestsRelease } from '../../helm/manifests-release';
import { requireResources, type HelmValues, valuesAt } from '../../helm/values';
import { irsaAnnotations, type KubernetesObject } from '../../kubernetes/objects';
import { externalSecret } from '../external-secrets';
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

/** Props of {@link Mlflow}. */
export interface MlflowProps extends ChartComponentProps, AwsWorkloadProps, AvailabilityProps, SecretStoreProps {
  /** @default 'mlflow' */
  readonly releaseName?: string;

  /** RDS PostgreSQL address (a token is fine). */
  readonly databaseHost: string;
  /** A literal: the chart types it as an integer. @default 5432 */
  readonly databasePort?: number;
  /** Tracking and model-registry database. @default 'mlflow' */
  readonly databaseName?: string;
  /**
   * Database of the basic-auth users and permissions. Must differ from {@link databaseName}: both keep their
   * Alembic revision in a table named `alembic_version`. Same login as the tracking database.
   * @default 'mlflow_auth'
   */
  readonly authDatabaseName?: string;
  /** Secrets Manager secret (name or ARN) with `username` and `password` of the MLflow login. */
  readonly databaseSecretName: string;
  /** Secrets Manager secret (name or ARN) with `admin_username`, `admin_password` and `flask_secret_key`. */
  readonly authSecretName: string;

  /** Bucket of the artifacts (a token is fine). */
  readonly artifactsBucket: string;
  /** Key prefix in the bucket, without slashes at the ends; the IRSA role must allow exactly it. @default 'mlflow' */
  readonly artifactsPrefix?: string;
  /** Must be the service account the role trusts. @default 'mlflow' */
  readonly serviceAccountName?: string;

  /**
   * Host names clients use beyond the Service's own (the load balancer's host): MLflow 3 answers 403 to any
   * other Host header. @default none
   */
  readonly externalHosts?: string[];
  /**
   * What a user may do with experiments and models no one granted them: `NO_PERMISSIONS` keeps each team's
   * work to itself (production's setting). @default the values file's, `READ`
   */
  readonly defaultPermission?: 'READ' | 'EDIT' | 'MANAGE' | 'NO_PERMISSIONS';
}

const CONTAINER_PORT = 5000;
/** Name the chart gives the server's container port (`service.containerPortName`). */
const CONTAINER_PORT_NAME = 'mlflow';
/**
 * prometheus_client's multiprocess directory, one file per uvicorn worker. Under the chart's `/tmp`
 * emptyDir: the root filesystem is read-only, and the chart's own `serviceMonitor.enabled` would point
 * `--expose-prometheus` at `/mlflow/metrics` on it.
 */
const METRICS_DIRECTORY = '/tmp/prometheus-metrics';

/**
 * MLflow tracking server and model registry (chart `community-charts/mlflow` 1.11.5): metadata in RDS
 * PostgreSQL over TLS, artifacts in S3 served through the server with IRSA credentials, basic
 * authentication with its users in PostgreSQL. Credentials come from Secrets Manager through
 * ExternalSecrets; the chart only sees Secret names. ClusterIP only.
 */
export class Mlflow extends Construct {
  static readonly CHART = { repository: 'https://community-charts.github.io/helm-charts', chart: 'mlflow', version: '1.11.5' };
  /** The chart's image keys, pointed at an {@link ImageMirror}. */
  static readonly IMAGES: ChartImages = (mirror) =>
    valuesAt({
      'image.repository': mirror.repository('burakince/mlflow'),
      'initImages.dbchecker.repository': mirror.repository('busybox'),
      'initImages.mlflowDbMigration.repository': mirror.repository('burakince/mlflow'),
      'initImages.iniFileInitializer.repository': mirror.repository('busybox'),
    });
  /** In-cluster URL clients set as `MLFLOW_TRACKING_URI` (they authenticate with basic auth). */
  readonly trackingUri: string;
  readonly serviceName: string;
  readonly port: number;
  /** The tracking server's Service. */
  readonly endpoint: Endpoint;
  readonly namespace: string;
  readonly serviceAccountName: string;
  /** Key prefix of the artifacts in the bucket: `mlflow-artifacts:/<path>` is `s3://<bucket>/<prefix>/<path>`. */
  readonly artifactsPrefix: string;
  /** Labels of the server pods. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Container port serving `/metrics` (Prometheus format, unauthenticated like `/health`). */
  readonly metricsPortName = CONTAINER_PORT_NAME;
  /** Kubernetes Secret with `admin_username` and `admin_password`, in {@link namespace}. */
  readonly adminSecretName: string;
  readonly release: HelmRelease;
  /** The ExternalSecrets (and the disruption budget) the server needs, installed before it. */
  readonly prerequisites: ManifestsRelease;

  constructor(scope: Construct, id: string, props: MlflowProps) {
    super(scope, id);
    const where = this.node.path;
    const releaseName = props.releaseName ?? 'mlflow';
    const { replicas } = resolveAvailability(where, props);
    const databasePort = props.databasePort ?? 5432;
    const databaseName = props.databaseName ?? 'mlflow';
    const authDatabaseName = props.authDatabaseName ?? 'mlflow_auth';
    const artifactsPrefix = props.artifactsPrefix ?? 'mlflow';
    const storeName = props.storeName ?? DEFAULT_SECRET_STORE;
    this.serviceAccountName = props.serviceAccountName ?? 'mlflow';
    validate(where, props, {
      releaseName,
      replicas,
      databasePort,
      databaseName,
      authDatabaseName,
      artifactsPrefix,
      serviceAccountName: this.serviceAccountName,
    });

    const { namespace } = props;
    this.namespace = namespace;
    this.serviceName = releaseName;
    const databaseSecret = `${releaseName}-database`;
    this.adminSecretName = `${releaseName}-admin`;
    // Not `<release>-flask-server-secret-key`: that name belongs to the chart's own generated Secret.
    const flaskSecret = `${releaseName}-flask-key`;
    const selector = { 'app.kubernetes.io/name': 'mlflow', 'app.kubernetes.io/instance': releaseName };
    this.podLabels = selector;
    this.artifactsPrefix = artifactsPrefix;
    const highlyAvailable = replicas >= 2;

    const manifests: KubernetesObject[] = [
      externalSecret({
        name: databaseSecret,
        namespace,
        storeName,
        data: {
          username: { key: props.databaseSecretName, property: 'username' },
          password: { key: props.databaseSecretName, property: 'password' },
        },
      }),
      externalSecret({
        name: this.adminSecretName,
        namespace,
        storeName,
        data: {
          admin_username: { key: props.authSecretName, property: 'admin_username' },
          admin_password: { key: props.authSecretName, property: 'admin_password' },
        },
      }),
      // Loaded whole with envFrom, so it holds nothing but the variable MLflow reads.
      externalSecret({
        name: flaskSecret,
        namespace,
        storeName,
        data: { MLFLOW_FLASK_SERVER_SECRET_KEY: { key: props.authSecretName, property: 'flask_secret_key' } },
      }),
      // The chart's init containers (database check, auth config) have no resources and no key to set them:
      // the namespace's defaults give them requests and a memory limit.
      {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'container-defaults', namespace },
        spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '50m', memory: '64Mi' }, default: { memory: '128Mi' } }] },
      },
    ];
    if (highlyAvailable) {
      // The chart has no disruption budget of its own.
      manifests.push({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: releaseName, namespace },
        spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
      });
    }
    this.prerequisites = new ManifestsRelease(this, 'Prerequisites', {
      releaseName: `${releaseName}-prerequisites`,
      namespace,
      manifests,
      dependsOn: props.dependsOn,
    });

    const fqdn = `${this.serviceName}.${namespace}.svc`;
    const computed: HelmValues = {
      fullnameOverride: releaseName,
      replicaCount: replicas,
      serviceAccount: {
        create: true,
        name: this.serviceAccountName,
        // The IRSA webhook mounts its own token; MLflow never calls the Kubernetes API.
        automount: false,
        annotations: irsaAnnotations(props.roleArn),
      },
      // The chart's targetPort follows the container port name; one number everywhere keeps port-forwards obvious.
      service: {
        enabled: true,
        type: 'ClusterIP',
        port: CONTAINER_PORT,
        containerPort: CONTAINER_PORT,
        containerPortName: CONTAINER_PORT_NAME,
      },
      ingress: { enabled: false },
      // MLflow 3 rejects Host headers outside this list (DNS-rebinding guard): the Service's names, and
      // localhost for port-forwarding. Probes use /health, which is exempt.
      // The load balancer's hosts too: users come through it with its host name.
      serverAllowedHosts: [
        this.serviceName,
        `${this.serviceName}.${namespace}`,
        fqdn,
        `${fqdn}.cluster.local`,
        'localhost',
        ...(props.externalHosts ?? []),
      ].flatMap((host) => [host, `${host}:*`]),
      backendStore: {
        postgres: { enabled: true, host: props.databaseHost, port: databasePort, database: databaseName, user: '', password: '' },
        existingDatabaseSecret: { name: databaseSecret, usernameKey: 'username', passwordKey: 'password' },
      },
      // The allOf rules of the chart's schema: one database backend only.
      postgresql: { enabled: false },
      mysql: { enabled: false },
      artifactRoot: {
        s3: { enabled: true, bucket: props.artifactsBucket, path: artifactsPrefix, awsAccessKeyId: '', awsSecretAccessKey: '' },
      },
      auth: {
        enabled: true,
        ...(props.defaultPermission ? { defaultPermission: props.defaultPermission } : {}),
        adminUsername: '',
        adminPassword: '',
        existingAdminSecret: { name: this.adminSecretName, usernameKey: 'admin_username', passwordKey: 'admin_password' },
        // The ini-file-initializer init container writes user and password from this Secret into the auth
        // config's database URI; the same login owns both databases.
        postgres: {
          enabled: true,
          host: props.databaseHost,
          port: databasePort,
          database: authDatabaseName,
          user: '',
          password: '',
          existingSecret: { name: databaseSecret, usernameKey: 'username', passwordKey: 'password' },
        },
      },
      ldapAuth: { enabled: false },
      oidcAuth: { enabled: false },
      // `--expose-prometheus`: request counts and latencies at /metrics, which MLflow's auth leaves open.
      // Scraped by the platform's own PodMonitor, so the chart's ServiceMonitor stays off.
      extraArgs: { exposePrometheus: METRICS_DIRECTORY },
      serviceMonitor: { enabled: false },
      // The chart can only take the session-signing key as a literal (or generate one per render) into its
      // own Secret, which comes first in envFrom; a later envFrom source wins, so the key from this one does.
      flaskServerSecretKey: '',
      extraSecretNamesForEnvFrom: [flaskSecret],
      extraEnvVars: {
        // libpq (psycopg2) refuses an unencrypted connection to either database.
        PGSSLMODE: 'require',
        AWS_REGION: props.region,
        AWS_DEFAULT_REGION: props.region,
      },
      nodeSelector: props.placement.nodeSelector,
      tolerations: props.placement.tolerations,
      // The chart has no topologySpreadConstraints: soft anti-affinity spreads over zones, then nodes.
      affinity: highlyAvailable ? antiAffinity(selector) : {},
    };

    this.release = new HelmRelease(this, 'Release', {
      releaseName,
      namespace,
      chart: Mlflow.CHART,
      images: Mlflow.IMAGES,
      values: { ...props.values, computed, overrides: props.overrides },
      dependsOn: [this.prerequisites.helmRelease.release],
    });
    this.port = checkMerged(where, this.release.values);
    this.endpoint = { namespace: this.namespace, service: this.serviceName, port: this.port };
    this.trackingUri = `http://${fqdn}:${this.port}`;
  }
}

/** Prefers one pod per zone, then one per node; never blocks scheduling. */
function antiAffinity(labels: Record<string, string>): HelmValues {
  const term = (weight: number, topologyKey: string) => ({
    weight,
    podAffinityTerm: { topologyKey, labelSelector: { matchLabels: labels } },
  });
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [term(100, 'topology.kubernetes.io/zone'), term(50, 'kubernetes.io/hostname')],
    },
  };
}

/** Props with their defaults applied. */
type Resolved = Required<
  Pick<
    MlflowProps,
    'releaseName' | 'replicas' | 'databasePort' | 'databaseName' | 'authDatabaseName' | 'artifactsPrefix' | 'serviceAccountName'
  >
>;

function validate(where: string, props: MlflowProps, resolved: Resolved): void {
  const p = { ...props, ...resolved };
  const fail = (message: string) => {
    throw new Error(`${where}: ${message}`);
  };
  const known = (value: string) => !Token.isUnresolved(value);
  if (Token.isUnresolved(p.databasePort)) fail('databasePort must be a literal number: the chart renders it as an integer');
  if (!Number.isInteger(p.databasePort) || p.databasePort < 1 || p.databasePort > 65535)
    fail(`databasePort must be from 1 to 65535 (got ${p.databasePort})`);
  for (const [prop, value] of [
    ['databaseName', p.databaseName],
    ['authDatabaseName', p.authDatabaseName],
  ] as const) {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(value)) fail(`${prop} '${value}' must be a lower-case SQL identifier`);
  }
  if (p.databaseName === p.authDatabaseName) {
    fail(`authDatabaseName must differ from databaseName (both '${p.databaseName}'): each keeps its schema revision in alembic_version`);
  }
  if (known(p.databaseHost) && !/^[A-Za-z0-9.-]+$/.test(p.databaseHost)) fail(`databaseHost '${p.databaseHost}' must be a host name`);
  for (const [prop, value] of [
    ['releaseName', p.releaseName],
    ['serviceAccountName', p.serviceAccountName],
    ['namespace', p.namespace],
  ] as const) {
    if (known(value) && !/^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/.test(value)) fail(`${prop} '${value}' must be a lower-case DNS label`);
  }
  checkSecretNames(where, { databaseSecretName: p.databaseSecretName, authSecretName: p.authSecretName });
  checkBucket(where, 'artifactsBucket', p.artifactsBucket);
  checkKeyPrefix(where, 'artifactsPrefix', p.artifactsPrefix, 'mlflow');
  checkRoleArn(where, p.roleArn);
  checkRegion(where, p.region);
}

/** What the values files and overrides must not undo; returns the Service port. */
function checkMerged(where: string, values: HelmValues): number {
  const service = values.service as { type?: string; port?: number } | undefined;
  if (service?.type !== 'ClusterIP')
    throw new Error(`${where}: service.type must stay ClusterIP (got ${service?.type}); there is no ingress yet`);
  if ((values.ingress as { enabled?: boolean } | undefined)?.enabled)
    throw new Error(`${where}: ingress.enabled must stay false; there is no ingress yet`);
  requireResources(where, values, [''], { source: 'values/mlflow.yaml' });
  if ((values.extraArgs as { exposePrometheus?: string } | undefined)?.exposePrometheus !== METRICS_DIRECTORY)
    throw new Error(`${where}: extraArgs.exposePrometheus must stay '${METRICS_DIRECTORY}': Prometheus scrapes /metrics`);
  return service.port ?? CONTAINER_PORT;
}
