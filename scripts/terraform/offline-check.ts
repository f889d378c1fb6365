import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readManifest, stackDirectory } from '../synthesized-manifest';
import { blamedStrings, TEMPLATES_SUFFIX, writeTemplateModule, type TemplateString } from './template-syntax';
import { readTerraformJson, requiredProviders, rootProviders, withoutEphemeral, withoutProviderOrBackend, writeHarness } from './harness';
import { MIRRORED_PROVIDERS, mirrorHas, runTerraform, type CommandResult, type Toolchain } from './toolchain';

/**
 * Offline proof for synthesized stacks: `terraform validate` of the stacks as synthesized, then
 * `terraform test` that plans and applies them against mocked providers. Each step runs once over a
 * harness root that calls every checkable stack as a module: the AWS provider's schema alone takes
 * seconds to load, so one run for all stacks instead of one per stack keeps the suite fast. A stack whose
 * providers are missing is not validated, but its strings still pass through Terraform's template parser in
 * the same validate run (see `template-syntax.ts`).
 */

/** One synthesized stack, as the cdktf manifest lists it. */
export interface SynthesizedStack {
  readonly name: string;
  /** Directory holding `cdk.tf.json`. */
  readonly dir: string;
  /** Provider source addresses, e.g. `hashicorp/aws`. */
  readonly providers: string[];
}

export type CheckStatus = 'passed' | 'failed' | 'skipped';

/** Outcome for one stack. */
export interface StackCheck {
  readonly stack: string;
  readonly validate: CheckStatus;
  readonly mockedApply: CheckStatus;
  /** Why it was skipped, or the terraform output that failed. */
  readonly detail?: string;
  /**
   * Whether every string of the stack parses as a Terraform template; checked on its own only where the
   * stack cannot be validated (validation parses them anyway).
   */
  readonly templates?: CheckStatus;
  /** Each string the template check blames: where it is, Terraform's message and the suspect text. */
  readonly templateErrors?: string[];
}

const MOCKS = join(__dirname, 'aws-mocks.tftest.hcl');

/** Reads `manifest.json` of a cdktf output directory. */
export function readStacks(outdir: string): SynthesizedStack[] {
  const manifest = readManifest(outdir);
  return Object.keys(manifest.stacks).map((name) => {
    const dir = resolve(outdir, stackDirectory(manifest, name));
    const providers = Object.values(requiredProviders(readTerraformJson(dir))).map((p) => normalizeSource(p.source));
    return { name, dir, providers };
  });
}

/** Whether a skipped stack is acceptable: always, unless checks are required and it needs only mirrored providers. */
export function skipIsAcceptable(toolchain: Toolchain, stack: SynthesizedStack): boolean {
  if (!toolchain.required) return true;
  if (!toolchain.terraform) return false;
  return stack.providers.some((p) => !MIRRORED_PROVIDERS.includes(p));
}

