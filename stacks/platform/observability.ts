import type { Airflow } from '../../constructs/platform/airflow';
import type { KafkaCluster } from '../../constructs/platform/kafka';
import type { Mlflow } from '../../constructs/platform/mlflow';
import { Observability } from '../../constructs/platform/observability';
import { SPARK_METRICS_LABELS, SPARK_METRICS_PATHS, type SparkOperator } from '../../constructs/platform/spark';
import type { PlatformContext } from './context';

/** What Prometheus scrapes, besides the cluster itself. */
export interface ScrapedComponents {
  readonly kafka: KafkaCluster;
  readonly airflow: Airflow;
  readonly mlflow: Mlflow;
  readonly sparkOperator: SparkOperator;
}

/** kube-prometheus-stack: Prometheus, Alertmanager and Grafana, scraping every platform component. */
export function addObservability(
  { scope, environment, props, placement, namespace, secretStore }: PlatformContext,
  storageClass: string,
  { kafka, airflow, mlflow, sparkOperator }: ScrapedComponents,
): Observability {
  return new Observability(scope, 'Observability', {
    namespace: namespace('monitoring'),
    nodeExporterNamespace: namespace('node-exporter'),
    values: props.values('kube-prometheus-stack'),
    placement: placement.general,
    storageClass,
    retentionDays: environment.platform.observability.retentionDays,
    storageGiB: environment.platform.observability.storageGiB,
    highlyAvailable: environment.production,
    grafanaAdminSecretName: props.secrets.grafanaAdmin,
    storeName: secretStore.name,
    alerting: environment.platform.observability.alerting,
    scrapeTargets: {
      kafka: { namespace: kafka.namespace, clusterName: kafka.clusterName, kafkaExporter: true },
      airflow: { namespace: airflow.namespace, releaseName: airflow.releaseName },
      sparkOperator: { namespace: namespace('spark-operator'), releaseName: sparkOperator.release.releaseName },
      sparkJobs: { namespace: sparkOperator.jobNamespace, podLabels: SPARK_METRICS_LABELS, paths: Object.values(SPARK_METRICS_PATHS) },
      kserve: { namespace: namespace('kserve') },
      mlflow: { namespace: mlflow.namespace, podLabels: mlflow.podLabels, port: mlflow.metricsPortName },
    },
    dependsOn: [secretStore.ready],
  });
}
