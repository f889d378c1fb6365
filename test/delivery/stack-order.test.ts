import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deploymentOrder, localStateStacks, readManifest, stackOrder, type StackManifest } from '../../scripts/deployment-order';
import { loadEnvironments } from '../../src/config/load';
import { synthesizedOutdir } from '../support/synthesized';
import { compiledScript } from '../support/compiled';

const ROOT = join(__dirname, '..', '..');

/** Two environments; `dev` lists its stacks in an order that is not the deployment order. */
const FIXTURE: StackManifest = {
  stacks: {
    'mlops-dev-platform': { dependencies: ['mlops-dev-cluster', 'mlops-dev-identity'] },
    'mlops-dev-identity': { dependencies: ['mlops-dev-cluster', 'mlops-dev-data'] },
    'mlops-dev-data': { dependencies: ['mlops-dev-network'] },
    'mlops-dev-cluster': { dependencies: ['mlops-dev-network'] },
    'mlops-dev-network': { dependencies: [] },
    'mlops-devx-network': {},
    'mlops-prod-network': { dependencies: [] },
  },
};

/** Fails unless every stack of `order` comes after each of its dependencies. */
function expectDependenciesFirst(manifest: StackManifest, order: string[]): void {
  for (const [index, stack] of order.entries()) {
    for (const dependency of manifest.stacks[stack].dependencies ?? []) {
      expect(order.indexOf(dependency), `${stack} must come after ${dependency}`).toBeLessThan(index);
      expect(order.indexOf(dependency)).toBeGreaterThanOrEqual(0);
    }
  }
}

describe('stackOrder', () => {
  it("orders an environment's stacks after their dependencies, keeping manifest order between independent stacks", () => {
    expect(stackOrder(FIXTURE, 'dev')).toEqual([
      'mlops-dev-network',
      'mlops-dev-data',
      'mlops-dev-cluster',
      'mlops-dev-identity',
      'mlops-dev-platform',
    ]);
    expect(stackOrder(FIXTURE, 'prod')).toEqual(['mlops-prod-network']);
  });

  it('lists dependants first with reverse, for destroy', () => {
    expect(stackOrder(FIXTURE, 'dev', { reverse: true })).toEqual([
      'mlops-dev-platform',
      'mlops-dev-identity',
      'mlops-dev-cluster',
      'mlops-dev-data',
      'mlops-dev-network',
    ]);
  });

  it('rejects a cycle, naming the stacks in it', () => {
    const cyclic: StackManifest = {
      stacks: {
        'mlops-dev-network': {},
        'mlops-dev-data': { dependencies: ['mlops-dev-network', 'mlops-dev-cluster'] },
        'mlops-dev-cluster': { dependencies: ['mlops-dev-data'] },
      },
    };
    expect(() => stackOrder(cyclic, 'dev')).toThrow('dependency cycle among mlops-dev-data, mlops-dev-cluster');
  });

  it('rejects an unknown environment, listing the known ones', () => {
    expect(() => stackOrder(FIXTURE, 'qa')).toThrow("no stacks for environment 'qa' in the manifest; it has: dev, devx, prod");
    expect(() => stackOrder(FIXTURE, 'Dev')).toThrow("'Dev' is not an environment name");
    expect(() => stackOrder(FIXTURE, '')).toThrow("'' is not an environment name");
  });

  it('leaves out excluded stacks, counting dependencies on them as met', () => {
    const withBootstrap: StackManifest = {
      stacks: { ...FIXTURE.stacks, 'mlops-dev-bootstrap': {}, 'mlops-dev-network': { dependencies: ['mlops-dev-bootstrap'] } },
    };
    expect(stackOrder(withBootstrap, 'dev', { exclude: ['mlops-dev-bootstrap'] })).toEqual(stackOrder(FIXTURE, 'dev'));
    expect(stackOrder(withBootstrap, 'dev')[0]).toBe('mlops-dev-bootstrap');
    expect(() => stackOrder(FIXTURE, 'prod', { exclude: ['mlops-prod-network'] })).toThrow(
      "every stack of environment 'prod' is excluded: mlops-prod-network",
    );
  });

  it('rejects dependencies outside the environment', () => {
    const crossing: StackManifest = { stacks: { 'mlops-dev-data': { dependencies: ['mlops-prod-network'] }, 'mlops-prod-network': {} } };
    expect(() => stackOrder(crossing, 'dev')).toThrow(
      'mlops-dev-data depends on mlops-prod-network, which is a stack of another environment',
    );
    const missing: StackManifest = { stacks: { 'mlops-dev-data': { dependencies: ['mlops-dev-network'] } } };
    expect(() => stackOrder(missing, 'dev')).toThrow('mlops-dev-data depends on mlops-dev-network, which is not in the manifest');
  });
});

