import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error';
import { loadEnvironmentFile, loadEnvironments } from '../../src/config/load';
import { compiledScript } from '../support/compiled';

const FIXTURES = join(__dirname, '..', 'fixtures', 'invalid');
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));

/** Each fixture lists the problems it must produce in `# expect:` comments. */
function expectedProblems(file: string): string[] {
  return [...readFileSync(join(FIXTURES, file), 'utf8').matchAll(/^# expect: (.+)$/gm)].map((m) => m[1]);
}

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('shipped environments', () => {
  const environments = loadEnvironments();

  it('are dev, staging and prod, and all parse', () => {
    expect(environments.map((e) => e.name)).toEqual(['dev', 'prod', 'staging']);
  });

  it('mark only prod as production, and prod is redundant everywhere', () => {
    const prod = environments.find((e) => e.name === 'prod')!;
    expect(environments.filter((e) => e.production).map((e) => e.name)).toEqual(['prod']);
    expect(prod.network.azCount).toBeGreaterThanOrEqual(2);
    expect(prod.network.natGateways).toBe('perAz');
    expect(prod.database).toMatchObject({ multiAz: true, deletionProtection: true });
    expect(prod.cache.replicas).toBeGreaterThanOrEqual(1);
  });

  it('give every environment its own account, VPC range and state bucket', () => {
    const distinct = (values: string[]) => new Set(values).size === values.length;
    expect(distinct(environments.map((e) => e.network.vpcCidr))).toBe(true);
    expect(distinct(environments.map((e) => (e.backend.type === 's3' ? e.backend.bucket : e.name)))).toBe(true);
  });

  it('fill defaults so that omitted keys have their documented values', () => {
    const dev = environments.find((e) => e.name === 'dev')!;
    expect(dev.cluster.endpointPublicAccess).toBe(false);
    expect(dev.network.privateSubnetPrefixLength).toBe(19);
    expect(dev.cache.engine).toBe('valkey');
    expect(dev.database.engineVersion).toBe('17');
  });
});

describe('malformed environment files', () => {
  it.each(fixtures)('%s is rejected with one line per problem', (file) => {
    const expected = expectedProblems(file);
    expect(expected.length).toBeGreaterThan(0);
    const error = captureError(() => loadEnvironmentFile(join(FIXTURES, file)));
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).message.split('\n');
    for (const problem of expected)
      expect(
        lines.some((line) => line.includes(problem)),
        `missing: ${problem}\nin:\n${lines.join('\n')}`,
      ).toBe(true);
    expect(lines).toHaveLength(expected.length);
  });

  it('are all reported in one run, not just the first file', () => {
    expect(() => loadEnvironments(FIXTURES)).toThrow(ConfigError);
    const error = captureError(() => loadEnvironments(FIXTURES)) as ConfigError;
    const files = new Set(error.problems.map((p) => p.file.split('/').pop()));
    expect([...files].sort()).toEqual([...fixtures].sort());
  });
});

describe('npm run synth with a bad environment', () => {
  it('exits non-zero, names file, field and rule, and writes nothing', () => {
    const target = join(mkdtempSync(join(tmpdir(), 'mlops-synth-')), 'cdktf.out');
    const result = spawnSync(process.execPath, [compiledScript(join(__dirname, '..', '..', 'src', 'synth.ts')), target], {
      env: { ...process.env, MLOPS_ENVIRONMENTS_DIR: FIXTURES },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('prodlike.yaml: database.multiAz: production databases must be multi-AZ');
    expect(result.stderr).toContain('sizes.yaml: cluster.nodePools.compute.minSize: minSize (3) must be ≤ desiredSize (1)');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(join(target, '..'))).toEqual([]);
  });
});
