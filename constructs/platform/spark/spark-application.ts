import { NVIDIA_GPU_RESOURCE } from '../../cluster/accelerators';
import type { KubernetesObject, Placement } from '../../kubernetes/objects';
import { sparkContainerSecurityContext, sparkPodSecurityContext } from './pod-security';
import { eventLogDir, fetchS3aJarsContainer, S3A_CLASSPATH, s3aJarsMount, s3aJarsVolume, s3aSparkConf } from './s3a';
import { DNS_LABEL, check, checkBucket, checkGpus, checkLabel, checkRegion } from '../validation';
import { SPARK_MEMORY } from './validation';
import { SPARK_LINE, SPARK_VERSION } from './versions';

/** CPU cores and JVM memory of the driver or of each executor. */
export interface SparkResources {
  /** Whole cores: `spark.{driver,executor}.cores`, also the pod's CPU request and limit. */
  readonly cores: number;
  /** JVM heap in Spark notation (`1g`, `512m`); the pod's memory adds Spark's overhead. */
  readonly memory: string;
}

/** One Spark job, as teams configure it (`platform.spark.applications.<name>`). */
export interface SparkApplicationSpec {
  /** Image with Spark 4.0.x (the S3A jars are pinned to its Hadoop client), e.g. `spark:4.0.1`. */
  readonly image: string;
  readonly type: 'Scala' | 'Java' | 'Python';
  /** `local:///…` in the image, or `s3a://…` in a bucket the job role can read. */
  readonly mainApplicationFile: string;
  /** JVM jobs only. @default the jar manifest's Main-Class */
  readonly mainClass?: string;
  /** @default none */
  readonly arguments?: readonly string[];
  readonly driver: SparkResources;
  readonly executor: SparkResources & {
    readonly instances: number;
    /** Where the executors run. @default the defaults' placement (the `compute` pool) */
    readonly placement?: Placement;
    /** NVIDIA GPUs per executor pod, through the operator's `gpu` field (`nvidia.com/gpu`). @default none */
    readonly gpus?: number;
  };
  /** More Spark properties; the platform's own (event log, S3A, metrics, class path) may not be changed. @default none */
  readonly sparkConf?: Readonly<Record<string, string>>;
  /** Environment variables of the driver and the executors (plain values; secrets come mounted). @default none */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * A Secret of the job namespace mounted read-only at `/etc/platform-connection` in the driver and the
   * executors: the Kafka and schema-registry logins, CA and addresses of `kafka-spark`, say. @default none
   */
  readonly connectionSecret?: string;
  /**
   * The image holds the S3A jars at the mount path already (the pipeline image does), so no init container
   * downloads them at start. @default false
   */
  readonly s3aJarsInImage?: boolean;
}

/** Where {@link SparkApplicationSpec.connectionSecret} is mounted. */
export const CONNECTION_MOUNT = '/etc/platform-connection';

/** What every platform job shares: where it runs, as whom, and where its event log goes. */
export interface SparkJobDefaults {
  /** The operator's job namespace. */
  readonly namespace: string;
  /** Service account of drivers and executors, bound to the job IRSA role. */
  readonly serviceAccountName: string;
  /** The `compute` node pool. */
  readonly placement: Placement;
  /** Logs bucket: event logs go to `s3a://<bucket>/spark-events/`. */
  readonly logsBucket: string;
  /** Region of the buckets. */
  readonly region: string;
}

/** Spark properties every platform job gets. */
export function sparkJobConf(defaults: Pick<SparkJobDefaults, 'logsBucket' | 'region'>): Record<string, string> {
  return {
    'spark.eventLog.enabled': 'true',
    'spark.eventLog.dir': eventLogDir(defaults.logsBucket),
    // On the JVM classpath from the start (not added later like spark.jars), so the event log and the
    // Hadoop FileSystem service loader see S3A in driver and executors alike.
    'spark.driver.extraClassPath': S3A_CLASSPATH,
    'spark.executor.extraClassPath': S3A_CLASSPATH,
    ...s3aSparkConf(defaults.region),
    ...SPARK_METRICS_CONF,
  };
}

/**
 * Prometheus text on the driver's UI port (`spark-ui`, 4040): the driver's own metrics and every executor's,
 * at these paths. Drivers of platform jobs carry {@link SPARK_METRICS_LABELS}, which the platform's PodMonitor
 * selects; a job submitted otherwise (from a DAG) is scraped once it has the label and this configuration.
 */
export const SPARK_METRICS_PATHS = { driver: '/metrics/prometheus', executors: '/metrics/executors/prometheus' } as const;
export const SPARK_METRICS_LABELS: Readonly<Record<string, string>> = { 'mlops-platform/metrics': 'spark' };

const SPARK_METRICS_CONF: Record<string, string> = {
  'spark.ui.prometheus.enabled': 'true',
  'spark.metrics.conf.*.sink.prometheusServlet.class': 'org.apache.spark.metrics.sink.PrometheusServlet',
  'spark.metrics.conf.*.sink.prometheusServlet.path': SPARK_METRICS_PATHS.driver,
};

/**
 * A `sparkoperator.k8s.io/v1beta2` SparkApplication for one job, with the platform's defaults: driver and
 * executors on the compute pool under the job service account (IRSA), non-root and Pod Security
 * `restricted`-compatible, event log in S3, and S3A with its jars fetched by an init container.
 * Pods get their init containers, volumes and security contexts from the operator's mutating webhook.
 */
