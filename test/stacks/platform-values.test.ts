import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadEnvironments } from '../../src/config/load';
import type { HelmValues } from '../../constructs/helm/values';
import type { KubernetesObject } from '../../constructs/kubernetes/objects';
import {
  chartVersion,
  crdSchema,
  customResourceViolations,
  schemaViolations,
  KUBE_PROMETHEUS_FREE_FORM,
  unknownKeys,
} from '../support/chart-values';
import { resources } from '../support/synth';
import { synthesizedStack } from '../support/synthesized';

/** The environment files, read once for the whole file. */
const environments = loadEnvironments();

// The "done" check of the in-cluster layer, on the synthesized stacks themselves (environment overlays
// included): every release's values are ones its pinned chart knows and accepts.

/** How each upstream chart's values are checked: its schema where it has one, else its default keys. */
const CHECKS: Record<string, (values: HelmValues) => string[]> = {
  'external-secrets': (values) => schemaViolations('external-secrets', values),
  airflow: (values) => schemaViolations('airflow', values),
  mlflow: (values) => schemaViolations('mlflow', values),
  'strimzi-kafka-operator': (values) => unknownKeys('strimzi-kafka-operator', values),
  'spark-operator': (values) => unknownKeys('spark-operator', values, ['controller.podSecurityContext', 'webhook.podSecurityContext']),
  'cert-manager': (values) => schemaViolations('cert-manager', values),
  'aws-load-balancer-controller': (values) =>
    unknownKeys('aws-load-balancer-controller', values, ['podSecurityContext', 'securityContext']),
  'kserve-crd': (values) => unknownKeys('kserve-crd', values),
  'kserve-resources': (values) => unknownKeys('kserve-resources', values, ['kserve.storage.containerSecurityContext']),
  'kserve-runtime-configs': (values) => unknownKeys('kserve-runtime-configs', values),
  'kube-prometheus-stack': (values) => unknownKeys('kube-prometheus-stack', values, KUBE_PROMETHEUS_FREE_FORM),
  // The security contexts default to `{}`; `nfd` is a packaged subchart whose defaults this suite does not unpack.
  // The security contexts default to `{}` and are passed whole; `serviceMonitor.service` and the outputs are the chart's own keys.
  'aws-for-fluent-bit': (values) => unknownKeys('aws-for-fluent-bit', values, ['podSecurityContext', 'containerSecurityContext']),
  // The pod's and the container's security contexts are passed whole (`toYaml`); the latter defaults to `{}`.
  'prometheus-pushgateway': (values) => unknownKeys('prometheus-pushgateway', values, ['securityContext', 'containerSecurityContext']),
  'nvidia-device-plugin': (values) => unknownKeys('nvidia-device-plugin', values, ['podSecurityContext', 'securityContext', 'nfd']),
};

const CRDS: Record<string, string> = {
  Kafka: '040-Crd-kafka.yaml',
  KafkaTopic: '043-Crd-kafkatopic.yaml',
  KafkaNodePool: '045-Crd-kafkanodepool.yaml',
};

const manifestsSchema = new Ajv({ strict: false, allErrors: true }).compile(
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'charts', 'manifests', 'values.schema.json'), 'utf8')) as object,
);

describe.each(environments.map((e) => e.name))('%s platform releases', (env) => {
  // An upstream chart installs from its vendored archive (`assets/VendoredChart-…/<chart>-<version>.tgz`).
  const releases = Object.entries(resources(synthesizedStack(`mlops-${env}-platform`), 'helm_release')).map(([id, release]) => ({
    id,
    chart: String(release.chart).replace(/^assets\/VendoredChart-[^/]+\/[^/]+\/(.+)-[^-]+\.tgz$/, '$1'),
    version: String(release.version),
    values: parse((release.values as string[])[0]) as HelmValues,
  }));
  const upstream = releases.filter((r) => !r.chart.startsWith('assets/'));
  const local = releases.filter((r) => r.chart.startsWith('assets/ManifestsChart/'));

  it('install only charts whose values this suite checks', () => {
    expect(Object.keys(CHECKS)).toEqual(expect.arrayContaining(upstream.map((r) => r.chart)));
  });

  it.each(upstream.map((r) => [r.chart, r] as const))('%s is the vendored version and its values are valid', (chart, release) => {
    expect(release.version).toBe(chartVersion(chart));
    expect(CHECKS[chart](release.values)).toEqual([]);
  });

  it('give the manifests chart only complete objects, and custom resources their CRD accepts', () => {
    expect(local.length).toBeGreaterThan(5);
    for (const release of local) {
      expect(manifestsSchema(release.values), `${release.id}: ${JSON.stringify(manifestsSchema.errors)}`).toBe(true);
      for (const object of release.values.manifests as KubernetesObject[]) {
        const crd = CRDS[object.kind];
        if (crd) expect(customResourceViolations(object, crdSchema(crd, 'v1')), `${object.kind}/${object.metadata.name}`).toEqual([]);
      }
    }
  });

  it('set no literal secret in any values', () => {
    const text = JSON.stringify(releases.map((r) => r.values));
    // A template (`{{ .password }}`) or a Terraform reference names where a value comes from; anything else is a literal.
    const literal =
      /"(password|adminPassword|awsSecretAccessKey|fernetKey|webserverSecretKey|flaskServerSecretKey|authToken)":"(?!\{\{|\$\{)[^"]+"/;
    expect(text).not.toMatch(literal);
    expect('{"adminPassword":"hunter2"}').toMatch(literal);
  });
});
