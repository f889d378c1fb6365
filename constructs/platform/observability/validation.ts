import { Token } from 'cdktf';
import { requireResources, valueAt, type HelmValues } from '../../helm/values';
import type { ObservabilityProps } from './props';
import type { ScrapeTargets } from './scrape-targets';

// What the monitoring stack's props and merged values must satisfy.

/** Kinds of monitoring objects Prometheus must pick up from every namespace, not only this release's. */
export const SELECTED = ['rule', 'serviceMonitor', 'podMonitor', 'probe', 'scrapeConfig'];

/** Containers that must have requests and limits in the merged values (dotted paths to their `resources`). */
export const RESOURCED = [
  'prometheusOperator',
  'prometheusOperator.prometheusConfigReloader',
  'prometheusOperator.admissionWebhooks.patch',
  'prometheus.prometheusSpec',
  'alertmanager.alertmanagerSpec',
  'grafana',
  'grafana.sidecar',
  'kube-state-metrics',
  'prometheus-node-exporter',
];

export type Resolved = {
  readonly releaseName: string;
  readonly storageClass: string;
  readonly retentionDays: number;
  readonly storageGiB: number;
  readonly alertmanagerStorageGiB: number;
  readonly storeName: string;
  readonly nodeExporterNamespace: string;
  readonly scrapeTargets: ScrapeTargets;
};

export function validate(where: string, props: ObservabilityProps, p: Resolved): void {
  const fail = (message: string) => {
    throw new Error(`${where}: ${message}`);
  };
  const known = (value: string) => !Token.isUnresolved(value);
  const label = (prop: string, value: string, max = 63) => {
    if (known(value) && !new RegExp(`^[a-z0-9]([-a-z0-9]{0,${max - 2}}[a-z0-9])?$`).test(value))
      fail(`${prop} '${value}' must be a lower-case DNS label of at most ${max} characters`);
  };
  // The chart truncates its full name to 26 characters: a longer name would not match the URLs exposed here.
  label('releaseName', p.releaseName, 26);
  label('namespace', props.namespace);
  label('nodeExporterNamespace', p.nodeExporterNamespace);
  label('storageClass', p.storageClass, 253);
  const whole = (prop: string, value: number, min: number, max: number, unit: string) => {
    if (!Number.isInteger(value) || value < min || value > max)
      fail(`${prop} must be a whole number of ${unit} from ${min} to ${max} (got ${value})`);
  };
  whole('retentionDays', p.retentionDays, 1, 365, 'days');
  whole('storageGiB', p.storageGiB, 10, 16384, 'GiB');
  whole('alertmanagerStorageGiB', p.alertmanagerStorageGiB, 1, 100, 'GiB');
  if (props.grafanaAdminSecretName.trim() === '') fail('grafanaAdminSecretName must name a Secrets Manager secret');
  if (p.storeName.trim() === '') fail('storeName must name a ClusterSecretStore');

  const { kafka, airflow, sparkOperator, sparkJobs, kserve, mlflow, modelServers, schemaRegistry } = p.scrapeTargets;
  for (const [prop, value] of [
    ['scrapeTargets.kafka.namespace', kafka?.namespace],
    ['scrapeTargets.kafka.clusterName', kafka?.clusterName],
    ['scrapeTargets.airflow.namespace', airflow?.namespace],
    ['scrapeTargets.airflow.releaseName', airflow?.releaseName],
    ['scrapeTargets.sparkOperator.namespace', sparkOperator?.namespace],
    ['scrapeTargets.sparkOperator.releaseName', sparkOperator?.releaseName],
    ...(sparkJobs?.namespaces ?? []).map((namespace, i) => [`scrapeTargets.sparkJobs.namespaces.${i}`, namespace] as const),
    ['scrapeTargets.kserve.namespace', kserve?.namespace],
    ['scrapeTargets.mlflow.namespace', mlflow?.namespace],
    ['scrapeTargets.modelServers.namespace', modelServers?.namespace],
    ['scrapeTargets.schemaRegistry.namespace', schemaRegistry?.namespace],
  ] as const) {
    if (value !== undefined) label(prop, value);
  }
  for (const path of sparkJobs?.paths ?? []) {
    if (!/^\/[\w/.-]*$/.test(path)) fail(`scrapeTargets.sparkJobs.paths: '${path}' must be an absolute URL path`);
  }
  if (sparkJobs?.paths.length === 0) fail('scrapeTargets.sparkJobs.paths must name at least one metrics path');
  if (sparkJobs?.namespaces.length === 0) fail('scrapeTargets.sparkJobs.namespaces must name at least one namespace');
  if (mlflow) {
    if (Object.keys(mlflow.podLabels).length === 0) fail('scrapeTargets.mlflow.podLabels must select the MLflow pods: it is empty');
    if (!/^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/.test(mlflow.port))
      fail(`scrapeTargets.mlflow.port '${mlflow.port}' must be a container port name`);
  }
  if (modelServers) {
    if (Object.keys(modelServers.podLabels).length === 0)
      fail('scrapeTargets.modelServers.podLabels must select the model server pods: it is empty');
    if (!Number.isInteger(modelServers.port) || modelServers.port < 1 || modelServers.port > 65535)
      fail(`scrapeTargets.modelServers.port must be a port number (got ${modelServers.port})`);
  }
  const lag = kafka?.consumerLagThreshold;
  if (lag !== undefined) {
    if (!kafka?.kafkaExporter)
      fail('scrapeTargets.kafka.consumerLagThreshold needs kafkaExporter: true (lag comes from the Kafka Exporter)');
    if (!Number.isInteger(lag) || lag < 1)
      fail(`scrapeTargets.kafka.consumerLagThreshold must be a positive whole number of messages (got ${lag})`);
  }
}

/** What the values files and overrides must not undo. */
export function checkMerged(where: string, values: HelmValues): void {
  const at = (path: string) => valueAt(values, path);
  for (const component of ['prometheus', 'alertmanager', 'grafana']) {
    const type = (at(`${component}.service.type`) as string | undefined) ?? 'ClusterIP';
    if (type !== 'ClusterIP')
      throw new Error(`${where}: ${component}.service.type must stay ClusterIP (got ${type}); there is no ingress yet`);
    if (at(`${component}.ingress.enabled`))
      throw new Error(`${where}: ${component}.ingress.enabled must stay false; there is no ingress yet`);
  }
  for (const kind of SELECTED) {
    if (at(`prometheus.prometheusSpec.${kind}SelectorNilUsesHelmValues`) !== false)
      throw new Error(
        `${where}: prometheus.prometheusSpec.${kind}SelectorNilUsesHelmValues must stay false, or monitors of other releases are ignored`,
      );
  }
  requireResources(where, values, RESOURCED, { source: 'values/kube-prometheus-stack.yaml' });
}
