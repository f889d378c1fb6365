import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localStateStacks, readManifest, stackOrder } from '../../scripts/deployment-order';
import { compiledScript } from '../support/compiled';
import { synthesizedOutdir } from '../support/synthesized';

// `npm run plan|apply|destroy -- <env>` as a user runs it, over the synthesized app, against a fake terraform
// that records its calls (and fails where told to).
const root = mkdtempSync(join(tmpdir(), 'mlops-env-commands-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;

function run(args: string[], failAt?: string) {
  const dir = join(root, `run-${++runs}`);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  symlinkSync(synthesizedOutdir(), join(dir, 'cdktf.out'));
  writeFileSync(
    join(dir, 'bin', 'terraform'),
    `#!/usr/bin/env bash\nstack=$(basename "\${1#-chdir=}")\nshift\necho "$stack $*" >> "${join(dir, 'calls')}"\n[ "$stack $1" != "${failAt ?? ''}" ]\n`,
  );
  chmodSync(join(dir, 'bin', 'terraform'), 0o755);
  const result = spawnSync(
    process.execPath,
    [compiledScript(join(__dirname, '..', '..', 'scripts', 'environment.ts')), ...args, '--no-synth'],
    {
      cwd: dir,
      env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, TF_PLUGIN_DIR: '/mirror' },
      encoding: 'utf8',
    },
  );
  let calls: string[] = [];
  try {
    calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
  } catch {
    calls = [];
  }
  return { status: result.status, stderr: result.stderr, calls };
}

const manifest = () => readManifest(synthesizedOutdir());
const order = (reverse = false) => stackOrder(manifest(), 'dev', { reverse, exclude: localStateStacks(synthesizedOutdir(), manifest()) });

describe('npm run plan|apply|destroy -- <env>', () => {
  it('plans every stack of the environment in dependency order, initialising each from the mirror', () => {
    const { status, calls } = run(['plan', 'dev']);
    expect(status).toBe(0);
    expect(calls).toEqual(order().flatMap((stack) => [`${stack} init -input=false -plugin-dir=/mirror`, `${stack} plan -input=false`]));
    expect(calls.join('\n')).not.toContain('bootstrap');
  });

  it('applies with the arguments given, and stops at the first stack that fails', () => {
    const stacks = order();
    const { status, calls, stderr } = run(['apply', 'dev', '-auto-approve'], `${stacks[1]} apply`);
    expect(status).not.toBe(0);
    expect(calls.at(-1)).toBe(`${stacks[1]} apply -input=false -auto-approve`);
    expect(calls.some((c) => c.startsWith(`${stacks[2]} `))).toBe(false);
    expect(stderr).toContain(`terraform apply of ${stacks[1]} failed`);
  });

  it('destroys dependants first', () => {
    const { status, calls } = run(['destroy', 'dev']);
    expect(status).toBe(0);
    expect(calls.filter((c) => c.split(' ')[1] === 'destroy').map((c) => c.split(' ')[0])).toEqual(order(true));
  });

  it('refuses an unknown verb or environment', () => {
    expect(run(['deploy', 'dev']).status).toBe(2);
    const unknown = run(['plan', 'nowhere']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toMatch(/^no stacks for environment 'nowhere' in the manifest; it has: dev, prod, staging$/);
  });
});
