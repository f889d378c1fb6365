import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error';
import { ENVIRONMENTS_DIR, loadEnvironmentFile, loadEnvironments, MAX_FILE_CHARACTERS, parseEnvironment } from '../../src/config/load';
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

  it('reports what looks like an environment but is not one, instead of skipping it', () => {
    // An environments folder with the project's schemas beside it, as the loader expects.
    const root = mkdtempSync(join(tmpdir(), 'mlops-envs-'));
    symlinkSync(join(ENVIRONMENTS_DIR, '..', 'schemas'), join(root, 'schemas'));
    const dir = join(root, 'environments');
    mkdirSync(dir);
    copyFileSync(join(ENVIRONMENTS_DIR, 'dev.yaml'), join(dir, 'dev.yaml'));
    copyFileSync(join(ENVIRONMENTS_DIR, 'staging.yaml'), join(dir, 'qa.yml'));
    symlinkSync(join(dir, 'missing.yaml'), join(dir, 'gone.yaml'));
    mkdirSync(join(dir, 'folder.yaml'));
    const error = captureError(() => loadEnvironments(dir)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message.split('\n').sort()).toEqual(
      [
        expect.stringMatching(/folder\.yaml: must be a file \(an environment is one YAML file\)$/),
        expect.stringMatching(/gone\.yaml: must be a file/),
        expect.stringMatching(/qa\.yml: environment files end in \.yaml: rename it to qa\.yaml$/),
      ].sort(),
    );
  });

  it("refuses two environments in one account creating the same state bucket or the account's one OIDC provider", () => {
    const root = mkdtempSync(join(tmpdir(), 'mlops-envs-'));
    symlinkSync(join(ENVIRONMENTS_DIR, '..', 'schemas'), join(root, 'schemas'));
    const dir = join(root, 'environments');
    mkdirSync(dir);
    const dev = readFileSync(join(ENVIRONMENTS_DIR, 'dev.yaml'), 'utf8');
    writeFileSync(join(dir, 'dev.yaml'), dev);
    // A second environment copied from dev, changing only its network.
    writeFileSync(join(dir, 'qa.yaml'), dev.replace('vpcCidr: 10.10.0.0/16', 'vpcCidr: 10.20.0.0/16'));
    const error = captureError(() => loadEnvironments(dir)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message.split('\n')).toEqual([
      expect.stringMatching(
        /qa\.yaml: backend\.bucket: 'mlops-tfstate-111111111111-eu-west-1' is dev's state bucket too: each environment's bootstrap stack creates its own$/,
      ),
      expect.stringMatching(
        /qa\.yaml: delivery\.existingOidcProviderArn: dev creates the GitHub OIDC provider of account 111111111111, which holds one: name it here/,
      ),
    ]);
    // Its own bucket and dev's provider: accepted.
    const provider = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
    writeFileSync(
      join(dir, 'qa.yaml'),
      dev
        .replace('vpcCidr: 10.10.0.0/16', 'vpcCidr: 10.20.0.0/16')
        .replace('bucket: mlops-tfstate-111111111111-eu-west-1', 'bucket: mlops-tfstate-qa-111111111111')
        .replace('delivery:\n', `delivery:\n  existingOidcProviderArn: ${provider}\n`),
    );
    expect(loadEnvironments(dir).map((e) => e.name)).toEqual(['dev', 'qa']);
  });

  it('refuses a file too big to be an environment before parsing it', () => {
    const text = `${readFileSync(join(ENVIRONMENTS_DIR, 'dev.yaml'), 'utf8')}\n# ${'x'.repeat(MAX_FILE_CHARACTERS)}\n`;
    const error = captureError(() => parseEnvironment('environments/dev.yaml', text)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(
      new RegExp(`^environments/dev\\.yaml: is ${text.length} characters; an environment file holds at most ${MAX_FILE_CHARACTERS}$`),
    );
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
