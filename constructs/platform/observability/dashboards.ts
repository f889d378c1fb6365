import type { KubernetesObject } from '../../kubernetes/objects';
import { MODEL_INFERENCE_PATH, modelInferenceRate, pushedSeries, type ScrapeTargets } from './scrape-targets';

/** Label Grafana's dashboard sidecar watches for (in every namespace). */
export const DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;

/** One time series: a PromQL query and how its series are named. */
export interface PanelQuery {
  readonly title: string;
  readonly expr: string;
  /** @default '' (Grafana names series by their labels) */
  readonly legend?: string;
  /** Grafana unit, e.g. `reqps`, `s`. @default none */
  readonly unit?: string;
}

/** A dashboard of time-series panels, two per row, as a ConfigMap Grafana's sidecar loads. */
export function dashboardConfigMap(
  name: string,
  namespace: string,
  dashboard: { readonly uid: string; readonly title: string; readonly tags: readonly string[]; readonly panels: readonly PanelQuery[] },
): KubernetesObject {
  const panels = dashboard.panels.map((query, index) => ({
    id: index + 1,
    title: query.title,
    type: 'timeseries',
    // The data source kube-prometheus-stack provisions (`grafana.sidecar.datasources.uid`).
    datasource: { type: 'prometheus', uid: 'prometheus' },
    gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
    ...(query.unit ? { fieldConfig: { defaults: { unit: query.unit }, overrides: [] } } : {}),
    targets: [{ refId: 'A', expr: query.expr, legendFormat: query.legend ?? '' }],
  }));
  const json = {
    uid: dashboard.uid,
    title: dashboard.title,
    schemaVersion: 39,
    tags: dashboard.tags,
    time: { from: 'now-6h', to: 'now' },
    panels,
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { ...DASHBOARD_LABEL } },
    data: { [`${dashboard.uid}.json`]: JSON.stringify(json) },
  };
}

/**
 * A small Kafka overview: under-replicated partitions and bytes in per broker, and consumer lag when the
 * Kafka Exporter runs. Strimzi's full dashboards can be added the same way.
 */
export function kafkaDashboard(name: string, namespace: string, kafkaNamespace: string, withLag: boolean): KubernetesObject {
  const panels: PanelQuery[] = [
    {
      title: 'Under-replicated partitions',
      expr: `sum by (pod) (kafka_server_replicamanager_underreplicatedpartitions{namespace="${kafkaNamespace}"})`,
      legend: '{{pod}}',
    },
    {
      title: 'Bytes in per second',
      expr: `sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesin_total{namespace="${kafkaNamespace}"}[5m]))`,
      legend: '{{pod}}',
      unit: 'Bps',
    },
  ];
  if (withLag) {
    panels.push({
      title: 'Consumer lag',
      expr: `sum by (consumergroup) (kafka_consumergroup_lag{namespace="${kafkaNamespace}"})`,
      legend: '{{consumergroup}}',
    });
  }
  return dashboardConfigMap(name, namespace, { uid: 'platform-kafka', title: 'Platform / Kafka', tags: ['kafka', 'platform'], panels });
}

/**
 * The ML workflow at a glance, from the targets present: DAG runs (Airflow statsd), Spark tasks (driver
 * metrics), MLflow traffic and latency. Undefined when none of them is scraped.
 */
export function workflowDashboard(name: string, namespace: string, targets: ScrapeTargets): KubernetesObject | undefined {
  const { airflow, sparkJobs, mlflow } = targets;
  const panels: PanelQuery[] = [];
  if (airflow) {
    const runs = (state: string) =>
      `sum by (dag_id) (increase(af_agg_dagrun_duration_${state}_count{namespace="${airflow.namespace}"}[1h]))`;
    panels.push(
      { title: 'DAG runs succeeded per hour', expr: runs('success'), legend: '{{dag_id}}' },
      { title: 'DAG runs failed per hour', expr: runs('failed'), legend: '{{dag_id}}' },
    );
  }
  if (sparkJobs) {
    // Spark's executor metrics (`spark.ui.prometheus.enabled`), summed over each application's executors.
    const namespaces = sparkJobs.namespaces.join('|');
    const executors = (metric: string) => `sum by (namespace, spark_application) (metrics_executor_${metric}{namespace=~"${namespaces}"})`;
    panels.push(
      { title: 'Spark active tasks', expr: executors('activeTasks'), legend: '{{namespace}}/{{spark_application}}' },
      {
        title: 'Spark storage memory used',
        expr: executors('memoryUsed_bytes'),
        legend: '{{namespace}}/{{spark_application}}',
        unit: 'bytes',
      },
    );
  }
  if (mlflow) {
    const selector = `namespace="${mlflow.namespace}"`;
    panels.push(
      {
        title: 'MLflow requests by status',
        expr: `sum by (status) (rate(mlflow_http_request_total{${selector}}[5m]))`,
        legend: '{{status}}',
        unit: 'reqps',
      },
      {
        title: 'MLflow request latency (p95)',
        expr: `histogram_quantile(0.95, sum by (le) (rate(mlflow_http_request_duration_seconds_bucket{${selector}}[5m])))`,
        legend: 'p95',
        unit: 's',
      },
    );
  }
  if (panels.length === 0) return undefined;
  return dashboardConfigMap(name, namespace, {
    uid: 'platform-workflows',
    title: 'Platform / Workflows',
    tags: ['airflow', 'spark', 'mlflow', 'platform'],
    panels,
  });
}

