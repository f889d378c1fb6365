import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { VENDOR_DIR } from '../../constructs/helm/vendored-chart';
import { mergeValues, type HelmValues } from '../../constructs/helm/values';
import { readArchive } from '../../scripts/charts/archive';

/**
 * A file of the vendored archive of `chart` (`values.yaml`, `crds/040-Crd-kafka.yaml`): the tests read the
 * pinned charts' defaults, schemas and CRDs from the very archives the releases install.
 */
function chartFile(chart: string, path: string): string | undefined {
  return archives.get(archiveOf(chart))!.get(`${chart}/${path}`)?.toString('utf8');
}

/** The file name of the chart's vendored archive, read into {@link archives}. */
function archiveOf(chart: string): string {
  const archive = readdirSync(VENDOR_DIR).find((f) => new RegExp(`^${chart}-v?\\d[^-]*\\.tgz$`).test(f));
  if (!archive) throw new Error(`no archive of ${chart} in charts/vendor`);
  if (!archives.has(archive)) archives.set(archive, readArchive(join(VENDOR_DIR, archive)));
  return archive;
}
const archives = new Map<string, Map<string, Buffer>>();

/**
 * The chart's default values, with each subchart's own defaults (`charts/<name>/values.yaml`) under its
 * name, beneath what the parent sets for it: Helm's view of the values a release may set.
 */
export function chartDefaults(chart: string): HelmValues {
  const cached = defaultsByChart.get(chart);
  if (cached) return structuredClone(cached);
  const defaults = parse(chartFile(chart, 'values.yaml')!) as HelmValues;
  const subcharts = [...archives.get(archiveOf(chart))!.keys()]
    .map((path) => new RegExp(`^${chart}/charts/([^/]+)/values\\.yaml$`).exec(path)?.[1])
    .filter((name): name is string => name !== undefined);
  for (const name of subcharts) {
    defaults[name] = mergeValues(parse(chartFile(chart, `charts/${name}/values.yaml`)!) as HelmValues, defaults[name] as HelmValues);
  }
  defaultsByChart.set(chart, defaults);
  return structuredClone(defaults);
}
/** Parsing kube-prometheus-stack's values and its subcharts' takes a while: once per chart and worker. */
const defaultsByChart = new Map<string, HelmValues>();

/** The version of the vendored chart, from its Chart.yaml. */
export function chartVersion(chart: string): string {
  return (parse(chartFile(chart, 'Chart.yaml')!) as { version: string }).version;
}

/**
 * Validates values as Helm does: merged over the chart's defaults, against its values.schema.json.
 * Returns one line per violation; empty when valid. Throws when the chart ships no schema.
 */
export function schemaViolations(chart: string, values: HelmValues): string[] {
  const validate = compiledSchema(chart);
  if (validate(mergeValues(chartDefaults(chart), values))) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

const compiled = new Map<string, ValidateFunction>();

/** Compiling Airflow's 742 KB schema takes a while: once per chart and test file is enough. */
function compiledSchema(chart: string): ValidateFunction {
  const cached = compiled.get(chart);
  if (cached) return cached;
  const text = chartFile(chart, 'values.schema.json');
  if (text === undefined) throw new Error(`${chart} has no values.schema.json; use unknownKeys`);
  const schema = JSON.parse(text) as { $schema?: string };
  const ajv = schema.$schema?.includes('2020-12')
    ? new Ajv2020({ strict: false, allErrors: true })
    : new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  compiled.set(chart, validate);
  return validate;
}

/**
 * Paths in `values` the chart's defaults do not have, for charts without a schema. Descends only where the
 * default is a non-empty mapping: an empty mapping, a list or null in the defaults is free-form, as are
 * the `freeForm` paths given (dotted, e.g. `controller.podAnnotations`).
 */
export function unknownKeys(chart: string, values: HelmValues, freeForm: string[] = []): string[] {
  const walk = (given: HelmValues, defaults: HelmValues, path: string[]): string[] =>
    Object.entries(given).flatMap(([key, value]) => {
      const here = [...path, key];
      const dotted = here.join('.');
      if (freeForm.includes(dotted)) return [];
      if (!(key in defaults)) return [dotted];
      const known = defaults[key];
      const isMapping = (v: unknown): v is HelmValues => typeof v === 'object' && v !== null && !Array.isArray(v);
      if (isMapping(value) && isMapping(known) && Object.keys(known).length > 0) return walk(value, known, here);
      return [];
    });
  return walk(values, chartDefaults(chart), []);
}

/** The OpenAPI schema of a CRD version, from the vendored Strimzi chart's CRDs (e.g. `040-Crd-kafka.yaml`). */
export function crdSchema(file: string, version: string): Record<string, unknown> {
  const key = `${file}@${version}`;
  if (!crdSchemas.has(key)) crdSchemas.set(key, readCrdSchema(file, version));
  return crdSchemas.get(key)!;
}
/** A CRD's YAML is large: parsed once per file, version and worker. */
const crdSchemas = new Map<string, Record<string, unknown>>();

function readCrdSchema(file: string, version: string): Record<string, unknown> {
  const documents = parseAllDocuments(chartFile('strimzi-kafka-operator', `crds/${file}`)!).map((d) => d.toJS() as Record<string, unknown>);
  const crd = documents.find((d) => d.kind === 'CustomResourceDefinition') as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[] };
  };
  const served = crd.spec.versions.find((v) => v.name === version);
  if (!served) throw new Error(`${file} does not serve ${version}`);
  return served.schema.openAPIV3Schema;
}

/**
 * Validates a custom resource against its CRD schema the way a strict API server would: unknown fields are
 * errors (OpenAPI objects without properties, or with x-kubernetes-preserve-unknown-fields, stay open).
 */
export function customResourceViolations(resource: Record<string, unknown>, schema: Record<string, unknown>): string[] {
  let validate = strictValidators.get(schema);
  if (!validate) {
    validate = new Ajv({ strict: false, allErrors: true }).compile(closeObjects(structuredClone(schema)));
    strictValidators.set(schema, validate);
  }
  if (validate(resource)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

/** Compiling a CRD's schema takes most of a second: once per schema and worker. */
const strictValidators = new WeakMap<Record<string, unknown>, ValidateFunction>();

function closeObjects(schema: Record<string, unknown>): Record<string, unknown> {
  if (schema.properties && !schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties === undefined) {
    schema.additionalProperties = false;
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes')) delete schema[key];
    else if (Array.isArray(value)) value.forEach((v) => typeof v === 'object' && v && closeObjects(v as Record<string, unknown>));
    else if (typeof value === 'object' && value) closeObjects(value as Record<string, unknown>);
  }
  return schema;
}

/**
 * Security contexts of kube-prometheus-stack's subcharts: Kubernetes objects, whose fields the subcharts'
 * defaults list only in part.
 */
export const KUBE_PROMETHEUS_FREE_FORM = [
  'grafana.securityContext',
  'grafana.containerSecurityContext',
  'grafana.sidecar.securityContext',
  'prometheus-node-exporter.securityContext',
  'prometheus-node-exporter.containerSecurityContext',
];
