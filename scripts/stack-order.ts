// `npx tsx scripts/stack-order.ts <env> [cdktf.out] [--reverse]`: the stacks CI plans and applies for one
// environment, one a line, each after the stacks it depends on; `--reverse` for destroy. Stacks that keep
// their state locally (the bootstrap stack) are left out: a runner's disk is gone after the job, so they are
// applied by hand. CI loops over this list, so the order lives in the synthesized manifest, never in a workflow.
import { resolve } from 'node:path';
import { deploymentOrder } from './deployment-order';

function main(argv: string[]): number {
  const reverse = argv.includes('--reverse');
  const [environment, outdir = 'cdktf.out', ...extra] = argv.filter((arg) => arg !== '--reverse');
  if (!environment || extra.length > 0 || environment.startsWith('-')) {
    process.stderr.write('usage: tsx scripts/stack-order.ts <environment> [cdktf.out] [--reverse]\n');
    return 2;
  }
  try {
    process.stdout.write(`${deploymentOrder(resolve(outdir), environment, { reverse }).join('\n')}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`stack-order: ${(error as Error).message}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
