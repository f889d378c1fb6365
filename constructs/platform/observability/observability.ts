import type { CacheableRegistry } from '../../images/cacheable-registries';
import type { ChartImages } from '../../images/image-mirror';

import { Construct } from 'constructs';
import { HelmRelease } from '../../helm/helm-release';
import { ManifestsRelease } from '../../helm/manifests-release';
import { mergeValues, type HelmValues, valuesAt } from '../../helm/values';
import type { KubernetesObject } from '../../kubernetes/objects';
import { externalSecret } from '../external-secrets';
import { alertmanagerValues, checkAlerting, receiverSecret } from './alerting';
import { platformRules, REPLACED_DEFAULT_ALERTS } from './alert-rules';
import { kafkaDashboard, modelsDashboard, pipelinesDashboard, workflowDashboard } from './dashboards';
import { scrapeMonitors } from './scrape-targets';
import { portAt, type Endpoint } from '../../kubernetes/endpoint';
import { DEFAULT_SECRET_STORE } from '../component';
import type { ObservabilityProps } from './props';
import { checkMerged, SELECTED, validate } from './validation';

const PROMETHEUS_PORT = 9090;
const ALERTMANAGER_PORT = 9093;
const GRAFANA_PORT = 80;

/**
 * Cluster monitoring with kube-prometheus-stack 88.5.3: the Prometheus operator, Prometheus and Alertmanager
 * on encrypted persistent volumes, Grafana with the chart's dashboards and its admin login from Secrets
 * Manager, kube-state-metrics, and node-exporter on every node. Prometheus selects monitors and rules from
 * all namespaces; the platform's own monitors, alerts and dashboards (Kafka, workflows) come in a release
 * after the chart's (they need its CRDs). Everything is ClusterIP.
 */
export class Observability extends Construct {
  static readonly CHART = {
    repository: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '88.5.3',
  };
  /** The chart's image keys (its own and its subcharts'), pointed at an {@link ImageMirror}. */
  static readonly IMAGES: ChartImages = (mirror) => {
    const registries: Record<CacheableRegistry, string[]> = {
      'quay.io': [
        'alertmanager.alertmanagerSpec',
        'prometheusOperator',
        'prometheusOperator.prometheusConfigReloader',
        'prometheusOperator.admissionWebhooks.deployment',
        'prometheus.prometheusSpec',
        'thanosRuler.thanosRulerSpec',
        'grafana.sidecar',
        'kube-state-metrics.kubeRBACProxy',
        'prometheus-node-exporter',
        'prometheus-node-exporter.kubeRBACProxy',
        'prometheus-node-exporter.permissionInitContainer',
      ],
      'ghcr.io': ['prometheusOperator.admissionWebhooks.patch'],
      'registry.k8s.io': ['crds.upgradeJob.image.kubectl', 'kube-state-metrics'],
      'docker.io': ['crds.upgradeJob.image.busybox', 'grafana', 'grafana.initChownData', 'grafana.imageRenderer', 'grafana.testFramework'],
      'public.ecr.aws': [],
    };
    return valuesAt({
      'prometheusOperator.thanosImage.registry': mirror.registry('quay.io'),
      'grafana.downloadDashboardsImage.registry': mirror.registry('docker.io'),
      ...Object.fromEntries(
        Object.entries(registries).flatMap(([registry, owners]) =>
          // `crds.upgradeJob.image.<name>` holds its registry directly; every other owner under `image`.
          owners.map((owner) => [
            `${owner}${owner.startsWith('crds.') ? '' : '.image'}.registry`,
            mirror.registry(registry as CacheableRegistry),
          ]),
        ),
      ),
    });
  };
  readonly namespace: string;
  /** In-cluster Prometheus API, e.g. for Grafana data sources elsewhere or KEDA. */
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  readonly grafanaUrl: string;
  /** Grafana's Service, behind the load balancer. */
  readonly grafana: Endpoint;
  /** The Prometheus operator's admission webhook (rules), which the API server calls. */
  readonly operatorWebhook: Endpoint;
  /** Kubernetes Secret with `admin-user` and `admin-password`, in {@link namespace}. */
  readonly grafanaAdminSecretName: string;
  /** The chart's release: depend on it before installing ServiceMonitors, PodMonitors or PrometheusRules. */
  readonly release: HelmRelease;
  /** The Grafana admin ExternalSecret, installed before the chart. */
  readonly prerequisites: ManifestsRelease;
  /** The platform's monitors, alert rules and dashboards, installed after the chart. */
  readonly monitoring: ManifestsRelease;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const where = this.node.path;
    const resolved = {
      releaseName: props.releaseName ?? 'monitoring',
      storageClass: props.storageClass ?? 'gp3-encrypted',
      retentionDays: props.retentionDays ?? 15,
      storageGiB: props.storageGiB ?? 50,
      alertmanagerStorageGiB: props.alertmanagerStorageGiB ?? 2,
      storeName: props.storeName ?? DEFAULT_SECRET_STORE,
      nodeExporterNamespace: props.nodeExporterNamespace ?? props.namespace,
      scrapeTargets: props.scrapeTargets ?? {},
    };
    validate(where, props, resolved);
    if (props.alerting) checkAlerting(where, props.alerting);
    const { releaseName, storageClass, retentionDays, storageGiB, alertmanagerStorageGiB, storeName, scrapeTargets } = resolved;
    const { namespace, placement } = props;
    // Highly available: 2 Prometheus and 3 Alertmanager replicas with disruption budgets, spread over zones.
    const highlyAvailable = props.highlyAvailable ?? false;
    this.namespace = namespace;

