import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { projectPath } from '../project-path';
import type { ValuesFiles } from './helm-release';
import type { HelmValues } from './values';

/** Where chart values live: `values/<chart>.yaml` and `values/<chart>.<environment>.yaml`. */
export const VALUES_DIR = projectPath('values');

/** Reads a chart's values file and the environment's overlay; either may be absent. */
export function loadValuesFiles(chart: string, environment: string, dir: string = VALUES_DIR): ValuesFiles {
  const read = (name: string): HelmValues | undefined => {
    const path = join(dir, name);
    if (!existsSync(path)) return undefined;
    const parsed = parse(readFileSync(path, 'utf8')) as unknown;
    if (parsed === null || parsed === undefined) return undefined;
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`values/${name}: must be a YAML mapping`);
    return parsed as HelmValues;
  };
  return { file: read(`${chart}.yaml`), environment: read(`${chart}.${environment}.yaml`) };
}
