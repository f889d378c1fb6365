import type { ChartImages } from '../../images/image-mirror';

import { Construct } from 'constructs';
import { HelmRelease } from '../../helm/helm-release';
import { ManifestsRelease } from '../../helm/manifests-release';
import { type HelmValues, valuesAt } from '../../helm/values';
import { irsaAnnotations, type KubernetesObject } from '../../kubernetes/objects';
import { externalSecret } from '../external-secrets';
import type { Endpoint } from '../../kubernetes/endpoint';
import type { MlflowProps } from './props';
import { checkMerged, CONTAINER_PORT, METRICS_DIRECTORY, validate } from './validation';
import { DEFAULT_SECRET_STORE, resolveAvailability } from '../component';

/** Name the chart gives the server's container port (`service.containerPortName`). */
const CONTAINER_PORT_NAME = 'mlflow';

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
