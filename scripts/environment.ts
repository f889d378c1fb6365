// `npm run plan -- <env>`, `npm run apply -- <env>`, `npm run destroy -- <env>`: one verb over every stack of
// an environment, on plain Terraform, in the order CI uses (scripts/stack-order.ts): dependencies first, or
// dependants first for destroy. Synthesizes first, unless `--no-synth`. Extra arguments after the
// environment go to each `terraform plan|apply|destroy` (e.g. `-auto-approve`). The bootstrap stack, whose
// state is local, is left out as in CI: apply it by hand. With TF_PLUGIN_DIR, providers come from that
// mirror (`init -plugin-dir`), for machines without registry access.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { deploymentOrder } from './deployment-order';

const VERBS = ['plan', 'apply', 'destroy'] as const;
type Verb = (typeof VERBS)[number];

/** The terraform commands one verb runs in each stack directory, in order. */
export function environmentCommands(
  verb: Verb,
  stacks: string[],
  extra: string[],
  pluginDir?: string,
): { stack: string; args: string[] }[] {
  const init = ['init', '-input=false', ...(pluginDir ? [`-plugin-dir=${pluginDir}`] : [])];
  return stacks.flatMap((stack) => [
    { stack, args: init },
    { stack, args: [verb, '-input=false', ...extra] },
  ]);
}

function main(): number {
  const [verb, environment, ...rest] = process.argv.slice(2);
  if (!VERBS.includes(verb as Verb) || !environment) {
    process.stderr.write('usage: npm run plan|apply|destroy -- <environment> [--no-synth] [terraform arguments]\n');
    return 2;
  }
  const synth = !rest.includes('--no-synth');
  const extra = rest.filter((arg) => arg !== '--no-synth');
  const env = { ...process.env, CHECKPOINT_DISABLE: process.env.CHECKPOINT_DISABLE ?? '1' };
  if (synth) {
    const built = spawnSync('npm', ['run', '--silent', 'synth'], { stdio: 'inherit', env });
    if (built.status !== 0) return built.status ?? 1;
  }
  const outdir = resolve('cdktf.out');
  const stacks = deploymentOrder(outdir, environment, { reverse: verb === 'destroy' });
  for (const { stack, args } of environmentCommands(verb as Verb, stacks, extra, process.env.TF_PLUGIN_DIR)) {
    process.stdout.write(`\n== ${stack}: terraform ${args.join(' ')}\n`);
    const run = spawnSync('terraform', [`-chdir=${resolve(outdir, 'stacks', stack)}`, ...args], { stdio: 'inherit', env });
    if (run.status !== 0) {
      process.stderr.write(
        `terraform ${args[0]} of ${stack} failed; the stacks after it were not ${verb === 'plan' ? 'planned' : verb === 'apply' ? 'applied' : 'destroyed'}\n`,
      );
      return run.status ?? 1;
    }
  }
  return 0;
}

if (require.main === module) {
  try {
    process.exit(main());
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
