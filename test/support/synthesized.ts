import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { StackJson } from './synth';

/** Output directory of the app synthesized by the global setup. */
export function synthesizedOutdir(): string {
  return inject('cdktfOut');
}

/** Names of all synthesized stacks, from the manifest, in manifest order. */
export function synthesizedStackNames(): string[] {
  const manifest = JSON.parse(readFileSync(join(synthesizedOutdir(), 'manifest.json'), 'utf8')) as { stacks: Record<string, unknown> };
  return Object.keys(manifest.stacks);
}

/** Raw text of one synthesized stack. */
export function synthesizedText(stack: string): string {
  return readFileSync(join(synthesizedOutdir(), 'stacks', stack, 'cdk.tf.json'), 'utf8');
}

/** Parsed JSON of one synthesized stack. */
export function synthesizedStack(stack: string): StackJson {
  return JSON.parse(synthesizedText(stack)) as StackJson;
}
