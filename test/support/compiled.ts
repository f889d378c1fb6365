import { buildSync } from 'esbuild';
import { basename, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const built = new Set<string>();

/**
 * A TypeScript entry point compiled once per test process into `.tmp/compiled/` (dependencies left to
 * `node_modules`), so tests that spawn a script run it on plain Node instead of paying tsx's start-up per spawn.
 */
export function compiledScript(entry: string): string {
  const outfile = join(ROOT, '.tmp', 'compiled', basename(entry).replace(/\.ts$/, '.cjs'));
  if (!built.has(outfile)) {
    buildSync({
      entryPoints: [entry],
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile,
      logLevel: 'warning',
    });
    built.add(outfile);
  }
  return outfile;
}
