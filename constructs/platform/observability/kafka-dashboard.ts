import type { KubernetesObject } from '../../kubernetes/objects';

/** Label Grafana's dashboard sidecar watches for (in every namespace). */
export const DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;

/**
 * A small Kafka overview dashboard as a ConfigMap Grafana's sidecar loads: under-replicated partitions and
 * bytes in per broker, and consumer lag when the Kafka Exporter runs. Strimzi's full dashboards can be
 * added the same way.
 */
export function kafkaDashboard(name: string, namespace: string, kafkaNamespace: string, withLag: boolean): KubernetesObject {
  const panel = (id: number, title: string, expr: string, x: number) => ({
    id,
    title,
    type: 'timeseries',
    datasource: { type: 'prometheus', uid: 'prometheus' },
    gridPos: { h: 8, w: 12, x, y: Math.floor((id - 1) / 2) * 8 },
    targets: [{ refId: 'A', expr, legendFormat: '{{pod}}{{consumergroup}}' }],
  });
  const panels = [
    panel(
      1,
      'Under-replicated partitions',
      `sum by (pod) (kafka_server_replicamanager_underreplicatedpartitions{namespace="${kafkaNamespace}"})`,
      0,
    ),
    panel(
      2,
      'Bytes in per second',
      `sum by (pod) (rate(kafka_server_brokertopicmetrics_bytesin_total{namespace="${kafkaNamespace}"}[5m]))`,
      12,
    ),
  ];
  if (withLag) panels.push(panel(3, 'Consumer lag', `sum by (consumergroup) (kafka_consumergroup_lag{namespace="${kafkaNamespace}"})`, 0));
  const dashboard = {
    uid: 'platform-kafka',
    title: 'Platform / Kafka',
    schemaVersion: 39,
    tags: ['kafka', 'platform'],
    time: { from: 'now-6h', to: 'now' },
    panels,
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { ...DASHBOARD_LABEL } },
    data: { 'platform-kafka.json': JSON.stringify(dashboard) },
  };
}
