import type { KubernetesObject } from '../../kubernetes/objects';

/**
 * The workloads Prometheus scrapes beyond Kubernetes itself; each present key adds its monitor. Omit a key
 * while its component is not deployed: a monitor without targets is harmless, but its alerts would mislead.
 */
export interface ScrapeTargets {
  /** Strimzi Kafka brokers and controllers (metrics from `metricsConfig: { type: strimziMetricsReporter }`). */
  readonly kafka?: {
    readonly namespace: string;
    /** The Kafka CR's name. */
    readonly clusterName: string;
    /**
     * Whether the Kafka CR runs Strimzi's Kafka Exporter (`spec.kafkaExporter`), the only source of consumer
     * lag (`kafka_consumergroup_lag`); the lag alert is added only then.
     * @default false
     */
    readonly kafkaExporter?: boolean;
    /** Messages a consumer group may lag behind on a topic for 15 minutes before it alerts. @default 10000 */
    readonly consumerLagThreshold?: number;
  };
  /** The schema registry's pods, whose JMX exporter serves metrics on the named `port`. */
  readonly schemaRegistry?: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>>; readonly port: string };
  /** The Airflow chart's statsd exporter (Service `<release>-statsd`, port `statsd-scrape`). */
  readonly airflow?: { readonly namespace: string; readonly releaseName: string };
  /** The Kubeflow Spark operator's controller (`prometheus.metrics.enable`, port `metrics`). */
  readonly sparkOperator?: { readonly namespace: string; readonly releaseName: string };
  /**
   * Running Spark jobs: each driver serves its own and its executors' metrics on the UI port (`spark-ui`), at
   * the paths the platform's job defaults configure (`SPARK_METRICS_PATHS`, on drivers with `SPARK_METRICS_LABELS`),
   * in every namespace jobs run in (the operator's job namespace and the teams').
   */
  readonly sparkJobs?: {
    readonly namespaces: readonly string[];
    readonly podLabels: Readonly<Record<string, string>>;
    readonly paths: readonly string[];
  };
  /**
   * The KServe controller manager, whose metrics sit behind kube-rbac-proxy on port `https` of the chart's
   * Service `kserve-controller-manager-metrics-service` (label `control-plane: kserve-controller-manager`).
   */
  readonly kserve?: { readonly namespace: string };
  /**
   * Model servers: predictor pods carrying `podLabels`, scraped at `/metrics` on `port` (MLServer's metrics
   * port, not declared by the runtime), each series labelled with its InferenceService (`inferenceservice`).
   */
  readonly modelServers?: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>>; readonly port: number };
  /**
   * Results pipelines push to the Pushgateway of `namespace` (scraped through its chart's ServiceMonitor): their
   * alerts are added.
   */
  readonly pipelineResults?: { readonly namespace: string };
  /** MLflow servers started with `--expose-prometheus` (the `Mlflow` construct does). */
  readonly mlflow?: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>>; readonly port: string };
}

/**
 * Rate of MLServer's inference requests (starlette-exporter's `rest_server_requests_total`, on the inference path
 * only) in a model-server namespace, summed by `by`; `status` adds a matcher such as `status_code=~"5.."`.
 * The dashboard and the alert read the same series through it.
 */
export function modelInferenceRate(namespace: string, by: string, status?: string): string {
  const selector = [`namespace="${namespace}"`, MODEL_INFERENCE_PATH, ...(status ? [status] : [])].join(',');
  return `sum by (${by}) (rate(rest_server_requests_total{${selector}}[5m]))`;
}
/**
 * A series a pipeline step pushed to the Pushgateway of `namespace`, under its `job` (`validation`, `drift`); the
 * dashboard and the alerts read the same series through it.
 */
export function pushedSeries(namespace: string, metric: string, job: 'validation' | 'drift'): string {
  return `${metric}{namespace="${namespace}",job="${job}"}`;
}

/** MLServer's v2 inference endpoint, raw or grouped by starlette-exporter. */
export const MODEL_INFERENCE_PATH = 'path=~"/v2/models/.+/infer"';

/** Strimzi names the port of both its metrics reporter and its JMX exporter `tcp-prometheus` (9404). */
const STRIMZI_METRICS_PORT = 'tcp-prometheus';

type Endpoint = Record<string, unknown>;

/**
 * A PodMonitor or ServiceMonitor in the target's namespace, selecting pods (or Services) there only.
 * Prometheus selects monitors in every namespace.
 */
function monitor(
  kind: 'PodMonitor' | 'ServiceMonitor',
  name: string,
  namespace: string,
  matchLabels: Readonly<Record<string, string>>,
  endpoints: Endpoint[],
): KubernetesObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind,
    metadata: { name, namespace },
    spec: {
      selector: { matchLabels: { ...matchLabels } },
      namespaceSelector: { matchNames: [namespace] },
      [kind === 'PodMonitor' ? 'podMetricsEndpoints' : 'endpoints']: endpoints,
    },
  };
}

