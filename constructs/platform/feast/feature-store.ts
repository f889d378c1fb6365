import { Construct } from 'constructs';
import { ManifestsRelease } from '../../helm/manifests-release';
import { contentDigest, irsaServiceAccount, readOnlyContainerSecurity, zoneSpread, type KubernetesObject } from '../../kubernetes/objects';
import { externalSecret } from '../external-secrets';
import { CONFIG_ENV, renderFeatureStoreConfig } from './feature-store-config';
import type { Endpoint } from '../../kubernetes/endpoint';
import type { FeatureStoreProps } from './props';
import { validate } from './validation';
import { DEFAULT_SECRET_STORE, resolveAvailability } from '../component';

const PORT = 6566;
/** Where the servers and jobs mount feature_store.yaml. */
export const FEAST_CONFIG_DIR = '/etc/feast';
const CONFIG_DIR = FEAST_CONFIG_DIR;

/**
 * Feast feature store: the Python feature server (online reads from ElastiCache) and an hourly CronJob that
 * materializes new offline rows (files in S3) into it, both on one feature_store.yaml whose registry lives in
 * PostgreSQL. Credentials reach Feast as environment variables from ExternalSecrets, substituted into the
 * config at load time; nothing secret is in values or state.
 *
 * Not the upstream `feast-feature-server` chart: its 0.47.0 templates take the config only as a literal env
 * value and have no extra env, volumes or service account annotations, so secrets could not reach it.
 */
export class FeatureStore extends Construct {
  static readonly IMAGE = 'quay.io/feastdev/feature-server:0.47.0';
  /** In-cluster URL of the HTTP feature server (`POST /get-online-features`). */
  readonly url: string;
  readonly serviceName: string;
  readonly port = PORT;
  /** The feature server's Service. */
  readonly endpoint: Endpoint;
  readonly namespace: string;
  readonly project: string;
  readonly serviceAccountName: string;
  /** ConfigMap with `feature_store.yaml` (secrets as `$FEAST_*` variables), for other in-cluster Feast clients. */
  readonly configMapName: string;
  /** Kubernetes Secret with the `FEAST_*` variables feature_store.yaml needs, for `envFrom`. */
  readonly credentialsSecretName: string;
  /** `s3://<datasets bucket>/<prefix>/`: where feature repositories keep their FileSource parquet. */
  readonly offlineDataUri: string;
  /** feature_store.yaml as mounted. */
  readonly featureStoreYaml: string;
  /** ExternalSecrets, ConfigMap and service account, installed first. */
  readonly prerequisites: ManifestsRelease;
  /** Server Deployment, Service, disruption budget and the materialization CronJob. */
  readonly release: ManifestsRelease;

