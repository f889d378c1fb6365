import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Providers that must be checkable offline: the machine image mirrors them. Others may be skipped. */
export const MIRRORED_PROVIDERS = ['hashicorp/aws'];

/** Set by CI: a check that cannot run (no terraform, no mirrored provider) fails instead of skipping. */
export const REQUIRE_ENV = 'MLOPS_REQUIRE_TERRAFORM';

/** Where providers are looked for when `TF_PLUGIN_DIR` is not set. */
const KNOWN_PLUGIN_DIRS = ['/opt/tf-plugins', '/usr/share/terraform/plugins', '/usr/local/share/terraform/plugins'];

/** What is there to run Terraform with. */
export interface Toolchain {
  /** Path of the terraform binary, when there is one. */
  readonly terraform?: string;
  /** A local provider mirror (unpacked layout); when set, `init` never uses the network. */
  readonly pluginDir?: string;
  /** Whether skips of mirrored providers' stacks are failures. */
  readonly required: boolean;
}

/** Finds terraform on PATH and a provider mirror (`TF_PLUGIN_DIR`, else a known location). */
export function detectToolchain(env: NodeJS.ProcessEnv = process.env): Toolchain {
  const terraform = (env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, 'terraform'))
    .find((candidate) => existsSync(candidate));
  const pluginDir = env.TF_PLUGIN_DIR || KNOWN_PLUGIN_DIRS.find((dir) => existsSync(join(dir, 'registry.terraform.io')));
  return { terraform, pluginDir, required: ['1', 'true'].includes(env[REQUIRE_ENV] ?? '') };
}

/** `hashicorp/aws` → true when the mirror holds some version of it. */
export function mirrorHas(pluginDir: string, provider: string): boolean {
  const dir = join(pluginDir, 'registry.terraform.io', provider);
  return existsSync(dir) && readdirSync(dir).length > 0;
}

/** Result of one terraform command. */
export interface CommandResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs terraform without colour, prompts, update checks or the user's CLI config. */
export function runTerraform(
  toolchain: Toolchain,
  args: string[],
  cwd: string,
  extraEnv: Record<string, string> = {},
): Promise<CommandResult> {
  if (!toolchain.terraform) return Promise.resolve({ ok: false, output: 'terraform is not installed' });
  const env = {
    ...process.env,
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    TF_CLI_CONFIG_FILE: '/dev/null',
    ...extraEnv,
  };
  return new Promise((resolve) => {
    const child = spawn(toolchain.terraform!, [...args, '-no-color'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => resolve({ ok: false, output: `${output}${error.message}` }));
    child.on('close', (code) => resolve({ ok: code === 0, output }));
  });
}