/** Validates every stack, then applies them against mocks, working in `workdir` (the stacks are copied, not touched). */
export async function checkStacks(toolchain: Toolchain, stacks: SynthesizedStack[], workdir: string): Promise<StackCheck[]> {
  if (!toolchain.terraform) {
    return stacks.map((s) => ({
      stack: s.name,
      validate: 'skipped',
      mockedApply: 'skipped',
      templates: 'skipped',
      detail: 'terraform is not on PATH',
    }));
  }
  const missing = new Map(stacks.map((s) => [s.name, missingProviders(toolchain, s)]));
  const checkable = stacks.filter((s) => missing.get(s.name)!.length === 0);
  const unvalidated = stacks.filter((s) => missing.get(s.name)!.length > 0);

  // Both harnesses run at once (terraform is CPU-bound; the machines have two cores).
  const validateDir = join(workdir, 'validate');
  const [validation, apply] = await Promise.all([
    validateAll(toolchain, checkable, unvalidated, validateDir),
    checkable.length > 0 ? applyAllMocked(toolchain, checkable, join(workdir, 'mocked')) : undefined,
  ]);
  const invalid = checkable.filter((s) => blames(validation.result, s)).map((s) => s.name);

  const skipMissing = (stack: SynthesizedStack): StackCheck => {
    const where = toolchain.pluginDir ? `not in the provider mirror ${toolchain.pluginDir}` : 'no mirror and no registry access';
    const strings = validation.templates.get(stack.name)!;
    const moduleName = `${stack.name}${TEMPLATES_SUFFIX}`;
    const templateErrors = validation.result.setup ? [] : blamedStrings(validation.result.output, moduleName, strings);
    const templatesFailed =
      !validation.result.setup &&
      !validation.result.ok &&
      (templateErrors.length > 0 || blames(validation.result, { ...stack, name: moduleName }));
    return {
      stack: stack.name,
      validate: 'skipped',
      mockedApply: 'skipped',
      detail: `needs ${missing.get(stack.name)!.join(', ')}: ${where}`,
      templates: validation.result.setup ? 'skipped' : templatesFailed ? 'failed' : 'passed',
      templateErrors: templatesFailed && templateErrors.length === 0 ? [errorsOnly(validation.result.output)] : templateErrors,
    };
  };

  return stacks.map((stack): StackCheck => {
    if (missing.get(stack.name)!.length > 0) return skipMissing(stack);
    if (validation.result.setup)
      return {
        stack: stack.name,
        validate: 'skipped',
        mockedApply: 'skipped',
        detail: `terraform init failed:\n${validation.result.output}`,
      };
    if (invalid.includes(stack.name))
      return { stack: stack.name, validate: 'failed', mockedApply: 'skipped', detail: errorsOnly(validation.result.output) };
    // An invalid stack stops `terraform test` before anything is applied: the others were not tried.
    if (invalid.length > 0 && !apply!.ok)
      return {
        stack: stack.name,
        validate: 'passed',
        mockedApply: 'skipped',
        detail: `not applied: validation failed for ${invalid.join(', ')}`,
      };
    const failed = blames(apply!, stack);
    return {
      stack: stack.name,
      validate: 'passed',
      mockedApply: failed ? 'failed' : 'passed',
      detail: failed ? errorsOnly(apply!.output) : undefined,
    };
  });
}

interface HarnessResult extends CommandResult {
  /** True when the failure was `init` (providers could not be installed), not the check itself. */
  readonly setup: boolean;
}

/** A failed run blames the stacks its errors name, or all of them when it names none. */
function blames(result: HarnessResult, stack: SynthesizedStack): boolean {
  if (result.ok) return false;
  if (result.setup) return true;
  // Diagnostics locate themselves ("with module.X…", "on stacks/X/…"); other mentions, such as the
  // teardown report that lists every module's resources, do not blame.
  const located = /(?:with module\.|on stacks\/)([\w-]+)[./]/g;
  const culprits = new Set([...result.output.matchAll(located)].map((m) => m[1]));
  return culprits.size === 0 || culprits.has(stack.name);
}

/**
 * Validates the checkable stacks, and the strings of the others as template modules, in one run. Returns
 * the run's result and, per unvalidated stack, its strings in the order of its module's locals.
 */
async function validateAll(
  toolchain: Toolchain,
  stacks: SynthesizedStack[],
  unvalidated: SynthesizedStack[],
  dir: string,
): Promise<{ result: HarnessResult; templates: Map<string, TemplateString[]> }> {
  // One provider configuration at the root instead of one per module: each starts a provider process that
  // loads the AWS schema, which made validation three times slower. Every stack's provider block comes from
  // the same BaseStack code, so the first one stands for all; backends only warn in modules and go too.
  const templateModules = unvalidated.map((s) => `${s.name}${TEMPLATES_SUFFIX}`);
  writeHarness(
    dir,
    stacks,
    withoutProviderOrBackend,
    rootProviders(stacks, (config) => config),
    templateModules,
  );
  const templates = new Map(
    unvalidated.map((s, i) => [s.name, writeTemplateModule(s.dir, join(dir, 'stacks', templateModules[i]))] as const),
  );
  return { result: await initThen(toolchain, dir, ['validate']), templates };
}

