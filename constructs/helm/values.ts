import { stringify } from 'yaml';

/** Helm values: a YAML mapping. */
export type HelmValues = { [key: string]: unknown };

function isMapping(value: unknown): value is HelmValues {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges values layers the way Helm merges `-f` files: later layers win, mappings merge key by key,
 * lists and scalars are replaced whole. Layers are not modified.
 */
export function mergeValues(...layers: (HelmValues | undefined)[]): HelmValues {
  const result: HelmValues = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      const current = result[key];
      result[key] = isMapping(value) && isMapping(current) ? mergeValues(current, value) : structuredClone(value);
    }
  }
  return result;
}

/**
 * Renders values as YAML text for `helm_release.values`, so a plan shows a readable diff. Terraform reads
 * the text as a template, so literal `${` and `%{` (shell parameter expansion, a program's own
 * `${VARIABLE}` substitution) are escaped here, once for every value; cdktf's token markers are left for
 * synthesis to turn into references.
 */
export function renderValues(values: HelmValues): string {
  return escapeTemplateSequences(stringify(values, { lineWidth: 0, aliasDuplicateObjects: false }));
}

/** `${` → `$${` and `%{` → `%%{`, except the `${TfToken[…]}` markers of unresolved cdktf tokens. */
export function escapeTemplateSequences(text: string): string {
  return text.replace(/\$\{(?!TfToken\[)/g, () => '$${').replace(/%\{/g, () => '%%{');
}

/** `values` without the keys at the dotted paths given (a copy; `values` is not modified). */
export function withoutPaths(values: HelmValues | undefined, paths: readonly string[]): HelmValues | undefined {
  if (values === undefined) return undefined;
  const copy = structuredClone(values);
  for (const path of paths) {
    const keys = path.split('.');
    const parent = keys.slice(0, -1).reduce<unknown>((node, key) => (isMapping(node) ? node[key] : undefined), copy);
    if (isMapping(parent)) delete parent[keys[keys.length - 1]];
  }
  return copy;
}

/** The value at a dotted path of `values` (`scheduler.resources`), or undefined. */
export function valueAt(values: HelmValues, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (isMapping(node) ? node[key] : undefined), values);
}

/**
 * Throws unless each component's `resources` (dotted paths; `''` for the top level) sets CPU and memory
 * requests and a memory limit, and a CPU limit too with `cpuLimit`. Values files and overrides can take
 * them away, so constructs check the merged values.
 */
export function requireResources(
  where: string,
  values: HelmValues,
  components: string[],
  options: { readonly source?: string; readonly cpuLimit?: boolean } = {},
): void {
  for (const component of components) {
    const path = component ? `${component}.resources` : 'resources';
    const r = valueAt(values, path) as
      { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } } | undefined;
    const ok = r?.requests?.cpu && r.requests.memory && r.limits?.memory && (!options.cpuLimit || r.limits.cpu);
    if (!ok) {
      const rule = options.cpuLimit ? 'requests and limits of cpu and memory' : 'requests.cpu, requests.memory and limits.memory';
      throw new Error(`${where}: ${path} must set ${rule}${options.source ? ` (${options.source})` : ''}`);
    }
  }
}

/** Values with each dotted path of `entries` (`images.statsd.repository`) set to its value. */
export function valuesAt(entries: Record<string, unknown>): HelmValues {
  return mergeValues(
    ...Object.entries(entries).map(([path, value]) =>
      path
        .split('.')
        .reverse()
        .reduce<HelmValues>((inner, key, index) => (index === 0 ? { [key]: value } : { [key]: inner }), {}),
    ),
  );
}
