import type { KubernetesObject } from '../../kubernetes/objects';
import { modelInferenceRate, pushedSeries, type ScrapeTargets } from './scrape-targets';

/** One Prometheus alerting rule, as a PrometheusRule spells it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold before the alert fires. */
  readonly for: string;
  readonly labels: { readonly severity: 'critical' | 'warning' | 'info' };
  readonly annotations: { readonly summary: string; readonly description: string };
}

/** A named group of rules, evaluated together. */
export interface AlertGroup {
  readonly name: string;
  readonly rules: AlertRule[];
}

/**
 * The chart's own alerts these rules replace (disabled through `defaultRules.disabled`), so one condition
 * pages once.
 */
export const REPLACED_DEFAULT_ALERTS = ['KubePodCrashLooping', 'KubeNodeNotReady'] as const;

/** The alerts of the platform: Kubernetes basics always, Kafka and Airflow when they are scraped. */
export function alertGroups(targets: ScrapeTargets): AlertGroup[] {
  const groups: AlertGroup[] = [
    {
      name: 'platform.kubernetes',
      rules: [
        {
          alert: 'PodCrashLooping',
          // kube-state-metrics; three restarts in 15 minutes is a loop, not a one-off OOM or eviction.
          expr: 'increase(kube_pod_container_status_restarts_total{job="kube-state-metrics"}[15m]) >= 3',
          for: '5m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'Container {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is crash-looping',
            description:
              'It restarted {{ $value | humanize }} times in the last 15 minutes. Check `kubectl logs --previous` and its events.',
          },
        },
        {
          alert: 'NodeNotReady',
          // kube-state-metrics: the node's Ready condition is not true (false or unknown).
          expr: 'kube_node_status_condition{job="kube-state-metrics",condition="Ready",status="true"} == 0',
          for: '15m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'Node {{ $labels.node }} is not ready',
            description:
              'Node {{ $labels.node }} has not been Ready for 15 minutes; its pods are not running. Check the node group and the kubelet.',
          },
        },
      ],
    },
  ];

  const { kafka, airflow, mlflow, modelServers } = targets;
  if (kafka) {
    const ns = kafka.namespace;
    const rules: AlertRule[] = [
      {
        alert: 'KafkaUnderReplicatedPartitions',
        // Strimzi Metrics Reporter (YammerPrometheusMetricsReporter) exports the broker's Yammer gauge
        // kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions under this name, as the JMX exporter did.
        expr: `sum by (namespace, pod) (kafka_server_replicamanager_underreplicatedpartitions{namespace="${ns}"}) > 0`,
        // A broker rolling restart under-replicates for a few minutes; longer means a broker is missing or slow.
        for: '10m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Kafka broker {{ $labels.pod }} leads under-replicated partitions',
          description:
            '{{ $value }} partitions led by {{ $labels.pod }} have fewer in-sync replicas than replicas for 10 minutes; producers with acks=all may stall at min.insync.replicas.',
        },
      },
    ];
    if (kafka.kafkaExporter) {
      rules.push({
        alert: 'KafkaConsumerGroupLag',
        // Strimzi's Kafka Exporter (spec.kafkaExporter of the Kafka CR): messages between the group's committed
        // offset and the partition's end, per partition.
        expr: `sum by (namespace, consumergroup, topic) (kafka_consumergroup_lag{namespace="${ns}"}) > ${kafka.consumerLagThreshold ?? 10000}`,
        for: '15m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Consumer group {{ $labels.consumergroup }} lags on {{ $labels.topic }}',
          description:
            'Consumer group {{ $labels.consumergroup }} is {{ $value }} messages behind on topic {{ $labels.topic }} for 15 minutes.',
        },
      });
    }
    groups.push({ name: 'platform.kafka', rules });
  }
  if (airflow) {
    groups.push({
      name: 'platform.airflow',
      rules: [
        {
          alert: 'AirflowDagRunFailed',
          // Airflow emits the timer dagrun.duration.failed.<dag_id> when a run fails; the chart's statsd
          // exporter mapping turns it into the summary af_agg_dagrun_duration_failed{dag_id}.
          expr: `sum by (namespace, dag_id) (increase(af_agg_dagrun_duration_failed_count{namespace="${airflow.namespace}"}[15m])) > 0`,
          for: '1m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'DAG {{ $labels.dag_id }} has failed runs',
            description:
              '{{ $value | humanize }} runs of DAG {{ $labels.dag_id }} failed in the last 15 minutes. See the run in the Airflow UI.',
          },
        },
      ],
    });
  }
  if (mlflow) {
    const requests = (status: string) =>
      `sum by (namespace) (rate(mlflow_http_request_total{namespace="${mlflow.namespace}"${status}}[5m]))`;
    groups.push({
      name: 'platform.mlflow',
      rules: [
        {
          alert: 'MlflowServerErrors',
          // prometheus_flask_exporter's request counter (`--expose-prometheus`), by HTTP status.
          expr: `${requests(',status=~"5.."')} / ${requests('')} > 0.05`,
          for: '10m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'MLflow answers {{ $value | humanizePercentage }} of requests with server errors',
            description:
              'More than 5% of MLflow requests failed with a 5xx status for 10 minutes: runs cannot log and the registry may be unreachable. Check the server logs, the database and S3.',
          },
        },
      ],
    });
  }
  if (modelServers) {
    const requests = (status?: string) => modelInferenceRate(modelServers.namespace, 'namespace, inferenceservice', status);
    groups.push({
      name: 'platform.models',
      rules: [
        {
          alert: 'ModelServerErrors',
          // MLServer's REST request counter (starlette-exporter), by HTTP status, on the inference path only.
          expr: `${requests('status_code=~"5.."')} / ${requests()} > 0.05`,
          for: '10m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'Model {{ $labels.inferenceservice }} answers {{ $value | humanizePercentage }} of predictions with server errors',
            description:
              'More than 5% of inference requests to {{ $labels.inferenceservice }} failed with a 5xx status for 10 minutes: callers get no predictions. Check the predictor logs, its inputs and the model version it serves.',
          },
        },
      ],
    });
  }
  if (targets.pipelineResults) groups.push(pipelineAlerts(targets.pipelineResults.namespace));
  return groups;
}

