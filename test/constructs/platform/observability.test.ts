import { TerraformVariable } from 'cdktf';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { mergeValues, type HelmValues } from '../../../constructs/helm/values';
import type { KubernetesObject, Placement } from '../../../constructs/kubernetes/objects';
import {
  alertGroups,
  alertmanagerValues,
  Observability,
  RECEIVER_SECRET,
  receiverSecretNames,
  type Alerting,
  REPLACED_DEFAULT_ALERTS,
  type ObservabilityProps,
  type ScrapeTargets,
} from '../../../constructs/platform/observability';
import { loadValuesFiles } from '../../../constructs/helm/values-files';
import { MLSERVER_METRICS_LABELS, MLSERVER_METRICS_PORT } from '../../../constructs/platform/serving/inference-service';
import { chartDefaults, chartVersion, unknownKeys, KUBE_PROMETHEUS_FREE_FORM } from '../../support/chart-values';
import { resources, synthScope, type StackJson } from '../../support/synth';
import { vendoredChart } from '../../support/vendored';

const GENERAL: Placement = {
  nodeSelector: { 'mlops-platform/node-pool': 'general' },
  tolerations: [{ key: 'mlops-platform/node-pool', operator: 'Equal', value: 'general', effect: 'NoSchedule' }],
};
const ADMIN_SECRET = 'mlops-test/grafana/admin';
const ALL_TARGETS: ScrapeTargets = {
  kafka: { namespace: 'kafka', clusterName: 'platform', kafkaExporter: true },
  airflow: { namespace: 'airflow', releaseName: 'airflow' },
  sparkOperator: { namespace: 'spark-operator', releaseName: 'spark-operator' },
  sparkJobs: {
    namespaces: ['spark-jobs', 'team-a'],
    podLabels: { 'mlops-platform/metrics': 'spark' },
    paths: ['/metrics/prometheus', '/metrics/executors/prometheus'],
  },
  kserve: { namespace: 'kserve' },
  schemaRegistry: { namespace: 'kafka', podLabels: { 'app.kubernetes.io/name': 'schema-registry' }, port: 'metrics' },
  pipelineResults: { namespace: 'monitoring' },
  mlflow: {
    namespace: 'mlflow',
    podLabels: { 'app.kubernetes.io/name': 'mlflow', 'app.kubernetes.io/instance': 'mlflow' },
    port: 'mlflow',
  },
  modelServers: { namespace: 'model-serving', podLabels: MLSERVER_METRICS_LABELS, port: MLSERVER_METRICS_PORT },
};

const FREE_FORM = KUBE_PROMETHEUS_FREE_FORM;

type Built = { observability: Observability; json: StackJson };

function build(props: Partial<ObservabilityProps> = {}, environment = 'dev'): Built {
  let observability: Observability | undefined;
  const json = synthScope((scope) => {
    observability = new Observability(scope, 'Observability', {
      namespace: 'monitoring',
      values: loadValuesFiles('kube-prometheus-stack', environment),
      placement: GENERAL,
      nodeExporterNamespace: 'node-exporter',
      grafanaAdminSecretName: ADMIN_SECRET,
      scrapeTargets: ALL_TARGETS,
      ...props,
    });
  });
  return { observability: observability!, json };
}

const attempt = (props: Partial<ObservabilityProps>) => () => void build(props);
const at = (values: HelmValues, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as HelmValues | undefined)?.[k], values);
const releaseNamed = (json: StackJson, name: string) => {
  const found = Object.entries(resources(json, 'helm_release')).find(([, r]) => r.name === name);
  if (!found) throw new Error(`no helm_release ${name}`);
  return { id: found[0], resource: found[1] };
};
const find = (manifests: KubernetesObject[], kind: string, name: string): KubernetesObject & { spec: HelmValues } => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as KubernetesObject & { spec: HelmValues };
};

