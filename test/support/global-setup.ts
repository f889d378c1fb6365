import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadEnvironments } from '../../src/config/load';
import { synthesize } from '../../src/run';
import { startPythonTier, type PythonTierRun } from './python';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Python tier's pytest run, made while the app synthesizes. */
    pythonTier: PythonTierRun;
    /** cdktf output of the real app over the shipped environments, synthesized once per run. */
    cdktfOut: string;
  }
}

/** Synthesizes the app once for every test file that inspects its output, with the Python tier running beside it. */
export default async function setup(project: TestProject): Promise<() => void> {
  const pythonTier = startPythonTier();
  const workdir = mkdtempSync(join(tmpdir(), 'mlops-test-'));
  const outdir = join(workdir, 'cdktf.out');
  synthesize(loadEnvironments(), outdir);
  project.provide('cdktfOut', outdir);
  project.provide('pythonTier', await pythonTier);
  return () => rmSync(workdir, { recursive: true, force: true });
}
