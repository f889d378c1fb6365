import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SynthesizedStack } from './offline-check';

// The harness root both Terraform runs use: every checkable stack as a module of one root, so the providers'
// schemas load once for all stacks.

export function withoutProviderOrBackend(json: TerraformJson): TerraformJson {
  delete json.provider;
  delete json.terraform?.backend;
  return json;
}

/**
 * The root's provider blocks: for each provider the stacks use, `configure` of the first stack's block.
 * A block that reads another stack's state (the cluster providers) cannot live at the root: it is left empty.
 */
export function rootProviders(stacks: SynthesizedStack[], configure: (config: object) => object): Record<string, object> {
  const providers: Record<string, object> = {};
  for (const stack of stacks) {
    for (const [name, blocks] of Object.entries((readTerraformJson(stack.dir).provider ?? {}) as Record<string, object[]>)) {
      if (name in providers) continue;
      const first = blocks[0] ?? {};
      providers[name] = JSON.stringify(first).includes('${') ? {} : configure(first);
    }
  }
  return providers;
}

/**
 * Mock providers cannot serve ephemeral resources (Terraform 1.11), so for the mocked apply each
 * reference to one reads a placeholder local instead. `terraform validate` still checks the real blocks.
 */
export function withoutEphemeral(json: TerraformJson): TerraformJson {
  if (!json.ephemeral) return json;
  delete json.ephemeral;
  const text = JSON.stringify(json).replace(/\bephemeral\.[\w]+\.[\w-]+\.[\w]+/g, 'local.mocked_ephemeral_value');
  const replaced = JSON.parse(text) as TerraformJson;
  replaced.locals = { ...replaced.locals, mocked_ephemeral_value: 'mockedEphemeralValue0123456789abcdef' };
  return replaced;
}

/** Writes a root module calling each stack (pretty-printed, so errors cite readable lines) as a module. */
export function writeHarness(
  dir: string,
  stacks: SynthesizedStack[],
  transform: (json: TerraformJson) => TerraformJson,
  providers: Record<string, object>,
  extraModules: string[] = [],
) {
  const modules: Record<string, { source: string }> = Object.fromEntries(
    extraModules.map((name) => [name, { source: `./stacks/${name}` }]),
  );
  const required: Record<string, unknown> = {};
  for (const stack of stacks) {
    const json = transform(readTerraformJson(stack.dir));
    Object.assign(required, requiredProviders(json));
    mkdirSync(join(dir, 'stacks', stack.name), { recursive: true });
    writeFileSync(join(dir, 'stacks', stack.name, 'cdk.tf.json'), JSON.stringify(json, null, 2));
    // Local charts (the manifests chart) travel with their stack.
    if (existsSync(join(stack.dir, 'assets')))
      cpSync(join(stack.dir, 'assets'), join(dir, 'stacks', stack.name, 'assets'), { recursive: true });
    modules[stack.name] = { source: `./stacks/${stack.name}` };
  }
  const root = {
    terraform: { required_providers: required },
    ...(Object.keys(providers).length > 0 ? { provider: providers } : {}),
    module: modules,
  };
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(root, null, 2));
}

export interface TerraformJson {
  terraform?: { required_providers?: Record<string, { source: string; version?: string }>; backend?: unknown };
  provider?: unknown;
  ephemeral?: unknown;
  locals?: Record<string, unknown>;
}

export function readTerraformJson(dir: string): TerraformJson {
  return JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as TerraformJson;
}

export function requiredProviders(json: TerraformJson): Record<string, { source: string; version?: string }> {
  return json.terraform?.required_providers ?? {};
}
