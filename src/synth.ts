// `npm run synth`: all stacks of all environments into cdktf.out/ (or the directory given),
// replaced whole or not at all: configuration is validated before anything is written.
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadEnvironmentsOrExit, synthesize } from './run';

const target = resolve(process.argv[2] ?? 'cdktf.out');
const environments = loadEnvironmentsOrExit();
const staging = mkdtempSync(join(dirname(target), '.cdktf.out-'));
try {
  synthesize(environments, staging);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  process.stdout.write(`Synthesized ${environments.length} environments into ${target}\n`);
} finally {
  if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
}