  constructor(scope: Construct, id: string, props: FeatureStoreProps) {
    super(scope, id);
    const where = this.node.path;
    const { replicas } = resolveAvailability(where, props);
    const r = {
      project: props.project ?? 'mlops',
      databasePort: props.databasePort ?? 5432,
      databaseName: props.databaseName ?? 'feast_registry',
      cachePort: props.cachePort ?? 6379,
      storeName: props.storeName ?? DEFAULT_SECRET_STORE,
      datasetsPrefix: props.datasetsPrefix ?? 'feast',
      serviceAccountName: props.serviceAccountName ?? 'feast',
      image: props.image ?? FeatureStore.IMAGE,
      replicas,
      schedule: props.materializeSchedule ?? '0 * * * *',
      resources: props.resources ?? { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
      materializeResources: props.materializeResources ?? { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '4Gi' } },
    };
    validate(where, props, r);

    const { namespace } = props;
    this.namespace = namespace;
    this.project = r.project;
    this.serviceAccountName = r.serviceAccountName;
    this.serviceName = 'feast';
    this.configMapName = 'feast-config';
    this.credentialsSecretName = 'feast-credentials';
    this.offlineDataUri = `s3://${props.datasetsBucket}/${r.datasetsPrefix}/`;
    this.url = `http://${this.serviceName}.${namespace}.svc:${PORT}`;
    this.endpoint = { namespace, service: this.serviceName, port: PORT };
    this.featureStoreYaml = renderFeatureStoreConfig({
      project: r.project,
      databaseHost: props.databaseHost,
      databasePort: r.databasePort,
      databaseName: r.databaseName,
      cacheHost: props.cacheHost,
      cachePort: r.cachePort,
    });

    this.prerequisites = new ManifestsRelease(this, 'Prerequisites', {
      releaseName: 'feast-prerequisites',
      namespace,
      dependsOn: props.dependsOn,
      manifests: [
        externalSecret({
          name: this.credentialsSecretName,
          namespace,
          storeName: r.storeName,
          // Loaded whole with envFrom: it holds nothing but the variables feature_store.yaml names.
          data: {
            [CONFIG_ENV.registryUser]: { key: props.databaseSecretName, property: 'username' },
            [CONFIG_ENV.registryPassword]: { key: props.databaseSecretName, property: 'password' },
            [CONFIG_ENV.redisPassword]: { key: props.cacheAuthSecretName, property: 'auth_token' },
          },
        }),
        // Feast never calls the Kubernetes API.
        irsaServiceAccount(r.serviceAccountName, namespace, props.roleArn),
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: this.configMapName, namespace },
          // The data root sits beside the config for feature repositories and jobs to read; Feast itself has no key for it.
          data: { 'feature_store.yaml': this.featureStoreYaml, offline_data_uri: this.offlineDataUri },
        },
      ],
    });

    const labels = { 'app.kubernetes.io/name': 'feast', 'app.kubernetes.io/component': 'feature-server' };
    const highlyAvailable = r.replicas >= 2;
    // Only what is known at synthesis: token text changes with unrelated code and would restart pods for nothing.
    const configDigest = contentDigest([r.project, r.databaseName, r.databasePort, r.cachePort]);
    const pod = (container: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      serviceAccountName: r.serviceAccountName,
      nodeSelector: props.placement.nodeSelector,
      tolerations: props.placement.tolerations,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        fsGroup: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      volumes: [
        { name: 'config', configMap: { name: this.configMapName } },
        // The root filesystem is read-only; Python, dask and boto write only here.
        { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
      ],
      containers: [
        {
          image: r.image,
          imagePullPolicy: 'IfNotPresent',
          envFrom: [{ secretRef: { name: this.credentialsSecretName } }],
          env: [
            { name: 'AWS_REGION', value: props.region },
            { name: 'AWS_DEFAULT_REGION', value: props.region },
            { name: 'HOME', value: '/tmp' },
            // No usage telemetry leaves the cluster.
            { name: 'FEAST_USAGE', value: 'False' },
          ],
          volumeMounts: [
            { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
            { name: 'tmp', mountPath: '/tmp' },
          ],
          securityContext: readOnlyContainerSecurity(),
          ...container,
        },
      ],
      ...extra,
    });

    const manifests: KubernetesObject[] = [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: this.serviceName, namespace, labels },
        spec: {
          replicas: r.replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels, annotations: { 'mlops-platform/config-digest': configDigest.slice(0, 16) } },
            spec: pod(
              {
                name: 'feature-server',
                command: ['feast', '--chdir', CONFIG_DIR, 'serve', '--host', '0.0.0.0', '--port', String(PORT)],
                ports: [{ name: 'http', containerPort: PORT, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/health', port: 'http' }, initialDelaySeconds: 10, periodSeconds: 10 },
                livenessProbe: {
                  httpGet: { path: '/health', port: 'http' },
                  initialDelaySeconds: 30,
                  periodSeconds: 30,
                  failureThreshold: 4,
                },
                resources: r.resources,
              },
              highlyAvailable ? { topologySpreadConstraints: zoneSpread(labels) } : {},
            ),
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: this.serviceName, namespace, labels },
        spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: PORT, targetPort: 'http', protocol: 'TCP' }] },
      },
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: {
          name: 'feast-materialize',
          namespace,
          labels: { 'app.kubernetes.io/name': 'feast', 'app.kubernetes.io/component': 'materialize' },
        },
        spec: {
          schedule: r.schedule,
          timeZone: 'Etc/UTC',
          // A slow run must finish before the next starts: two would write the same keys.
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: 600,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 2,
              template: {
                metadata: { labels: { 'app.kubernetes.io/name': 'feast', 'app.kubernetes.io/component': 'materialize' } },
                spec: pod(
                  {
                    name: 'materialize',
                    // Everything new since each view's last run, up to now (UTC).
                    command: ['/bin/sh', '-c', `exec feast --chdir ${CONFIG_DIR} materialize-incremental "$(date -u +%Y-%m-%dT%H:%M:%S)"`],
                    resources: r.materializeResources,
                  },
                  { restartPolicy: 'Never' },
                ),
              },
            },
          },
        },
      },
    ];
    if (highlyAvailable) {
      manifests.push({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: this.serviceName, namespace },
        spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
      });
    }
    this.release = new ManifestsRelease(this, 'Release', {
      releaseName: 'feast',
      namespace,
      manifests,
      dependsOn: [this.prerequisites.helmRelease.release],
    });
  }
}