describe('Observability', () => {
  it("exposes Grafana's Service and the operator's webhook as endpoints that follow the values", () => {
    const { observability } = build();
    expect(observability.grafana).toEqual({ namespace: 'monitoring', service: 'monitoring-grafana', port: 80, targetPort: 3000 });
    expect(observability.operatorWebhook).toEqual({
      namespace: 'monitoring',
      service: 'monitoring-operator',
      port: 443,
      targetPort: 10250,
    });
    // A port changed in values moves the endpoint, and with it the network policy and the route built from it.
    const moved = build({ overrides: { grafana: { service: { port: 8080, targetPort: 3001 } } } }).observability;
    expect(moved.grafana).toMatchObject({ port: 8080, targetPort: 3001 });
  });

  it('pins the vendored chart from its upstream repository', () => {
    expect(Observability.CHART).toEqual({
      repository: 'https://prometheus-community.github.io/helm-charts',
      chart: 'kube-prometheus-stack',
      version: chartVersion('kube-prometheus-stack'),
    });
  });

  it('uses only keys the chart knows, in dev and production', () => {
    expect(unknownKeys('kube-prometheus-stack', build().observability.release.values, FREE_FORM)).toEqual([]);
    expect(unknownKeys('kube-prometheus-stack', build({ highlyAvailable: true }, 'prod').observability.release.values, FREE_FORM)).toEqual(
      [],
    );
  });

  it('would catch a misspelt key', () => {
    const { values } = build().observability.release;
    const prometheus = values.prometheus as HelmValues;
    const typo = {
      ...values,
      prometheus: { ...prometheus, prometheusSpec: { ...(prometheus.prometheusSpec as HelmValues), retension: '1d' } },
    };
    expect(unknownKeys('kube-prometheus-stack', typo, FREE_FORM)).toEqual(['prometheus.prometheusSpec.retension']);
    expect(
      unknownKeys('kube-prometheus-stack', { ...values, grafana: { ...(values.grafana as HelmValues), replica: 2 } }, FREE_FORM),
    ).toEqual(['grafana.replica']);
  });

  it('keeps Prometheus on encrypted persistent volumes with the retention asked for', () => {
    const spec = at(
      build({ retentionDays: 30, storageGiB: 100, storageClass: 'gp3-encrypted' }).observability.release.values,
      'prometheus.prometheusSpec',
    ) as HelmValues;
    expect(spec.retention).toBe('30d');
    expect(spec.retentionSize).toBe('85GB');
    expect(spec.storageSpec).toEqual({
      volumeClaimTemplate: {
        spec: { storageClassName: 'gp3-encrypted', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } } },
      },
    });
    const { values } = build().observability.release;
    expect(at(values, 'prometheus.prometheusSpec.retention')).toBe('15d');
    expect(at(values, 'prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage')).toBe('50Gi');
    expect(at(values, 'alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName')).toBe('gp3-encrypted');
    expect(at(values, 'alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec.resources.requests.storage')).toBe('2Gi');
  });

  it('selects monitors and rules of every release and namespace', () => {
    // As Helm sees them: over the chart's defaults.
    const spec = at(
      mergeValues(chartDefaults('kube-prometheus-stack'), build().observability.release.values),
      'prometheus.prometheusSpec',
    ) as HelmValues;
    for (const kind of ['rule', 'serviceMonitor', 'podMonitor', 'probe', 'scrapeConfig']) {
      expect(spec[`${kind}SelectorNilUsesHelmValues`], kind).toBe(false);
      expect(spec[`${kind}Selector`], kind).toEqual({});
      expect(spec[`${kind}NamespaceSelector`], kind).toEqual({});
    }
    // The chart's defaults would select only its own release's label.
    expect(at(chartDefaults('kube-prometheus-stack'), 'prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues')).toBe(true);
  });

  it('places everything but node-exporter on the general pool; node-exporter tolerates every taint', () => {
    const { values } = build().observability.release;
    for (const path of [
      'prometheusOperator',
      'prometheusOperator.admissionWebhooks.patch',
      'prometheus.prometheusSpec',
      'alertmanager.alertmanagerSpec',
      'grafana',
      'kube-state-metrics',
    ]) {
      expect(at(values, `${path}.nodeSelector`), path).toEqual(GENERAL.nodeSelector);
      expect(at(values, `${path}.tolerations`), path).toEqual(GENERAL.tolerations);
    }
    expect(at(values, 'prometheus-node-exporter.nodeSelector')).toBeUndefined();
    expect(at(values, 'prometheus-node-exporter.tolerations')).toEqual([{ operator: 'Exists' }]);
    expect(at(values, 'prometheus-node-exporter.namespaceOverride')).toBe('node-exporter');
    expect(at(build({ nodeExporterNamespace: undefined }).observability.release.values, 'prometheus-node-exporter.namespaceOverride')).toBe(
      'monitoring',
    );
  });

  it('runs Prometheus twice and Alertmanager three times in production, with budgets and zone anti-affinity', () => {
    const prod = build({ highlyAvailable: true }, 'prod').observability.release.values;
    expect(at(prod, 'prometheus.prometheusSpec.replicas')).toBe(2);
    expect(at(prod, 'alertmanager.alertmanagerSpec.replicas')).toBe(3);
    for (const component of ['prometheus', 'alertmanager']) {
      expect(at(prod, `${component}.podDisruptionBudget`)).toMatchObject({ enabled: true, minAvailable: 1 });
    }
    expect(at(prod, 'prometheus.prometheusSpec.podAntiAffinity')).toBe('soft');
    expect(at(prod, 'prometheus.prometheusSpec.podAntiAffinityTopologyKey')).toBe('topology.kubernetes.io/zone');
    expect(at(prod, 'alertmanager.alertmanagerSpec.podAntiAffinityTopologyKey')).toBe('topology.kubernetes.io/zone');

    const dev = build().observability.release.values;
    expect(at(dev, 'prometheus.prometheusSpec.replicas')).toBe(1);
    expect(at(dev, 'alertmanager.alertmanagerSpec.replicas')).toBe(1);
    expect(at(dev, 'prometheus.podDisruptionBudget.enabled')).toBe(false);
    // Grafana keeps sessions in SQLite: one replica everywhere.
    expect(at(prod, 'grafana.replicas')).toBe(1);
  });

  it('gives every container requests and limits and a non-root security context', () => {
    const { values } = build().observability.release;
    for (const path of [
      'prometheusOperator',
      'prometheusOperator.prometheusConfigReloader',
      'prometheusOperator.admissionWebhooks.patch',
      'prometheus.prometheusSpec',
      'alertmanager.alertmanagerSpec',
      'grafana',
      'grafana.sidecar',
      'kube-state-metrics',
      'prometheus-node-exporter',
    ]) {
      const r = at(values, `${path}.resources`) as { requests: { cpu: string; memory: string }; limits: { memory: string } };
      expect(r.requests.cpu, path).toBeTruthy();
      expect(r.requests.memory, path).toBeTruthy();
      expect(r.limits.memory, path).toBeTruthy();
    }
    // The operator, Prometheus and Alertmanager keep the chart's non-root defaults: check them as Helm merges them.
    const effective = mergeValues(chartDefaults('kube-prometheus-stack'), values);
    for (const path of [
      'prometheusOperator',
      'prometheus.prometheusSpec',
      'alertmanager.alertmanagerSpec',
      'grafana',
      'prometheus-node-exporter',
    ]) {
      expect(at(effective, `${path}.securityContext.runAsNonRoot`), path).toBe(true);
      expect(at(effective, `${path}.securityContext.seccompProfile.type`), path).toBe('RuntimeDefault');
    }
    expect(at(values, 'prometheus-node-exporter.containerSecurityContext')).toEqual({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(at(values, 'crds.upgradeJob.enabled')).toBe(false);
  });

  it('gives Grafana its admin login from Secrets Manager through an ExternalSecret, and keeps every UI ClusterIP', () => {
    const { observability, json } = build();
    const { values } = observability.release;
    expect(at(values, 'grafana.admin')).toEqual({
      existingSecret: 'monitoring-grafana-admin',
      userKey: 'admin-user',
      passwordKey: 'admin-password',
    });
    expect(at(values, 'grafana.defaultDashboardsEnabled')).toBe(true);
    expect(at(values, 'grafana.persistence.enabled')).toBe(false);
    const secret = find(observability.prerequisites.manifests, 'ExternalSecret', 'monitoring-grafana-admin');
    expect(secret.metadata.namespace).toBe('monitoring');
    expect(secret.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'aws-secrets-manager' });
    expect(secret.spec.data).toEqual([
      { secretKey: 'admin-user', remoteRef: { key: ADMIN_SECRET, property: 'admin_user' } },
      { secretKey: 'admin-password', remoteRef: { key: ADMIN_SECRET, property: 'admin_password' } },
    ]);
    for (const component of ['prometheus', 'alertmanager', 'grafana']) {
      expect(at(values, `${component}.service.type`), component).toBe('ClusterIP');
      expect(at(values, `${component}.ingress.enabled`), component).toBe(false);
    }
    expect(observability.grafanaUrl).toBe('http://monitoring-grafana.monitoring.svc:80');
    expect(observability.prometheusUrl).toBe('http://monitoring-prometheus.monitoring.svc:9090');
    expect(observability.alertmanagerUrl).toBe('http://monitoring-alertmanager.monitoring.svc:9093');
    expect(at(values, 'fullnameOverride')).toBe('monitoring');
    // No password anywhere in what Terraform sees.
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/adminPassword|admin-password:\s*\S/);
    expect(at(values, 'grafana.adminPassword')).toBeUndefined();
  });

  it('orders the releases: secret, chart, then the objects that need its CRDs', () => {
    const { json } = build({ dependsOn: [] });
    const prerequisites = releaseNamed(json, 'monitoring-prerequisites');
    const chart = releaseNamed(json, 'monitoring');
    const platform = releaseNamed(json, 'monitoring-platform');
    expect(chart.resource.depends_on).toEqual([`helm_release.${prerequisites.id}`]);
    expect(platform.resource.depends_on).toEqual([`helm_release.${chart.id}`]);
    expect(chart.resource).toMatchObject({
      chart: vendoredChart('kube-prometheus-stack', '88.5.3'),
      version: '88.5.3',
      namespace: 'monitoring',
      atomic: true,
    });
    const rendered = parse((chart.resource.values as string[])[0]) as HelmValues;
    expect(at(rendered, 'prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues')).toBe(false);
  });

  it('scrapes the platform components given, each in its own namespace', () => {
    const { manifests } = build().observability.monitoring;
    const kafka = find(manifests, 'PodMonitor', 'platform-kafka');
    expect(kafka.metadata.namespace).toBe('kafka');
    expect(kafka.spec.selector).toEqual({ matchLabels: { 'strimzi.io/cluster': 'platform', 'strimzi.io/kind': 'Kafka' } });
    expect(at(kafka.spec, 'podMetricsEndpoints.0.port')).toBe('tcp-prometheus');

    const airflow = find(manifests, 'ServiceMonitor', 'airflow-statsd');
    expect(airflow.metadata.namespace).toBe('airflow');
    expect(airflow.spec.selector).toEqual({ matchLabels: { tier: 'airflow', component: 'statsd', release: 'airflow' } });
    expect(at(airflow.spec, 'endpoints.0.port')).toBe('statsd-scrape');

    const spark = find(manifests, 'PodMonitor', 'spark-operator-controller');
    expect(spark.metadata.namespace).toBe('spark-operator');
    expect(at(spark.spec, 'selector.matchLabels')).toMatchObject({ 'app.kubernetes.io/component': 'controller' });
    expect(at(spark.spec, 'podMetricsEndpoints.0.port')).toBe('metrics');

    // One monitor in each namespace jobs run in.
    const drivers = manifests.filter((m) => m.kind === 'PodMonitor' && m.metadata.name === 'spark-drivers') as (KubernetesObject & {
      spec: HelmValues;
    })[];
    expect(drivers.map((d) => d.metadata.namespace)).toEqual(ALL_TARGETS.sparkJobs!.namespaces);
    for (const monitor of drivers) {
      expect(monitor.spec.selector).toEqual({ matchLabels: { 'spark-role': 'driver', 'mlops-platform/metrics': 'spark' } });
      expect((monitor.spec.podMetricsEndpoints as HelmValues[]).map((e) => [e.port, e.path])).toEqual([
        ['spark-ui', '/metrics/prometheus'],
        ['spark-ui', '/metrics/executors/prometheus'],
      ]);
    }

    const registry = find(manifests, 'PodMonitor', 'schema-registry');
    expect(registry.metadata.namespace).toBe('kafka');
    expect(registry.spec.selector).toEqual({ matchLabels: ALL_TARGETS.schemaRegistry!.podLabels });
    expect(at(registry.spec, 'podMetricsEndpoints.0')).toMatchObject({ port: 'metrics', path: '/metrics' });

    const kserve = find(manifests, 'ServiceMonitor', 'kserve-controller-manager');
    expect(kserve.metadata.namespace).toBe('kserve');
    expect(at(kserve.spec, 'endpoints.0')).toMatchObject({ port: 'https', scheme: 'https' });

    const mlflow = find(manifests, 'PodMonitor', 'mlflow');
    expect(mlflow.metadata.namespace).toBe('mlflow');
    expect(mlflow.spec.selector).toEqual({ matchLabels: ALL_TARGETS.mlflow!.podLabels });
    expect(at(mlflow.spec, 'podMetricsEndpoints.0')).toMatchObject({ port: 'mlflow', path: '/metrics' });

    // MLServer's metrics port is no declared container port: scraped by number, labelled by InferenceService.
    const models = find(manifests, 'PodMonitor', 'model-servers');
    expect(models.metadata.namespace).toBe('model-serving');
    expect(models.spec.selector).toEqual({ matchLabels: { 'mlops-platform/metrics': 'mlserver' } });
    expect(at(models.spec, 'podMetricsEndpoints.0')).toEqual({
      portNumber: 8082,
      path: '/metrics',
      interval: '30s',
      relabelings: [
        {
          sourceLabels: ['__meta_kubernetes_pod_label_serving_kserve_io_inferenceservice'],
          targetLabel: 'inferenceservice',
          action: 'replace',
        },
      ],
    });

    for (const monitor of manifests.filter((m) => m.kind.endsWith('Monitor'))) {
      expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(at(monitor as HelmValues, 'spec.namespaceSelector.matchNames')).toEqual([monitor.metadata.namespace]);
    }
  });

  describe('dashboards', () => {
    type Panel = { id: number; title: string; gridPos: { x: number; y: number }; targets: { expr: string }[] };
    const dashboard = (manifests: KubernetesObject[], name: string, key: string) => {
      const configMap = find(manifests, 'ConfigMap', name);
      expect(configMap.metadata.labels).toEqual({ grafana_dashboard: '1' });
      return JSON.parse((configMap as unknown as { data: Record<string, string> }).data[key]) as { uid: string; panels: Panel[] };
    };

    it('show Kafka health and the workflow, on the metrics the monitors scrape', () => {
      const { manifests } = build().observability.monitoring;
      const kafka = dashboard(manifests, 'monitoring-dashboard-kafka', 'platform-kafka.json');
      expect(kafka.panels.map((p) => p.title)).toEqual(['Under-replicated partitions', 'Bytes in per second', 'Consumer lag']);

      const workflows = dashboard(manifests, 'monitoring-dashboard-workflows', 'platform-workflows.json');
      expect(workflows.uid).toBe('platform-workflows');
      const exprs = workflows.panels.map((p) => p.targets[0].expr);
      expect(exprs).toEqual([
        'sum by (dag_id) (increase(af_agg_dagrun_duration_success_count{namespace="airflow"}[1h]))',
        'sum by (dag_id) (increase(af_agg_dagrun_duration_failed_count{namespace="airflow"}[1h]))',
        'sum by (namespace, spark_application) (metrics_executor_activeTasks{namespace=~"spark-jobs|team-a"})',
        'sum by (namespace, spark_application) (metrics_executor_memoryUsed_bytes{namespace=~"spark-jobs|team-a"})',
        'sum by (status) (rate(mlflow_http_request_total{namespace="mlflow"}[5m]))',
        'histogram_quantile(0.95, sum by (le) (rate(mlflow_http_request_duration_seconds_bucket{namespace="mlflow"}[5m])))',
      ]);
      // Two panels a row, ids unique.
      expect(workflows.panels.map((p) => [p.id, p.gridPos.x, p.gridPos.y])).toEqual([
        [1, 0, 0],
        [2, 12, 0],
        [3, 0, 8],
        [4, 12, 8],
        [5, 0, 16],
        [6, 12, 16],
      ]);
    });

    it('show request rate, server errors and latency per served model', () => {
      const models = dashboard(build().observability.monitoring.manifests, 'monitoring-dashboard-models', 'platform-models.json');
      expect(models.panels.map((p) => p.title)).toEqual([
        'Inference requests per second',
        'Server errors (share of requests)',
        'Inference latency (p95)',
        'Failed inferences per second (by model)',
      ]);
      const exprs = models.panels.map((p) => p.targets[0].expr);
      expect(exprs[0]).toBe(
        'sum by (inferenceservice) (rate(rest_server_requests_total{namespace="model-serving",path=~"/v2/models/.+/infer"}[5m]))',
      );
      expect(exprs[1]).toContain('status_code=~"5.."');
      expect(exprs[2]).toContain(
        'histogram_quantile(0.95, sum by (inferenceservice, le) (rate(rest_server_request_duration_seconds_bucket{',
      );
      expect(exprs.every((e) => e.includes('namespace="model-serving"'))).toBe(true);
    });

    it("show each pipeline's validation results and each model's drift, from what the steps push", () => {
      const pipelines = dashboard(build().observability.monitoring.manifests, 'monitoring-dashboard-pipelines', 'platform-pipelines.json');
      const exprs = Object.fromEntries(pipelines.panels.map((p) => [p.title, p.targets[0].expr]));
      expect(exprs['Rows validated (last run)']).toBe('max by (suite) (validation_rows{namespace="monitoring",job="validation"})');
      // The same series the alerts read (alert-rules.ts), as the validate and drift jobs push them.
      const rules = Object.fromEntries(alertGroups(ALL_TARGETS).flatMap((g) => g.rules.map((r) => [r.alert, r.expr])));
      expect(rules.PipelineQuarantineHigh).toContain(
        exprs['Quarantined (share of rows, last run)'].replace(/^max by \(suite\) \(/, '').replace(/\)$/, ''),
      );
      expect(exprs['Feature drift (PSI, last day compared)']).toBe(
        'max by (model, feature) (model_feature_psi{namespace="monitoring",job="drift"})',
      );
      const without = build({ scrapeTargets: { ...ALL_TARGETS, pipelineResults: undefined } }).observability.monitoring.manifests;
      expect(without.some((m) => m.metadata.name === 'monitoring-dashboard-pipelines')).toBe(false);
    });

    it('leave out panels, and whole dashboards, for components not scraped', () => {
      const mlflowOnly = build({ scrapeTargets: { mlflow: ALL_TARGETS.mlflow } }).observability.monitoring.manifests;
      const workflows = dashboard(mlflowOnly, 'monitoring-dashboard-workflows', 'platform-workflows.json');
      expect(workflows.panels.map((p) => p.title)).toEqual(['MLflow requests by status', 'MLflow request latency (p95)']);
      expect(mlflowOnly.some((m) => m.metadata.name === 'monitoring-dashboard-kafka')).toBe(false);
      const kserveOnly = build({ scrapeTargets: { kserve: ALL_TARGETS.kserve } }).observability.monitoring.manifests;
      expect(kserveOnly.filter((m) => m.kind === 'ConfigMap')).toEqual([]);
    });
  });

  it('adds monitors only for the targets that exist', () => {
    const none = build({ scrapeTargets: undefined }).observability.monitoring.manifests;
    expect(none.map((m) => m.kind)).toEqual(['PrometheusRule']);
    const airflowOnly = build({ scrapeTargets: { airflow: ALL_TARGETS.airflow } }).observability.monitoring.manifests;
    expect(airflowOnly.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'ServiceMonitor/airflow-statsd',
      'PrometheusRule/monitoring-platform',
      'ConfigMap/monitoring-dashboard-workflows',
    ]);
  });

  describe('alert rules', () => {
    const DURATION = /^\d+[smhdw]$/;
    const groups = alertGroups(ALL_TARGETS);
    const rules = groups.flatMap((g) => g.rules);

    /** Structural PromQL checks (no promtool here): balanced brackets and quotes, a comparison, known metric. */
    const wellFormed = (expr: string): string[] => {
      const problems: string[] = [];
      const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
      const stack: string[] = [];
      let quoted = false;
      for (const c of expr) {
        if (c === '"') quoted = !quoted;
        else if (quoted) continue;
        else if ('([{'.includes(c)) stack.push(c);
        else if (c in pairs && stack.pop() !== pairs[c]) problems.push(`unbalanced ${c}`);
      }
      if (quoted) problems.push('unterminated string');
      if (stack.length > 0) problems.push(`unclosed ${stack.join('')}`);
      if (!/(==|!=|>=|<=|>|<)\s*\d+(\.\d+)?$/.test(expr)) problems.push('no threshold comparison at the end');
      for (const matcher of expr.match(/\{[^}]*\}/g) ?? []) {
        if (!/^\{(\s*[a-zA-Z_]\w*\s*(=|!=|=~|!~)\s*"[^"]*"\s*,?)*\}$/.test(matcher)) problems.push(`bad matcher ${matcher}`);
      }
      for (const range of expr.match(/\[[^\]]*\]/g) ?? []) if (!/^\[\d+[smhdw]\]$/.test(range)) problems.push(`bad range ${range}`);
      return problems;
    };

    it('are well-formed, labelled and annotated, with a sensible wait', () => {
      expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
      for (const rule of rules) {
        expect(rule.alert, rule.alert).toMatch(/^[A-Z][A-Za-z]+$/);
        expect(wellFormed(rule.expr), rule.alert).toEqual([]);
        expect(rule.for, rule.alert).toMatch(DURATION);
        expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels.severity);
        expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(10);
        expect(rule.annotations.description.length, rule.alert).toBeGreaterThan(20);
      }
      expect(wellFormed('sum(rate(x{a="b"}[5m]) > 0')).toContain('unclosed (');
      expect(wellFormed('x{a=b} > 0')).toContain('bad matcher {a=b}');
      expect(wellFormed('rate(x[5 minutes]) > 0')).toContain('bad range [5 minutes]');
    });

    it('cover what users care about, on the metrics their exporters publish', () => {
      const expr = Object.fromEntries(rules.map((r) => [r.alert, r.expr]));
      expect(expr.KafkaUnderReplicatedPartitions).toContain('kafka_server_replicamanager_underreplicatedpartitions{namespace="kafka"}');
      expect(expr.KafkaConsumerGroupLag).toContain('kafka_consumergroup_lag{namespace="kafka"}) > 10000');
      expect(expr.AirflowDagRunFailed).toContain('af_agg_dagrun_duration_failed_count{namespace="airflow"}');
      expect(expr.MlflowServerErrors).toBe(
        'sum by (namespace) (rate(mlflow_http_request_total{namespace="mlflow",status=~"5.."}[5m])) / sum by (namespace) (rate(mlflow_http_request_total{namespace="mlflow"}[5m])) > 0.05',
      );
      expect(expr.ModelServerErrors).toBe(
        'sum by (namespace, inferenceservice) (rate(rest_server_requests_total{namespace="model-serving",path=~"/v2/models/.+/infer",status_code=~"5.."}[5m])) / sum by (namespace, inferenceservice) (rate(rest_server_requests_total{namespace="model-serving",path=~"/v2/models/.+/infer"}[5m])) > 0.05',
      );
      // What the validation step pushes (pipelines/jobs/validate.py), per suite.
      expect(expr.PipelineValidationBlocked).toBe(
        'max by (suite) (validation_blocking_failed{namespace="monitoring",job="validation"}) > 0',
      );
      expect(expr.PipelineQuarantineHigh).toBe(
        'max by (suite) (validation_quarantined_rows{namespace="monitoring",job="validation"} / clamp_min(validation_rows{namespace="monitoring",job="validation"}, 1)) > 0.05',
      );
      expect(expr.ModelFeatureDrift).toBe('max by (model) (model_drift_detected{namespace="monitoring",job="drift"}) > 0');
      expect(expr.PodCrashLooping).toContain('kube_pod_container_status_restarts_total');
      expect(expr.NodeNotReady).toBe('kube_node_status_condition{job="kube-state-metrics",condition="Ready",status="true"} == 0');
    });

    it('leave out alerts whose metrics would not exist', () => {
      const names = (targets: ScrapeTargets) => alertGroups(targets).flatMap((g) => g.rules.map((r) => r.alert));
      expect(names({})).toEqual(['PodCrashLooping', 'NodeNotReady']);
      expect(names({ kafka: { namespace: 'kafka', clusterName: 'platform' } })).not.toContain('KafkaConsumerGroupLag');
      expect(names({ kafka: { namespace: 'kafka', clusterName: 'platform', kafkaExporter: true, consumerLagThreshold: 5 } })).toContain(
        'KafkaConsumerGroupLag',
      );
    });

    it('ship as one PrometheusRule and replace the chart alerts they duplicate', () => {
      const { observability } = build();
      const rule = find(observability.monitoring.manifests, 'PrometheusRule', 'monitoring-platform');
      expect(rule.metadata.namespace).toBe('monitoring');
      expect(rule.spec.groups).toEqual(groups);
      expect(at(observability.release.values, 'defaultRules.disabled')).toEqual(
        Object.fromEntries(REPLACED_DEFAULT_ALERTS.map((a) => [a, true])),
      );
      // The chart's kubernetesApps and kubernetesSystem groups (templates, not vendored) carry the replaced
      // alerts; they stay on, so everything else in them still fires.
      const defaults = mergeValues(chartDefaults('kube-prometheus-stack'), observability.release.values);
      expect(at(defaults, 'defaultRules.rules.kubernetesApps')).toBe(true);
      expect(at(defaults, 'defaultRules.rules.kubernetesSystem')).toBe(true);
    });
  });

  describe('alerting', () => {
    const ALERTING: Alerting = {
      receivers: {
        oncall: { pagerduty: { secretName: 'mlops-test/alerting/pagerduty' } },
        team: { slack: { secretName: 'mlops-test/alerting/slack', channel: '#alerts' } },
        heartbeat: { webhook: { secretName: 'mlops-test/alerting/heartbeat' } },
      },
      routes: { critical: ['oncall', 'team'], warning: ['team'] },
      watchdog: { receiver: 'heartbeat', repeatInterval: '1m' },
    };

    it('routes each severity to its receivers, which read their credentials from a Secret filled from Secrets Manager', () => {
      const { observability, json } = build({ alerting: ALERTING });
      const values = mergeValues(chartDefaults('kube-prometheus-stack'), observability.release.values);
      const file = (name: string) => `/etc/alertmanager/secrets/${RECEIVER_SECRET}/${name}`;
      expect(at(values, 'alertmanager.alertmanagerSpec.secrets')).toEqual([RECEIVER_SECRET]);
      expect(at(values, 'alertmanager.config.receivers')).toEqual([
        { name: 'null' },
        {
          name: 'severity-critical',
          pagerduty_configs: [{ routing_key_file: file('oncall'), send_resolved: true }],
          slack_configs: [{ api_url_file: file('team'), channel: '#alerts', send_resolved: true }],
        },
        { name: 'severity-warning', slack_configs: [{ api_url_file: file('team'), channel: '#alerts', send_resolved: true }] },
        { name: 'watchdog', webhook_configs: [{ url_file: file('heartbeat'), send_resolved: true }] },
      ]);
      expect(at(values, 'alertmanager.config.route')).toMatchObject({
        receiver: 'null',
        routes: [
          { matchers: ['alertname = "Watchdog"'], receiver: 'watchdog', repeat_interval: '1m' },
          { matchers: ['severity = "critical"'], receiver: 'severity-critical' },
          { matchers: ['severity = "warning"'], receiver: 'severity-warning' },
        ],
      });
      // The chart's grouping and inhibitions stay: a critical alert still silences its warning.
      expect(at(values, 'alertmanager.config.inhibit_rules')).toEqual(
        at(chartDefaults('kube-prometheus-stack'), 'alertmanager.config.inhibit_rules'),
      );
      const secret = find(observability.prerequisites.manifests, 'ExternalSecret', RECEIVER_SECRET);
      expect(secret.metadata.namespace).toBe('monitoring');
      expect(secret.spec.data).toEqual([
        { secretKey: 'oncall', remoteRef: { key: 'mlops-test/alerting/pagerduty', property: 'routing_key' } },
        { secretKey: 'team', remoteRef: { key: 'mlops-test/alerting/slack', property: 'url' } },
        { secretKey: 'heartbeat', remoteRef: { key: 'mlops-test/alerting/heartbeat', property: 'url' } },
      ]);
      expect(JSON.stringify(json)).not.toMatch(/hooks\.slack\.com|routing_key:|api_url:/);
      expect(receiverSecretNames(ALERTING)).toEqual([
        'mlops-test/alerting/pagerduty',
        'mlops-test/alerting/slack',
        'mlops-test/alerting/heartbeat',
      ]);
    });

    it("keeps the chart's routing, and sends the Watchdog nowhere, when nothing is configured", () => {
      const { observability } = build();
      expect(at(observability.release.values, 'alertmanager.config')).toBeUndefined();
      expect(observability.prerequisites.manifests.map((m) => m.metadata.name)).not.toContain(RECEIVER_SECRET);
      const route = at(alertmanagerValues({ receivers: {}, routes: {} }), 'config.route.routes');
      expect(route).toEqual([{ matchers: ['alertname = "Watchdog"'], receiver: 'null' }]);
    });

    it('rejects a route or watchdog to no receiver, a receiver name that is not a key and a receiver without its secret', () => {
      expect(attempt({ alerting: { ...ALERTING, routes: { critical: ['on-call'] } } })).toThrow(
        /alerting.routes.critical: no receiver 'on-call' \(oncall, team, heartbeat\)/,
      );
      expect(attempt({ alerting: { ...ALERTING, watchdog: { receiver: 'snitch' } } })).toThrow(
        /alerting.watchdog.receiver: no receiver 'snitch'/,
      );
      expect(attempt({ alerting: { receivers: { On_Call: ALERTING.receivers.oncall }, routes: {} } })).toThrow(
        /alerting.receivers 'On_Call' must be a lower-case DNS label/,
      );
      expect(attempt({ alerting: { receivers: { oncall: { pagerduty: { secretName: ' ' } } }, routes: {} } })).toThrow(
        /alerting.receivers.oncall.secretName must name a Secrets Manager secret/,
      );
    });
  });

  it('layers values: file, then environment, then computed, then overrides', () => {
    const { values } = build({
      values: {
        file: mergeValues(loadValuesFiles('kube-prometheus-stack', 'dev').file, {
          prometheus: { prometheusSpec: { scrapeInterval: '60s', replicas: 5 } },
        }),
        environment: { prometheus: { prometheusSpec: { scrapeInterval: '15s' } } },
      },
      overrides: { prometheus: { prometheusSpec: { logLevel: 'debug' } } },
    }).observability.release;
    expect(at(values, 'prometheus.prometheusSpec.scrapeInterval')).toBe('15s');
    expect(at(values, 'prometheus.prometheusSpec.replicas')).toBe(1);
    expect(at(values, 'prometheus.prometheusSpec.logLevel')).toBe('debug');
  });

  it('accepts tokens where only the plan knows the value', () => {
    expect(() =>
      synthScope((scope) => {
        const token = (name: string) => new TerraformVariable(scope, name, { type: 'string' }).stringValue;
        new Observability(scope, 'Observability', {
          namespace: token('namespace'),
          values: loadValuesFiles('kube-prometheus-stack', 'dev'),
          placement: GENERAL,
          storageClass: token('storage_class'),
          grafanaAdminSecretName: token('admin_secret'),
        });
      }),
    ).not.toThrow();
  });

  it('rejects props it cannot deploy, naming the prop and the fix', () => {
    expect(attempt({ releaseName: 'kube-prometheus-stack-monitoring' })).toThrow(
      /releaseName 'kube-prometheus-stack-monitoring' must be a lower-case DNS label of at most 26 characters/,
    );
    expect(attempt({ namespace: 'Monitoring' })).toThrow(/namespace 'Monitoring' must be a lower-case DNS label/);
    expect(attempt({ nodeExporterNamespace: 'node_exporter' })).toThrow(
      /nodeExporterNamespace 'node_exporter' must be a lower-case DNS label/,
    );
    expect(attempt({ storageClass: 'GP3' })).toThrow(/storageClass 'GP3' must be a lower-case DNS label/);
    expect(attempt({ retentionDays: 0 })).toThrow(/retentionDays must be a whole number of days from 1 to 365 \(got 0\)/);
    expect(attempt({ retentionDays: 1.5 })).toThrow(/retentionDays must be a whole number/);
    expect(attempt({ storageGiB: 5 })).toThrow(/storageGiB must be a whole number of GiB from 10 to 16384 \(got 5\)/);
    expect(attempt({ alertmanagerStorageGiB: 0 })).toThrow(/alertmanagerStorageGiB must be a whole number of GiB from 1 to 100 \(got 0\)/);
    expect(attempt({ grafanaAdminSecretName: ' ' })).toThrow(/grafanaAdminSecretName must name a Secrets Manager secret/);
    expect(attempt({ storeName: '' })).toThrow(/storeName must name a ClusterSecretStore/);
    expect(attempt({ scrapeTargets: { kafka: { namespace: 'kafka', clusterName: 'My_Cluster' } } })).toThrow(
      /scrapeTargets.kafka.clusterName 'My_Cluster' must be a lower-case DNS label/,
    );
    expect(attempt({ scrapeTargets: { airflow: { namespace: 'airflow', releaseName: 'Airflow' } } })).toThrow(
      /scrapeTargets.airflow.releaseName 'Airflow' must be a lower-case DNS label/,
    );
    expect(attempt({ scrapeTargets: { kafka: { namespace: 'kafka', clusterName: 'platform', consumerLagThreshold: 100 } } })).toThrow(
      /consumerLagThreshold needs kafkaExporter: true/,
    );
    expect(
      attempt({ scrapeTargets: { kafka: { namespace: 'kafka', clusterName: 'platform', kafkaExporter: true, consumerLagThreshold: 0 } } }),
    ).toThrow(/consumerLagThreshold must be a positive whole number of messages \(got 0\)/);
    expect(attempt({ scrapeTargets: { sparkJobs: { ...ALL_TARGETS.sparkJobs!, paths: [] } } })).toThrow(
      /scrapeTargets.sparkJobs.paths must name at least one metrics path/,
    );
    expect(attempt({ scrapeTargets: { sparkJobs: { ...ALL_TARGETS.sparkJobs!, paths: ['metrics'] } } })).toThrow(
      /scrapeTargets.sparkJobs.paths: 'metrics' must be an absolute URL path/,
    );
    expect(attempt({ scrapeTargets: { modelServers: { ...ALL_TARGETS.modelServers!, podLabels: {} } } })).toThrow(
      /scrapeTargets.modelServers.podLabels must select the model server pods/,
    );
    expect(attempt({ scrapeTargets: { modelServers: { ...ALL_TARGETS.modelServers!, port: 0 } } })).toThrow(
      /scrapeTargets.modelServers.port must be a port number \(got 0\)/,
    );
    expect(attempt({ scrapeTargets: { mlflow: { namespace: 'mlflow', podLabels: {}, port: 'mlflow' } } })).toThrow(
      /scrapeTargets.mlflow.podLabels must select the MLflow pods/,
    );
    expect(attempt({ scrapeTargets: { mlflow: { ...ALL_TARGETS.mlflow!, port: '5000/TCP' } } })).toThrow(
      /scrapeTargets.mlflow.port '5000\/TCP' must be a container port name/,
    );
  });

  it('refuses values that would expose a UI, narrow the selectors or drop resources', () => {
    expect(attempt({ overrides: { grafana: { service: { type: 'LoadBalancer' } } } })).toThrow(
      /grafana.service.type must stay ClusterIP \(got LoadBalancer\)/,
    );
    expect(attempt({ overrides: { prometheus: { ingress: { enabled: true } } } })).toThrow(/prometheus.ingress.enabled must stay false/);
    expect(attempt({ overrides: { prometheus: { prometheusSpec: { ruleSelectorNilUsesHelmValues: true } } } })).toThrow(
      /ruleSelectorNilUsesHelmValues must stay false/,
    );
    expect(attempt({ values: {} })).toThrow(/prometheusOperator.resources must set requests.cpu, requests.memory and limits.memory/);
    expect(attempt({ overrides: { grafana: { sidecar: { resources: { requests: { cpu: '10m', memory: '' } } } } } })).toThrow(
      /grafana.sidecar.resources must set/,
    );
  });
});
