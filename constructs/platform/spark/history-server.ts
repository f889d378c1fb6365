import { Construct } from 'constructs';
import { ManifestsRelease } from '../../helm/manifests-release';
import { irsaServiceAccount, zoneSpread, type KubernetesObject, type Resources } from '../../kubernetes/objects';
import { sparkContainerSecurityContext, sparkPodSecurityContext } from './pod-security';
import { eventLogDir, fetchS3aJarsContainer, S3A_CLASSPATH, s3aJarsMount, s3aJarsVolume, s3aSparkConf } from './s3a';
import { DNS_LABEL, check, checkBucket, checkLabel, checkRegion, checkRoleArn } from '../validation';
import { SPARK_MEMORY } from './validation';
import { SPARK_IMAGE } from './versions';
import type { Endpoint } from '../../kubernetes/endpoint';
import { resolveAvailability, type AvailabilityProps, type AwsWorkloadProps, type ComponentProps } from '../component';

/** Props of {@link SparkHistoryServer}. */
export interface SparkHistoryServerProps extends ComponentProps, AwsWorkloadProps, AvailabilityProps {
  /** Logs bucket: reads `s3a://<bucket>/spark-events/`. */
  readonly logsBucket: string;
  /** Must be the service account the role trusts. @default 'spark-history' */
  readonly serviceAccountName?: string;
  /** Event logs older than this are deleted by the history server's cleaner. @default 30 */
  readonly retentionDays?: number;
  /** @default the official `spark` image of the platform's Spark version (4.0.1), which jobs use too */
  readonly image?: string;
  /** @default requests 250m CPU and 1536Mi, limits 1 CPU and 1536Mi */
  readonly resources?: Resources;
  /** JVM heap (`SPARK_DAEMON_MEMORY`); keep it well under the memory limit. @default '1g' */
  readonly heapMemory?: string;
  /** Name of the Deployment, Service and release. @default 'spark-history-server' */
  readonly name?: string;
}

const PORT = 18080;
const DEFAULT_RESOURCES: Resources = { requests: { cpu: '250m', memory: '1536Mi' }, limits: { cpu: '1', memory: '1536Mi' } };

/**
 * Spark History Server: a Deployment and a ClusterIP Service on port 18080 reading the jobs' event logs from
 * `s3a://<logs bucket>/spark-events/` with its own IRSA identity, and deleting those older than the
 * retention. Its S3A jars come from the same init container as the jobs', on `SPARK_DAEMON_CLASSPATH`.
 * Non-root with a read-only root filesystem.
 */
export class SparkHistoryServer extends Construct {
  /** In-cluster URL of the UI and REST API. */
  readonly url: string;
  readonly serviceName: string;
  readonly port = PORT;
  /** The UI's Service. */
  readonly ui: Endpoint;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly release: ManifestsRelease;

  constructor(scope: Construct, id: string, props: SparkHistoryServerProps) {
    super(scope, id);
    const where = this.node.path;
    const name = props.name ?? 'spark-history-server';
    const { replicas } = resolveAvailability(where, props, 5);
    const retentionDays = props.retentionDays ?? 30;
    const heapMemory = props.heapMemory ?? '1g';
    const image = props.image ?? SPARK_IMAGE;
    this.serviceAccountName = props.serviceAccountName ?? 'spark-history';
    this.namespace = props.namespace;
    this.serviceName = name;

    check(where, 'name', name, /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS-1035 label (lower-case, letter first)');
    checkLabel(where, 'namespace', props.namespace);
    check(where, 'serviceAccountName', this.serviceAccountName, DNS_LABEL, 'must be a lower-case DNS label');
    checkBucket(where, 'logsBucket', props.logsBucket);
    checkRegion(where, props.region);
    checkRoleArn(where, props.roleArn, 'roleArn');
    check(where, 'heapMemory', heapMemory, SPARK_MEMORY, 'must be JVM memory such as 1g or 1536m');
    if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 365) {
      throw new Error(`${where}: retentionDays ${retentionDays} must be a whole number of days from 1 to 365`);
    }

    const labels = { 'app.kubernetes.io/name': 'spark-history-server', 'app.kubernetes.io/instance': name };
    const highlyAvailable = replicas >= 2;
    const options: Record<string, string> = {
      'spark.history.fs.logDirectory': eventLogDir(props.logsBucket),
      'spark.history.ui.port': String(PORT),
      // Each scan lists the prefix in S3; the default 10s is more requests than anyone needs.
      'spark.history.fs.update.interval': '30s',
      'spark.history.fs.cleaner.enabled': 'true',
      'spark.history.fs.cleaner.interval': '1d',
      'spark.history.fs.cleaner.maxAge': `${retentionDays}d`,
      ...s3aSparkConf(props.region),
    };

    const manifests: KubernetesObject[] = [
      // The server never calls the Kubernetes API.
      irsaServiceAccount(this.serviceAccountName, props.namespace, props.roleArn),
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: props.namespace, labels },
        spec: {
          replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: this.serviceAccountName,
              automountServiceAccountToken: false,
              securityContext: sparkPodSecurityContext(),
              nodeSelector: props.placement.nodeSelector,
              tolerations: props.placement.tolerations,
              ...(highlyAvailable ? { topologySpreadConstraints: zoneSpread(labels) } : {}),
              initContainers: [fetchS3aJarsContainer()],
              containers: [
                {
                  name: 'history-server',
                  image,
                  imagePullPolicy: 'IfNotPresent',
                  // In the foreground, without the image's entrypoint: the JVM is the container's process.
                  command: ['/opt/spark/bin/spark-class', 'org.apache.spark.deploy.history.HistoryServer'],
                  env: [
                    { name: 'SPARK_DAEMON_CLASSPATH', value: S3A_CLASSPATH },
                    { name: 'SPARK_DAEMON_MEMORY', value: heapMemory },
                    {
                      name: 'SPARK_HISTORY_OPTS',
                      value: Object.entries(options)
                        .map(([key, value]) => `-D${key}=${value}`)
                        .join(' '),
                    },
                  ],
                  ports: [{ name: 'http', containerPort: PORT, protocol: 'TCP' }],
                  // The REST API's version endpoint answers without touching the event logs.
                  startupProbe: { httpGet: { path: '/api/v1/version', port: 'http' }, periodSeconds: 5, failureThreshold: 36 },
                  readinessProbe: { httpGet: { path: '/api/v1/version', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5 },
                  livenessProbe: {
                    httpGet: { path: '/api/v1/version', port: 'http' },
                    periodSeconds: 20,
                    timeoutSeconds: 5,
                    failureThreshold: 3,
                  },
                  resources: props.resources ?? DEFAULT_RESOURCES,
                  securityContext: sparkContainerSecurityContext(true),
                  volumeMounts: [s3aJarsMount(), { name: 'tmp', mountPath: '/tmp' }],
                },
              ],
              volumes: [s3aJarsVolume(), { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: props.namespace, labels },
        spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: PORT, targetPort: 'http', protocol: 'TCP' }] },
      },
    ];
    if (highlyAvailable) {
      manifests.push({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name, namespace: props.namespace, labels },
        spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
      });
    }

    this.release = new ManifestsRelease(this, 'Release', {
      releaseName: name,
      namespace: props.namespace,
      manifests,
      dependsOn: props.dependsOn,
    });
    this.url = `http://${name}.${props.namespace}.svc:${PORT}`;
    this.ui = { namespace: props.namespace, service: name, port: PORT };
  }
}
