import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadEnvironments } from '../../src/config/load';
import { synthesize } from '../../src/run';

declare module 'vitest' {
  export interface ProvidedContext {
    /** cdktf output of the real app over the shipped environments, synthesized once per run. */
    cdktfOut: string;
  }
}

/** Synthesizes the app once for every test file that inspects its output. */
export default function setup(project: TestProject): () => void {
  const workdir = mkdtempSync(join(tmpdir(), 'mlops-test-'));
  const outdir = join(workdir, 'cdktf.out');
  synthesize(loadEnvironments(), outdir);
  project.provide('cdktfOut', outdir);
  return () => rmSync(workdir, { recursive: true, force: true });
}