    this.grafanaAdminSecretName = `${releaseName}-grafana-admin`;
    this.prerequisites = new ManifestsRelease(this, 'Prerequisites', {
      releaseName: `${releaseName}-prerequisites`,
      namespace,
      manifests: [
        externalSecret({
          name: this.grafanaAdminSecretName,
          namespace,
          storeName,
          data: {
            'admin-user': { key: props.grafanaAdminSecretName, property: 'admin_user' },
            'admin-password': { key: props.grafanaAdminSecretName, property: 'admin_password' },
          },
        }),
        ...(props.alerting ? [receiverSecret(props.alerting, namespace, storeName)] : []),
      ],
      dependsOn: props.dependsOn,
    });

    const placed = { nodeSelector: placement.nodeSelector, tolerations: placement.tolerations };
    const volume = (gib: number) => ({
      volumeClaimTemplate: {
        spec: { storageClassName: storageClass, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${gib}Gi` } } },
      },
    });
    // The chart builds anti-affinity with the operator's pod labels; across zones where highly available, where the
    // replicas exist to survive one zone's loss.
    const antiAffinity = {
      podAntiAffinity: 'soft',
      podAntiAffinityTopologyKey: highlyAvailable ? 'topology.kubernetes.io/zone' : 'kubernetes.io/hostname',
    };
    const budget = { enabled: highlyAvailable, minAvailable: 1 };
    const computed: HelmValues = {
      fullnameOverride: releaseName,
      defaultRules: { disabled: Object.fromEntries(REPLACED_DEFAULT_ALERTS.map((alert) => [alert, true])) },
      prometheusOperator: { ...placed, admissionWebhooks: { patch: { ...placed } } },
      prometheus: {
        service: { type: 'ClusterIP' },
        ingress: { enabled: false },
        podDisruptionBudget: budget,
        prometheusSpec: {
          // Two identical Prometheus servers scrape the same targets; Grafana and Alertmanager tolerate either.
          replicas: highlyAvailable ? 2 : 1,
          retention: `${retentionDays}d`,
          // Prometheus's sizes are binary (GB = GiB); the margin leaves room for the WAL and compaction.
          retentionSize: `${Math.floor(storageGiB * 0.85)}GB`,
          storageSpec: volume(storageGiB),
          ...placed,
          ...antiAffinity,
          // With `true`, empty selectors would mean "this release's label only"; monitors and rules of other
          // charts and of the platform carry no such label. Empty namespace selectors already mean all.
          ...Object.fromEntries(SELECTED.flatMap((kind) => [[`${kind}SelectorNilUsesHelmValues`, false]])),
        },
      },
      alertmanager: mergeValues(
        {
          service: { type: 'ClusterIP' },
          ingress: { enabled: false },
          podDisruptionBudget: budget,
          alertmanagerSpec: { replicas: highlyAvailable ? 3 : 1, storage: volume(alertmanagerStorageGiB), ...placed, ...antiAffinity },
        },
        props.alerting && alertmanagerValues(props.alerting),
      ),
      grafana: {
        // One replica: Grafana's sessions and UI changes live in its SQLite file; a second replica needs a shared
        // database. Dashboards, data sources and the admin login are provisioned, so a restart loses nothing.
        replicas: 1,
        persistence: { enabled: false },
        ...placed,
        service: { type: 'ClusterIP' },
        ingress: { enabled: false },
        defaultDashboardsEnabled: true,
        admin: { existingSecret: this.grafanaAdminSecretName, userKey: 'admin-user', passwordKey: 'admin-password' },
      },
      'kube-state-metrics': { ...placed },
      'prometheus-node-exporter': {
        namespaceOverride: resolved.nodeExporterNamespace,
        // Every node, whatever its taints: compute and storage nodes need their metrics most.
        tolerations: [{ operator: 'Exists' }],
      },
    };

    this.release = new HelmRelease(this, 'Release', {
      releaseName,
      namespace,
      chart: Observability.CHART,
      images: Observability.IMAGES,
      values: { ...props.values, computed, overrides: props.overrides },
      dependsOn: [this.prerequisites.helmRelease.release],
    });
    checkMerged(where, this.release.values);
    const values = this.release.values;
    this.grafana = {
      namespace,
      service: `${releaseName}-grafana`,
      port: portAt(values, 'grafana.service.port', 80),
      targetPort: portAt(values, 'grafana.service.targetPort', 3000),
    };
    this.operatorWebhook = {
      namespace,
      service: `${releaseName}-operator`,
      port: 443,
      targetPort: portAt(values, 'prometheusOperator.tls.internalPort', 10250),
    };

    const manifests: KubernetesObject[] = [
      ...scrapeMonitors(scrapeTargets),
      platformRules(`${releaseName}-platform`, namespace, scrapeTargets),
    ];
    if (scrapeTargets.kafka) {
      manifests.push(
        kafkaDashboard(
          `${releaseName}-dashboard-kafka`,
          namespace,
          scrapeTargets.kafka.namespace,
          scrapeTargets.kafka.kafkaExporter ?? false,
        ),
      );
    }
    const workflows = workflowDashboard(`${releaseName}-dashboard-workflows`, namespace, scrapeTargets);
    if (workflows) manifests.push(workflows);
    if (scrapeTargets.modelServers)
      manifests.push(modelsDashboard(`${releaseName}-dashboard-models`, namespace, scrapeTargets.modelServers));
    if (scrapeTargets.pipelineResults)
      manifests.push(pipelinesDashboard(`${releaseName}-dashboard-pipelines`, namespace, scrapeTargets.pipelineResults));
    this.monitoring = new ManifestsRelease(this, 'Monitoring', {
      releaseName: `${releaseName}-platform`,
      namespace,
      manifests,
      dependsOn: [this.release.release],
    });

    const url = (service: string, port: number) => `http://${releaseName}-${service}.${namespace}.svc:${port}`;
    this.prometheusUrl = url('prometheus', PROMETHEUS_PORT);
    this.alertmanagerUrl = url('alertmanager', ALERTMANAGER_PORT);
    this.grafanaUrl = url('grafana', GRAFANA_PORT);
  }
}