/** Copies a pod label into a target label (Prometheus spells the label name with underscores). */
const podLabelAs = (podLabel: string, targetLabel: string) => ({
  sourceLabels: [`__meta_kubernetes_pod_label_${podLabel.replace(/[^a-zA-Z0-9_]/g, '_')}`],
  targetLabel,
  action: 'replace',
});

/** ServiceMonitors and PodMonitors for the targets given, each in its target's namespace. */
export function scrapeMonitors(targets: ScrapeTargets): KubernetesObject[] {
  const monitors: KubernetesObject[] = [];
  const { kafka, airflow, sparkOperator, sparkJobs, kserve, mlflow, modelServers, schemaRegistry } = targets;
  if (schemaRegistry) {
    monitors.push(
      monitor('PodMonitor', 'schema-registry', schemaRegistry.namespace, schemaRegistry.podLabels, [
        { port: schemaRegistry.port, path: '/metrics', interval: '30s' },
      ]),
    );
  }
  if (kafka) {
    // Every pod Strimzi runs for the cluster (nodes of all pools, and the Kafka Exporter when enabled);
    // the entity operator has no metrics port, so it yields no target.
    monitors.push(
      monitor(
        'PodMonitor',
        `${kafka.clusterName}-kafka`,
        kafka.namespace,
        { 'strimzi.io/cluster': kafka.clusterName, 'strimzi.io/kind': 'Kafka' },
        [
          {
            port: STRIMZI_METRICS_PORT,
            path: '/metrics',
            interval: '30s',
            relabelings: [
              podLabelAs('strimzi.io/pool-name', 'pool'),
              { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node_name', action: 'replace' },
            ],
          },
        ],
      ),
    );
  }
  if (airflow) {
    // Labels the Airflow chart puts on its statsd Service.
    monitors.push(
      monitor(
        'ServiceMonitor',
        `${airflow.releaseName}-statsd`,
        airflow.namespace,
        { tier: 'airflow', component: 'statsd', release: airflow.releaseName },
        [{ port: 'statsd-scrape', path: '/metrics', interval: '30s' }],
      ),
    );
  }
  if (sparkOperator) {
    const labels = {
      'app.kubernetes.io/name': 'spark-operator',
      'app.kubernetes.io/instance': sparkOperator.releaseName,
      'app.kubernetes.io/component': 'controller',
    };
    monitors.push(
      monitor('PodMonitor', `${sparkOperator.releaseName}-controller`, sparkOperator.namespace, labels, [
        { port: 'metrics', path: '/metrics', interval: '30s' },
      ]),
    );
  }
  if (sparkJobs) {
    // `spark-role` and the port name are Spark's own on every driver pod; the rest picks configured jobs. The
    // operator's `sparkoperator.k8s.io/app-name` tells which SparkApplication the numbers belong to.
    const endpoints = sparkJobs.paths.map((path) => ({
      port: 'spark-ui',
      path,
      interval: '30s',
      relabelings: [podLabelAs('sparkoperator.k8s.io/app-name', 'spark_application')],
    }));
    for (const namespace of sparkJobs.namespaces)
      monitors.push(monitor('PodMonitor', 'spark-drivers', namespace, { 'spark-role': 'driver', ...sparkJobs.podLabels }, endpoints));
  }
  if (kserve) {
    // Also matches the chart's `kserve-controller-manager-service`, whose one port has no name: no target there.
    monitors.push(
      monitor('ServiceMonitor', 'kserve-controller-manager', kserve.namespace, { 'control-plane': 'kserve-controller-manager' }, [
        {
          // kube-rbac-proxy admits Prometheus's service-account token (the chart's ClusterRole grants GET on
          // /metrics) and serves a self-signed certificate.
          port: 'https',
          scheme: 'https',
          path: '/metrics',
          interval: '30s',
          bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
          tlsConfig: { insecureSkipVerify: true },
        },
      ]),
    );
  }
  if (modelServers) {
    monitors.push(
      monitor('PodMonitor', 'model-servers', modelServers.namespace, modelServers.podLabels, [
        {
          portNumber: modelServers.port,
          path: '/metrics',
          interval: '30s',
          relabelings: [podLabelAs('serving.kserve.io/inferenceservice', 'inferenceservice')],
        },
      ]),
    );
  }
  if (mlflow) {
    monitors.push(
      monitor('PodMonitor', 'mlflow', mlflow.namespace, mlflow.podLabels, [{ port: mlflow.port, path: '/metrics', interval: '30s' }]),
    );
  }
  return monitors;
}