/**
 * What pipelines push to the Pushgateway of `namespace`: each validation (job `validation`, a group per suite) and
 * each drift comparison (job `drift`, a group per model).
 */
function pipelineAlerts(namespace: string): AlertGroup {
  const pushed = (metric: string, job: 'validation' | 'drift' = 'validation') => pushedSeries(namespace, metric, job);
  return {
    name: 'platform.pipelines',
    rules: [
      {
        alert: 'PipelineValidationBlocked',
        // A gauge kept until the next run pushes: the alert lasts until a run passes.
        expr: `max by (suite) (${pushed('validation_blocking_failed')}) > 0`,
        for: '0m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Data of suite {{ $labels.suite }} failed a blocking rule; its pipeline stopped before training',
          description:
            'The last validation of {{ $labels.suite }} failed a blocking rule (schema, nulls, uniqueness or volume), so nothing was trained or served from it. Read the JSON report beside the data (reports/validation/event_date=…/report.json) and the quarantined rows.',
        },
      },
      {
        alert: 'PipelineQuarantineHigh',
        expr: `max by (suite) (${pushed('validation_quarantined_rows')} / clamp_min(${pushed('validation_rows')}, 1)) > 0.05`,
        for: '0m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Validation of {{ $labels.suite }} quarantined {{ $value | humanizePercentage }} of its rows',
          description:
            "More than 5% of the last run's rows broke a row rule (ranges, allowed values, patterns) and went to quarantine/ instead of training. Check the producers of the topic.",
        },
      },
      {
        alert: 'ModelFeatureDrift',
        // Pushed by the drift step: 1 when a feature's PSI exceeded the pipeline's threshold on the last day compared.
        expr: `max by (model) (${pushed('model_drift_detected', 'drift')}) > 0`,
        for: '0m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Requests to model {{ $labels.model }} no longer look like its training data',
          description:
            "A feature of the requests served by {{ $labels.model }} has a Population Stability Index above the pipeline's threshold against the training data of the served version (model_feature_psi by feature). Read the drift report (reports/drift/event_date=…/report.json); retrain or look at the callers.",
        },
      },
    ],
  };
}

/** The platform's alerts as one PrometheusRule, picked up by Prometheus in any namespace. */
export function platformRules(name: string, namespace: string, targets: ScrapeTargets): KubernetesObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name, namespace },
    spec: { groups: alertGroups(targets) },
  };
}
