// `npm run validate`: synthesize every stack, then validate each with terraform and plan+apply them
// against mocked providers. Exits non-zero on a failure, or on a skip that MLOPS_REQUIRE_TERRAFORM forbids.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvironmentsOrExit, synthesize } from '../src/run';
import { checkStacks, readStacks, skipIsAcceptable } from './terraform/offline-check';
import { detectToolchain } from './terraform/toolchain';

async function main(): Promise<number> {
  const workdir = mkdtempSync(join(tmpdir(), 'mlops-validate-'));
  try {
    const outdir = join(workdir, 'cdktf.out');
    synthesize(loadEnvironmentsOrExit(), outdir);
    const toolchain = detectToolchain();
    const stacks = readStacks(outdir);
    const checks = await checkStacks(toolchain, stacks, join(workdir, 'terraform'));
    let failed = 0;
    let skippedCount = 0;
    for (const [index, check] of checks.entries()) {
      const skipped = check.validate === 'skipped';
      const bad =
        check.validate === 'failed' ||
        check.mockedApply === 'failed' ||
        check.templates === 'failed' ||
        (skipped && !skipIsAcceptable(toolchain, stacks[index]));
      if (bad) failed++;
      else if (skipped) skippedCount++;
      const templates = check.templates ? `, template syntax ${check.templates}` : '';
      process.stdout.write(
        `${bad ? 'FAIL' : skipped ? 'SKIP' : 'ok  '} ${check.stack}: validate ${check.validate}, mocked apply ${check.mockedApply}${templates}\n`,
      );
      if (check.detail && (bad || skipped)) process.stdout.write(indent(check.detail));
      for (const error of check.templateErrors ?? []) process.stdout.write(indent(error));
    }
    // A stack that could not be validated is not counted as passed.
    process.stdout.write(`${checks.length - failed - skippedCount} passed, ${failed} failed, ${skippedCount} skipped\n`);
    return failed === 0 ? 0 : 1;
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

function indent(text: string): string {
  return `${text
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')}\n`;
}

main().then((code) => process.exit(code));
