import type { Airflow } from '../../constructs/platform/airflow';
import { ContainerLogs } from '../../constructs/platform/logging';
import type { KafkaCluster, SchemaRegistry } from '../../constructs/platform/kafka';
import type { Mlflow } from '../../constructs/platform/mlflow';
import { Observability } from '../../constructs/platform/observability';
import { MLSERVER_METRICS_LABELS, MLSERVER_METRICS_PORT, servedByMlserver } from '../../constructs/platform/serving/inference-service';
import { SPARK_METRICS_LABELS, SPARK_METRICS_PATHS, type SparkOperator } from '../../constructs/platform/spark';
import { WORKLOADS } from '../catalogue';
import type { PlatformContext } from './context';

/** What Prometheus scrapes, besides the cluster itself. */
export interface ScrapedComponents {
  readonly kafka: KafkaCluster;
  readonly schemaRegistry: SchemaRegistry;
  readonly airflow: Airflow;
  readonly mlflow: Mlflow;
  readonly sparkOperator: SparkOperator;
}

/** kube-prometheus-stack: Prometheus, Alertmanager and Grafana, scraping every platform component. */
export function addObservability(
  { scope, environment, props, placement, namespace, secretStore }: PlatformContext,
  storageClass: string,
  { kafka, schemaRegistry, airflow, mlflow, sparkOperator }: ScrapedComponents,
): Observability {
  // Scraped only where MLServer serves a model (a configured one, or a pipeline's): its metrics port is MLServer's own.
  const mlserverModels =
    Object.values(environment.platform.serving.models).some((model) => servedByMlserver(model)) ||
    Object.keys(environment.platform.pipelines).length > 0;
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
      schemaRegistry: { namespace: schemaRegistry.namespace, podLabels: schemaRegistry.podLabels, port: 'metrics' },
      airflow: { namespace: airflow.namespace, releaseName: airflow.releaseName },
      sparkOperator: { namespace: namespace('spark-operator'), releaseName: sparkOperator.release.releaseName },
      sparkJobs: { namespaces: sparkOperator.jobNamespaces, podLabels: SPARK_METRICS_LABELS, paths: Object.values(SPARK_METRICS_PATHS) },
      kserve: { namespace: namespace('kserve') },
      mlflow: { namespace: mlflow.namespace, podLabels: mlflow.podLabels, port: mlflow.metricsPortName },
      ...(Object.keys(environment.platform.pipelines).length > 0 ? { pipelineResults: { namespace: namespace('monitoring') } } : {}),
      ...(mlserverModels
        ? {
            modelServers: {
              namespace: namespace(WORKLOADS.modelServing.namespace),
              podLabels: MLSERVER_METRICS_LABELS,
              port: MLSERVER_METRICS_PORT,
            },
          }
        : {}),
    },
    dependsOn: [secretStore.ready],
  });
}

/** Fluent Bit on every node, shipping every container's log to the environment's CloudWatch log group. */
export function addContainerLogs({ scope, environment, props, namespace }: PlatformContext, observability: Observability): ContainerLogs {
  return new ContainerLogs(scope, 'ContainerLogs', {
    namespace: namespace(WORKLOADS.containerLogs.namespace),
    values: props.values('aws-for-fluent-bit'),
    logGroupName: props.containerLogGroup,
    region: environment.aws.region,
    roleArn: props.roles.containerLogs,
    serviceAccountName: WORKLOADS.containerLogs.serviceAccounts[0],
    dependsOn: [observability.release.release],
  });
}