export function sparkApplication(name: string, spec: SparkApplicationSpec, defaults: SparkJobDefaults): KubernetesObject {
  const where = `SparkApplication ${defaults.namespace}/${name}`;
  validate(where, name, spec, defaults);

  const pod = (resources: SparkResources, placement = defaults.placement) => ({
    cores: resources.cores,
    coreLimit: String(resources.cores),
    memory: resources.memory,
    serviceAccount: defaults.serviceAccountName,
    labels: { 'app.kubernetes.io/part-of': 'mlops-platform', ...SPARK_METRICS_LABELS },
    nodeSelector: { ...placement.nodeSelector },
    tolerations: placement.tolerations.map((t) => ({ ...t })),
    podSecurityContext: sparkPodSecurityContext(),
    securityContext: sparkContainerSecurityContext(false),
    ...(spec.s3aJarsInImage ? {} : { initContainers: [fetchS3aJarsContainer()], volumeMounts: [s3aJarsMount()] }),
    ...(spec.env ? { env: Object.entries(spec.env).map(([name, value]) => ({ name, value })) } : {}),
    ...(spec.connectionSecret ? { secrets: [{ name: spec.connectionSecret, path: CONNECTION_MOUNT, secretType: 'Generic' }] } : {}),
  });

  return {
    apiVersion: 'sparkoperator.k8s.io/v1beta2',
    kind: 'SparkApplication',
    metadata: { name, namespace: defaults.namespace, labels: { 'app.kubernetes.io/part-of': 'mlops-platform' } },
    spec: {
      type: spec.type,
      mode: 'cluster',
      sparkVersion: sparkVersionOf(spec.image),
      image: spec.image,
      imagePullPolicy: 'IfNotPresent',
      mainApplicationFile: spec.mainApplicationFile,
      ...(spec.mainClass ? { mainClass: spec.mainClass } : {}),
      arguments: [...(spec.arguments ?? [])],
      sparkConf: { ...spec.sparkConf, ...sparkJobConf(defaults) },
      ...(spec.s3aJarsInImage ? {} : { volumes: [s3aJarsVolume()] }),
      // A finished job stays finished: Helm re-applying the object must not rerun it.
      restartPolicy: { type: 'Never' },
      driver: pod(spec.driver),
      executor: {
        ...pod(spec.executor, spec.executor.placement),
        instances: spec.executor.instances,
        ...(spec.executor.gpus ? { gpu: { name: NVIDIA_GPU_RESOURCE, quantity: spec.executor.gpus } } : {}),
      },
    },
  };
}

/** The Spark version of an official image tag (`spark:4.0.1-python3` → `4.0.1`), else the platform's. */
function sparkVersionOf(image: string): string {
  return officialImageVersion(image) ?? SPARK_VERSION;
}

function officialImageVersion(image: string): string | undefined {
  const match = /^(?:(?:docker\.io\/)?(?:library|apache)\/)?spark:(\d+\.\d+\.\d+)/.exec(image);
  return match?.[1];
}

function validate(where: string, name: string, spec: SparkApplicationSpec, defaults: SparkJobDefaults): void {
  // The operator names the UI Service `<name>-ui-svc`, and Service names are DNS-1035 labels (≤ 63, letter first).
  check(where, 'name', name, /^[a-z]([-a-z0-9]{0,54}[a-z0-9])?$/, 'must start with a letter, be lower-case and at most 56 characters');
  checkLabel(where, 'namespace', defaults.namespace);
  check(where, 'serviceAccountName', defaults.serviceAccountName, DNS_LABEL, 'must be a lower-case DNS label');
  checkBucket(where, 'logsBucket', defaults.logsBucket);
  checkRegion(where, defaults.region);
  check(where, 'image', spec.image, spec.image.trim() !== '', 'must name an image');
  checkGpus(where, 'executor.gpus', spec.executor.gpus, spec.executor.placement);
  const version = officialImageVersion(spec.image);
  if (version && !version.startsWith(`${SPARK_LINE}.`)) {
    throw new Error(
      `${where}: image '${spec.image}' is Spark ${version}, but the S3A jars are pinned to Spark ${SPARK_LINE}.x's Hadoop client; use a ${SPARK_LINE}.x image`,
    );
  }
  check(
    where,
    'mainApplicationFile',
    spec.mainApplicationFile,
    /^(local|s3a|https?):\/\/\S+$/,
    'must be a local://, s3a:// or https:// URI',
  );
  if (spec.type === 'Python' && spec.mainClass) {
    throw new Error(`${where}: mainClass '${spec.mainClass}' applies to Scala and Java jobs only; remove it for type Python`);
  }
  for (const [role, resources] of [
    ['driver', spec.driver],
    ['executor', spec.executor],
  ] as const) {
    if (!Number.isInteger(resources.cores) || resources.cores < 1 || resources.cores > 64) {
      throw new Error(`${where}: ${role}.cores ${resources.cores} must be a whole number of cores from 1 to 64`);
    }
    check(where, `${role}.memory`, resources.memory, SPARK_MEMORY, 'must be Spark memory such as 2g or 512m');
  }
  const owned = Object.keys(spec.sparkConf ?? {}).filter((key) => key in sparkJobConf(defaults));
  if (owned.length > 0) throw new Error(`${where}: sparkConf ${owned.join(', ')}: set by the platform for every job; leave them out`);
  for (const name of Object.keys(spec.env ?? {}))
    check(where, 'env', name, /^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
  if (spec.connectionSecret) checkLabel(where, 'connectionSecret', spec.connectionSecret);
  const { instances } = spec.executor;
  if (!Number.isInteger(instances) || instances < 1 || instances > 1000) {
    throw new Error(`${where}: executor.instances ${instances} must be a whole number from 1 to 1000`);
  }
}
