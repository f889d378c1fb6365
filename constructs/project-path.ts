import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/**
 * A path inside the project: the folder holding package.json, found from this file's location, so it is
 * the same whether the code runs from TypeScript sources or from the compiled `dist/`.
 */
export function projectPath(...segments: string[]): string {
  if (root === undefined) {
    let dir = __dirname;
    while (!existsSync(join(dir, 'package.json'))) {
      const parent = dirname(dir);
      if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
      dir = parent;
    }
    root = dir;
  }
  return join(root, ...segments);
}
