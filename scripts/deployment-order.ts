// The order in which an environment's stacks are planned and applied: CI's workflows (through
// scripts/stack-order.ts) and `npm run plan|apply|destroy` (scripts/environment.ts) read it from the
// synthesized manifest, so it lives in one place and never in a workflow.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest, type StackManifest } from './synthesized-manifest';

export { readManifest, type StackManifest } from './synthesized-manifest';

/** Options of {@link stackOrder}. */
export interface StackOrderOptions {
  /** Dependants first, for destroy. @default false */
  readonly reverse?: boolean;
  /** Stacks to leave out, as if applied already: a dependency on one of them counts as met. @default none */
  readonly exclude?: readonly string[];
}

/** Environment names are file names of `environments/`: 1-12 lower-case letters or digits, so `mlops-<env>-` is unambiguous. */
const ENVIRONMENT_NAME = /^[a-z][a-z0-9]{0,11}$/;
const STACK_NAME = /^mlops-([a-z][a-z0-9]*)-[a-z0-9-]+$/;

/**
 * The stacks `mlops-<environment>-*` of a manifest, each after the stacks it depends on.
 *
 * Stable: stacks whose dependencies are met keep their manifest order. Throws on an unknown environment,
 * a dependency outside the environment, or a cycle, naming the stacks involved.
 */
export function stackOrder(manifest: StackManifest, environment: string, options: StackOrderOptions = {}): string[] {
  if (!ENVIRONMENT_NAME.test(environment)) {
    throw new Error(`'${environment}' is not an environment name (1-12 lower-case letters or digits, starting with a letter)`);
  }
  const names = Object.keys(manifest.stacks);
  const ofEnvironment = names.filter((name) => name.startsWith(`mlops-${environment}-`));
  if (ofEnvironment.length === 0) {
    // The bootstrap stacks are `mlops-bootstrap-<env>`: their middle word is not an environment.
    const known = [
      ...new Set(names.map((name) => STACK_NAME.exec(name)?.[1]).filter((env) => env !== undefined && env !== 'bootstrap')),
    ].sort();
    throw new Error(`no stacks for environment '${environment}' in the manifest; it has: ${known.join(', ') || 'none'}`);
  }
  const excluded = new Set(options.exclude ?? []);
  const selected = ofEnvironment.filter((name) => !excluded.has(name));
  if (selected.length === 0) throw new Error(`every stack of environment '${environment}' is excluded: ${ofEnvironment.join(', ')}`);

  const remaining = new Map<string, string[]>();
  for (const name of selected) {
    const dependencies = (manifest.stacks[name].dependencies ?? []).filter((dependency) => !excluded.has(dependency));
    for (const dependency of dependencies) {
      if (!selected.includes(dependency)) {
        const where = dependency in manifest.stacks ? `a stack of another environment` : `not in the manifest`;
        throw new Error(`${name} depends on ${dependency}, which is ${where}`);
      }
    }
    remaining.set(name, dependencies);
  }

  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining.keys()].find((name) => remaining.get(name)!.every((dependency) => order.includes(dependency)));
    if (ready === undefined) {
      throw new Error(`dependency cycle among ${[...remaining.keys()].join(', ')}`);
    }
    order.push(ready);
    remaining.delete(ready);
  }
  return options.reverse ? order.reverse() : order;
}

/** Stacks whose synthesized Terraform keeps state locally: an explicit `local` backend, or none at all. */
export function localStateStacks(outdir: string, manifest: StackManifest): string[] {
  return Object.entries(manifest.stacks)
    .filter(([name, stack]) => {
      const path = join(outdir, stack.synthesizedStackPath ?? join('stacks', name, 'cdk.tf.json'));
      const json = JSON.parse(readFileSync(path, 'utf8')) as { terraform?: { backend?: Record<string, unknown> } };
      const backends = Object.keys(json.terraform?.backend ?? {});
      return backends.length === 0 || backends.includes('local');
    })
    .map(([name]) => name);
}

/** What CI plans and applies for `environment`, in order: its stacks that keep state remotely. */
export function deploymentOrder(outdir: string, environment: string, options: Pick<StackOrderOptions, 'reverse'> = {}): string[] {
  const manifest = readManifest(outdir);
  return stackOrder(manifest, environment, { ...options, exclude: localStateStacks(outdir, manifest) });
}
