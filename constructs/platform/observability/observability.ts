import type { CacheableRegistry } from '../../images/cacheable-registries';
import type { ChartImages } from '../../images/image-mirror';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { HelmRelease } from '../../helm/helm-release';
import { ManifestsRelease } from '../../helm/manifests-release';
import { requireResources, valueAt, type HelmValues, valuesAt } from '../../helm/values';
import type { KubernetesObject } from '../../kubernetes/objects';
import { externalSecret } from '../external-secrets';
import { platformRules, REPLACED_DEFAULT_ALERTS } from './alert-rules';
import { kafkaDashboard, workflowDashboard } from './dashboards';
import { scrapeMonitors, type ScrapeTargets } from './scrape-targets';
import { portAt, type Endpoint } from '../../kubernetes/endpoint';
import { type AvailabilityProps, type ChartComponentProps, DEFAULT_SECRET_STORE, type SecretStoreProps } from '../component';

/** Props of {@link Observability}. */
export interface ObservabilityProps extends ChartComponentProps, Pick<AvailabilityProps, 'highlyAvailable'>, SecretStoreProps {
  /** Also the chart's `fullnameOverride`, so Services are `<releaseName>-prometheus` etc. @default 'monitoring' */
  readonly releaseName?: string;
  /**
   * Namespace of the node-exporter DaemonSet. It needs host networking, the host PID namespace and host paths,
   * so its namespace must enforce Pod Security `privileged`; a namespace of its own keeps the rest `restricted`.
   * @default the release namespace (which then must be `privileged`)
   */
  readonly nodeExporterNamespace?: string;
  /** StorageClass of the Prometheus and Alertmanager volumes (encrypted EBS). @default 'gp3-encrypted' */
  readonly storageClass?: string;
  /** Days Prometheus keeps samples. @default 15 */
  readonly retentionDays?: number;
  /** Volume per Prometheus replica; Prometheus also stops at 85 % of it (`retentionSize`). @default 50 */
  readonly storageGiB?: number;
  /** Volume per Alertmanager replica (silences and notification log). @default 2 */
  readonly alertmanagerStorageGiB?: number;
  /** Secrets Manager secret (name or ARN) with `admin_user` and `admin_password` of Grafana's admin. */
  readonly grafanaAdminSecretName: string;
  /** Platform components to scrape and alert on. @default none: Kubernetes and the stack itself only */
  readonly scrapeTargets?: ScrapeTargets;
}

const PROMETHEUS_PORT = 9090;
const ALERTMANAGER_PORT = 9093;
const GRAFANA_PORT = 80;

/** Containers that must have requests and limits in the merged values (dotted paths to their `resources`). */
const RESOURCED = [
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

/** Kinds of monitoring objects Prometheus must pick up from every namespace, not only this release's. */
const SELECTED = ['rule', 'serviceMonitor', 'podMonitor', 'probe', 'scrapeConfig'];

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
      alertmanager: {
        service: { type: 'ClusterIP' },
        ingress: { enabled: false },
        podDisruptionBudget: budget,
        alertmanagerSpec: { replicas: highlyAvailable ? 3 : 1, storage: volume(alertmanagerStorageGiB), ...placed, ...antiAffinity },
      },
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

type Resolved = {
  readonly releaseName: string;
  readonly storageClass: string;
  readonly retentionDays: number;
  readonly storageGiB: number;
  readonly alertmanagerStorageGiB: number;
  readonly storeName: string;
  readonly nodeExporterNamespace: string;
  readonly scrapeTargets: ScrapeTargets;
};

function validate(where: string, props: ObservabilityProps, p: Resolved): void {
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

  const { kafka, airflow, sparkOperator, sparkJobs, kserve, mlflow } = p.scrapeTargets;
  for (const [prop, value] of [
    ['scrapeTargets.kafka.namespace', kafka?.namespace],
    ['scrapeTargets.kafka.clusterName', kafka?.clusterName],
    ['scrapeTargets.airflow.namespace', airflow?.namespace],
    ['scrapeTargets.airflow.releaseName', airflow?.releaseName],
    ['scrapeTargets.sparkOperator.namespace', sparkOperator?.namespace],
    ['scrapeTargets.sparkOperator.releaseName', sparkOperator?.releaseName],
    ['scrapeTargets.sparkJobs.namespace', sparkJobs?.namespace],
    ['scrapeTargets.kserve.namespace', kserve?.namespace],
    ['scrapeTargets.mlflow.namespace', mlflow?.namespace],
  ] as const) {
    if (value !== undefined) label(prop, value);
  }
  for (const path of sparkJobs?.paths ?? []) {
    if (!/^\/[\w/.-]*$/.test(path)) fail(`scrapeTargets.sparkJobs.paths: '${path}' must be an absolute URL path`);
  }
  if (sparkJobs?.paths.length === 0) fail('scrapeTargets.sparkJobs.paths must name at least one metrics path');
  if (mlflow) {
    if (Object.keys(mlflow.podLabels).length === 0) fail('scrapeTargets.mlflow.podLabels must select the MLflow pods: it is empty');
    if (!/^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/.test(mlflow.port))
      fail(`scrapeTargets.mlflow.port '${mlflow.port}' must be a container port name`);
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
function checkMerged(where: string, values: HelmValues): void {
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
