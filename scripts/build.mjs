// Compiles the app (src/, constructs/, stacks/) to dist/, one JavaScript file per TypeScript file.
// Synthesis then runs on plain Node: loading TypeScript through a runtime hook cost a third of it.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = (dir) =>
  readdirSync(join(root, dir)).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(join(root, path)).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });

// Skipped when no source changed since the last build (same files, same modification times): `npm run synth`
// runs this before every synthesis.
const entryPoints = ['src', 'constructs', 'stacks'].flatMap(sources);
const stamp = JSON.stringify(entryPoints.map((path) => [path, statSync(join(root, path)).mtimeMs]));
const stampFile = join(root, 'dist', '.sources');
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) process.exit(0);

rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints,
  outdir: 'dist',
  outbase: '.',
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
writeFileSync(stampFile, stamp);