/**
 * Plans and applies all stacks in one `terraform test` run. The root's mocked provider serves every module;
 * remote state read across stacks gets placeholder outputs.
 */
async function applyAllMocked(toolchain: Toolchain, stacks: SynthesizedStack[], dir: string): Promise<HarnessResult> {
  const providers = rootProviders(stacks, () => ({}));
  writeHarness(dir, stacks, (json) => withoutEphemeral(withoutProviderOrBackend(json)), providers);
  const overrides = stacks.flatMap((s) => remoteStateOverrides(s.name, readFileSync(join(s.dir, 'cdk.tf.json'), 'utf8')));
  // AWS needs the tuned mocks of the file; the cluster providers' generated values serve as they are.
  const plainMocks = Object.keys(providers)
    .filter((name) => name !== 'aws')
    .map((name) => `mock_provider "${name}" {}\n`);
  writeFileSync(
    join(dir, 'mocked.tftest.hcl'),
    [readFileSync(MOCKS, 'utf8'), ...plainMocks, ...overrides, 'run "apply" {\n  command = apply\n}\n'].join('\n'),
  );
  return initThen(toolchain, dir, ['test']);
}

async function initThen(toolchain: Toolchain, dir: string, command: string[]): Promise<HarnessResult> {
  const args = ['init', '-backend=false', '-input=false', ...(toolchain.pluginDir ? [`-plugin-dir=${toolchain.pluginDir}`] : [])];
  // Online, a shared cache spares the second harness the download; a mirror needs none.
  const cache: Record<string, string> = toolchain.pluginDir
    ? {}
    : { TF_PLUGIN_CACHE_DIR: ensureDir(resolve('.tmp', 'terraform-plugin-cache')) };
  const init = await runTerraform(toolchain, args, dir, cache);
  if (!init.ok) return { ...init, setup: true };
  return { ...(await runTerraform(toolchain, command, dir)), setup: false };
}

/** `override_data` blocks giving every cross-stack remote-state output of a module a placeholder value. */
function remoteStateOverrides(moduleName: string, text: string): string[] {
  const outputs = new Map<string, Set<string>>();
  for (const [, source, key] of text.matchAll(/data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)/g)) {
    if (!outputs.has(source)) outputs.set(source, new Set());
    outputs.get(source)!.add(key);
  }
  return [...outputs].map(([source, keys]) => {
    const values = [...keys].map((key) => `      "${key}" = "mock-${key.slice(-24)}"`).join('\n');
    return `override_data {\n  target = module.${moduleName}.data.terraform_remote_state.${source}\n  values = {\n    outputs = {\n${values}\n    }\n  }\n}\n`;
  });
}

/** The `Error:` blocks of terraform output, without the progress lines around them. */
function errorsOnly(output: string): string {
  const diagnostics = output.replace(/\n(Terraform left the following|Failure!|\S+\.tftest\.hcl\.\.\.)[\s\S]*?(?=\nError: |$)/g, '');
  const blocks = diagnostics.split(/\n(?=Error: )/).filter((b) => b.startsWith('Error: '));
  return (blocks.length > 0 ? blocks.join('\n') : output).trim();
}

function missingProviders(toolchain: Toolchain, stack: SynthesizedStack): string[] {
  if (!toolchain.pluginDir) return []; // online: init finds out
  return stack.providers.filter((p) => !mirrorHas(toolchain.pluginDir!, p));
}

/** cdktf writes `aws` for `hashicorp/aws`; Terraform reads both the same way. */
function normalizeSource(source: string): string {
  const parts = source.replace(/^registry\.terraform\.io\//, '').split('/');
  return parts.length === 1 ? `hashicorp/${parts[0]}` : parts.join('/');
}

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
