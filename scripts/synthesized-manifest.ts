import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The part of cdktf's `manifest.json` the scripts read: each stack, its dependencies and where it was written. */
export interface StackManifest {
  readonly stacks: Record<
    string,
    {
      readonly dependencies?: readonly string[];
      /** Relative to the output directory; cdktf writes `stacks/<name>/cdk.tf.json`. */
      readonly synthesizedStackPath?: string;
      /** Relative to the output directory; cdktf writes `stacks/<name>`. */
      readonly workingDirectory?: string;
    }
  >;
}

/** Reads `<outdir>/manifest.json` as written by cdktf synthesis. */
export function readManifest(outdir: string): StackManifest {
  return JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as StackManifest;
}

/** The directory a stack was synthesized into, relative to the output directory. */
export function stackDirectory(manifest: StackManifest, name: string): string {
  return manifest.stacks[name].workingDirectory ?? join('stacks', name);
}
