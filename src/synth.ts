// `npm run synth`: all stacks of all environments into cdktf.out/, replaced whole or not at all.
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { synthesizeAll } from './run';

const target = resolve(process.argv[2] ?? 'cdktf.out');
const staging = mkdtempSync(join(resolve(target, '..'), '.cdktf.out-'));
try {
  synthesizeAll(staging);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  process.stdout.write(`Synthesized into ${target}\n`);
} finally {
  if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
}
