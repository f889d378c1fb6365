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

/** Renders values as YAML text for `helm_release.values`, so a plan shows a readable diff. */
export function renderValues(values: HelmValues): string {
  return stringify(values, { lineWidth: 0, aliasDuplicateObjects: false });
}
