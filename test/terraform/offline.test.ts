import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStacks, readStacks, skipIsAcceptable, type StackCheck, type SynthesizedStack } from '../../scripts/terraform/offline-check';
import { detectToolchain, REQUIRE_ENV } from '../../scripts/terraform/toolchain';
import { synthesizedOutdir } from '../support/synthesized';

// Slower tier: real `terraform validate` and a plan+apply against mocked providers, offline.
// Skips with the reason when terraform or a provider is missing; MLOPS_REQUIRE_TERRAFORM=1 (CI) makes that a failure.
const toolchain = detectToolchain();
const workdir = mkdtempSync(join(tmpdir(), 'mlops-terraform-'));
let stacks: SynthesizedStack[] = [];
let checks: StackCheck[] = [];

/**
 * A canary checked beside the real stacks, so the suite proves the check can fail without paying for a
 * second terraform run: valid configuration whose flow log destination is only known (and only invalid)
 * at apply time, which `terraform validate` cannot see and the mocked apply must.
 */
function canaryStack(): SynthesizedStack {
  const dir = join(workdir, 'canary');
  mkdirSync(dir, { recursive: true });
  const json = {
    terraform: { required_providers: { aws: { source: 'aws', version: '5.100.0' } } },
    resource: {
      aws_sqs_queue: { q: { name: 'canary' } },
      aws_flow_log: { f: { vpc_id: 'vpc-123', traffic_type: 'ALL', log_destination_type: 's3', log_destination: '${aws_sqs_queue.q.id}' } },
    },
  };
  writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(json));
  return { name: 'canary', dir, providers: ['hashicorp/aws'] };
}

/**
 * A canary for the template check: a stack whose provider no mirror has (so it is not validated) with two
 * strings Terraform rejects, the shell expansion that once broke the platform plan and a bare `${name}`.
 * Only where a mirror decides what is missing: online, init would try to download its provider.
 */
function templateCanaryStack(): SynthesizedStack[] {
  if (!toolchain.pluginDir) return [];
  const dir = join(workdir, 'template-canary');
  mkdirSync(dir, { recursive: true });
  const json = {
    terraform: { required_providers: { unmirrored: { source: 'example/unmirrored', version: '1.0.0' } } },
    resource: {
      unmirrored_thing: {
        a: {
          script: 'for url in "$@"; do jar="${url##*/}"; done',
          escaped: 'jar="$${url##*/}" %%{ ok }',
          name: '${unmirrored_thing.b.id}',
        },
        b: { command: 'echo ${upper}' },
      },
    },
  };
  writeFileSync(join(dir, 'cdk.tf.json'), JSON.stringify(json));
  return [{ name: 'template-canary', dir, providers: ['example/unmirrored'] }];
}

beforeAll(async () => {
  stacks = readStacks(synthesizedOutdir());
  checks = await checkStacks(toolchain, [...stacks, canaryStack(), ...templateCanaryStack()], join(workdir, 'checks'));
}, 300_000);

afterAll(() => rmSync(workdir, { recursive: true, force: true }));

describe('offline terraform', () => {
  it('finds terraform when CI requires it (providers come from the mirror, or from the registry where there is none)', () => {
    if (!toolchain.required) return;
    expect(toolchain.terraform, `${REQUIRE_ENV} is set but terraform is not on PATH`).toBeDefined();
  });

  it('blames the canary, and only the canary, for what fails at apply time', (context) => {
    const canary = checks.find((c) => c.stack === 'canary')!;
    if (canary.validate === 'skipped') context.skip(canary.detail);
    expect(canary, JSON.stringify(canary)).toMatchObject({ validate: 'passed', mockedApply: 'failed' });
    expect(canary.detail).toMatch(/log_destination/);
  });

  it('blames each string of the template canary that Terraform cannot parse, and only those', (context) => {
    const canary = checks.find((c) => c.stack === 'template-canary');
    if (!canary) context.skip('no provider mirror: stacks are validated in full where providers download');
    expect(canary!.templates, JSON.stringify(canary)).toBe('failed');
    expect(canary!.templateErrors).toHaveLength(2);
    expect(canary!.templateErrors!.join('\n')).toMatch(/unmirrored_thing\.a\.script: .*\$\{url##\*\/\}/);
    expect(canary!.templateErrors!.join('\n')).toMatch(/unmirrored_thing\.b\.command: .*\$\{upper\}/);
  });

  it.for(readStacks(synthesizedOutdir()).map((s) => s.name))('%s: every string is a valid Terraform template', (name, context) => {
    const check = checks.find((c) => c.stack === name)!;
    if (check.validate !== 'skipped') {
      expect(check.validate, check.detail).toBe('passed'); // validation parsed every string itself
      return;
    }
    if (check.templates === 'skipped') context.skip(check.detail);
    expect(check.templateErrors ?? [], (check.templateErrors ?? []).join('\n')).toEqual([]);
    expect(check.templates).toBe('passed');
  });

  it.for(readStacks(synthesizedOutdir()).map((s) => s.name))('%s validates and applies against mocks', (name, context) => {
    const check = checks.find((c) => c.stack === name)!;
    const stack = stacks.find((s) => s.name === name)!;
    if (check.validate === 'skipped') {
      expect(skipIsAcceptable(toolchain, stack), `${name} may not be skipped when ${REQUIRE_ENV}=1: ${check.detail}`).toBe(true);
      console.warn(`skipped terraform checks of ${name}: ${check.detail}`);
      context.skip(check.detail);
    }
    expect(check.validate, check.detail).toBe('passed');
    expect(check.mockedApply, check.detail).toBe('passed');
  });
});