/**
 * Served models (MLServer): inference requests per second, the share answered with a server error and the p95
 * latency, per InferenceService, from MLServer's REST metrics (starlette-exporter, prefix `rest_server`).
 */
export function modelsDashboard(name: string, namespace: string, modelServers: { readonly namespace: string }): KubernetesObject {
  const inference = `namespace="${modelServers.namespace}",${MODEL_INFERENCE_PATH}`;
  const requests = (status?: string) => modelInferenceRate(modelServers.namespace, 'inferenceservice', status);
  const panels: PanelQuery[] = [
    { title: 'Inference requests per second', expr: requests(), legend: '{{inferenceservice}}', unit: 'reqps' },
    {
      title: 'Server errors (share of requests)',
      expr: `${requests('status_code=~"5.."')} / ${requests()}`,
      legend: '{{inferenceservice}}',
      unit: 'percentunit',
    },
    {
      title: 'Inference latency (p95)',
      expr: `histogram_quantile(0.95, sum by (inferenceservice, le) (rate(rest_server_request_duration_seconds_bucket{${inference}}[5m])))`,
      legend: '{{inferenceservice}}',
      unit: 's',
    },
    {
      title: 'Failed inferences per second (by model)',
      expr: `sum by (inferenceservice, model) (rate(model_infer_request_failure_total{namespace="${modelServers.namespace}"}[5m]))`,
      legend: '{{inferenceservice}} {{model}}',
      unit: 'reqps',
    },
  ];
  return dashboardConfigMap(name, namespace, {
    uid: 'platform-models',
    title: 'Platform / Models',
    tags: ['kserve', 'models', 'platform'],
    panels,
  });
}

/**
 * Pipelines (what their steps push to the Pushgateway of `namespace`): each suite's validated and quarantined rows
 * and failed rules by severity, and each model's feature drift (PSI by feature) and requests compared.
 */
export function pipelinesDashboard(name: string, namespace: string, results: { readonly namespace: string }): KubernetesObject {
  const pushed = (metric: string, job: 'validation' | 'drift') => pushedSeries(results.namespace, metric, job);
  const panels: PanelQuery[] = [
    { title: 'Rows validated (last run)', expr: `max by (suite) (${pushed('validation_rows', 'validation')})`, legend: '{{suite}}' },
    {
      title: 'Quarantined (share of rows, last run)',
      expr: `max by (suite) (${pushed('validation_quarantined_rows', 'validation')} / clamp_min(${pushed('validation_rows', 'validation')}, 1))`,
      legend: '{{suite}}',
      unit: 'percentunit',
    },
    {
      title: 'Failed rules by severity (last run)',
      expr: `max by (suite, severity) (${pushed('validation_rule_failures', 'validation')})`,
      legend: '{{suite}} {{severity}}',
    },
    {
      title: 'Feature drift (PSI, last day compared)',
      expr: `max by (model, feature) (${pushed('model_feature_psi', 'drift')})`,
      legend: '{{model}} {{feature}}',
    },
    { title: 'Requests compared for drift', expr: `max by (model) (${pushed('model_drift_requests', 'drift')})`, legend: '{{model}}' },
  ];
  return dashboardConfigMap(name, namespace, {
    uid: 'platform-pipelines',
    title: 'Platform / Pipelines',
    tags: ['pipelines', 'platform'],
    panels,
  });
}