describe('the deployment order of the synthesized app', () => {
  const outdir = synthesizedOutdir();
  const manifest = readManifest(outdir);

  it('leaves out only stacks with local state, the bootstrap stacks', () => {
    for (const stack of localStateStacks(outdir, manifest)) expect(stack).toContain('bootstrap');
  });

  it.for(loadEnvironments().map((e) => e.name))('orders the five stacks of %s that keep state in S3', (environment) => {
    const order = deploymentOrder(outdir, environment);
    const stacks = ['network', 'data', 'cluster', 'identity', 'platform'].map((layer) => `mlops-${environment}-${layer}`);
    expect([...order].sort()).toEqual([...stacks].sort());
    expect(order[0]).toBe(`mlops-${environment}-network`);
    expect(order.slice(3)).toEqual([`mlops-${environment}-identity`, `mlops-${environment}-platform`]);
    expectDependenciesFirst(manifest, order);
    expect(deploymentOrder(outdir, environment, { reverse: true })).toEqual([...order].reverse());
  });
});

describe('scripts/stack-order.ts', () => {
  const workdir = mkdtempSync(join(tmpdir(), 'mlops-stack-order-'));
  // The CLI reads each stack's backend: everything in S3 but dev's bootstrap stack, which keeps state locally.
  const cliFixture: StackManifest = { stacks: { 'mlops-dev-bootstrap': {}, ...FIXTURE.stacks } };
  writeFileSync(join(workdir, 'manifest.json'), JSON.stringify(cliFixture));
  for (const stack of Object.keys(cliFixture.stacks)) {
    const backend = stack === 'mlops-dev-bootstrap' ? { local: { path: 'x.tfstate' } } : { s3: { bucket: 'b', key: `${stack}.tfstate` } };
    mkdirSync(join(workdir, 'stacks', stack), { recursive: true });
    // No backend at all is local state too.
    const json = stack === 'mlops-devx-network' ? {} : { terraform: { backend } };
    writeFileSync(join(workdir, 'stacks', stack, 'cdk.tf.json'), JSON.stringify(json));
  }
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [compiledScript(join(ROOT, 'scripts', 'stack-order.ts')), ...args], {
      encoding: 'utf8',
    });

  it('finds the stacks that keep state locally', () => {
    expect(localStateStacks(workdir, cliFixture)).toEqual(['mlops-dev-bootstrap', 'mlops-devx-network']);
  });

  // Each run starts a TypeScript process: the order itself is tested above, the command line once each way.
  it('prints one stack with remote state a line, in reverse when asked', () => {
    const reverse = run('dev', workdir, '--reverse');
    expect(reverse.stderr).toBe('');
    expect(reverse.status).toBe(0);
    expect(reverse.stdout).toBe(`${stackOrder(FIXTURE, 'dev', { reverse: true }).join('\n')}\n`);
  });

  it('fails with the reason on an unknown environment', () => {
    const unknown = run('qa', workdir);
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain("no stacks for environment 'qa'");
  });
});
