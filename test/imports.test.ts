import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
const SOURCE_DIRS = ['src', 'constructs', 'stacks', 'scripts', 'test'];
const INDEX_IMPORT = /(?:from\s+|require\(\s*|import\(\s*)['"](@cdktf\/provider-[a-z-]+)(\/lib)?['"]/g;

function typescriptFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === '__snapshots__' || entry === 'fixtures' ? [] : typescriptFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('provider imports', () => {
  // The index of @cdktf/provider-aws alone costs ~5 s and ~500 MB per process; submodules cost almost nothing.
  it('come from submodules (`@cdktf/provider-aws/lib/<resource>`), never a package index', () => {
    const files = SOURCE_DIRS.flatMap((dir) => typescriptFiles(join(ROOT, dir))).filter((file) => file !== __filename);
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(INDEX_IMPORT)].map((m) => `${relative(ROOT, file)}: ${m[1]}${m[2] ?? ''}`),
    );
    expect(offenders).toEqual([]);
  });

  it('would catch an index import', () => {
    const pattern = new RegExp(INDEX_IMPORT.source);
    const index = ['@cdktf', 'provider-aws'].join('/'); // spelt apart so that source scanners do not flag this file
    expect(`import { Vpc } from '${index}';`.match(pattern)).not.toBeNull();
    expect(`import { provider } from '${index}/lib';`.match(pattern)).not.toBeNull();
    expect(`import { Vpc } from '${index}/lib/vpc';`.match(pattern)).toBeNull();
  });
});
