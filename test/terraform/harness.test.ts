import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkStacks, readStacks, type StackCheck } from '../../scripts/terraform/offline-check';
import { detectToolchain } from '../../scripts/terraform/toolchain';

// The harness must be able to fail: a stack that only breaks at plan/apply time, which `terraform validate`
// cannot see, is blamed by the mocked apply, and a good one beside it passes.
const toolchain = detectToolchain();
const workdir = mkdtempSync(join(tmpdir(), 'mlops-harness-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));

function writeStack(outdir: string, name: string, resource: Record<string, unknown>) {
  mkdirSync(join(outdir, 'stacks', name), { recursive: true });
  const json = {
    terraform: { required_providers: { aws: { source: 'aws', version: '5.100.0' } } },
    provider: { aws: [{ region: 'eu-west-1' }] },
    resource,
  };
  writeFileSync(join(outdir, 'stacks', name, 'cdk.tf.json'), JSON.stringify(json));
}

describe('offline terraform harness', () => {
  it.skipIf(!toolchain.terraform || (!toolchain.pluginDir && !toolchain.required))(
    'blames the broken stack only',
    async () => {
      const outdir = join(workdir, 'cdktf.out');
      writeStack(outdir, 'good', { aws_sqs_queue: { q: { name: 'fine' } } });
      // Valid until apply: the ARN is only known then, so only the mocked apply finds that it is not one.
      writeStack(outdir, 'unappliable', {
        aws_sqs_queue: { q: { name: 'fine' } },
        aws_flow_log: {
          f: { vpc_id: 'vpc-123', traffic_type: 'ALL', log_destination_type: 's3', log_destination: '${aws_sqs_queue.q.id}' },
        },
      });
      const names = ['good', 'unappliable'];
      writeFileSync(
        join(outdir, 'manifest.json'),
        JSON.stringify({ stacks: Object.fromEntries(names.map((n) => [n, { workingDirectory: `stacks/${n}` }])) }),
      );
      const checks: StackCheck[] = await checkStacks(toolchain, readStacks(outdir), join(workdir, 'terraform'));
      const byName = Object.fromEntries(checks.map((c) => [c.stack, c]));
      expect(byName.good, JSON.stringify(checks, null, 1)).toMatchObject({ validate: 'passed', mockedApply: 'passed' });
      expect(byName.unappliable, JSON.stringify(checks, null, 1)).toMatchObject({ validate: 'passed', mockedApply: 'failed' });
      expect(byName.unappliable.detail).toMatch(/log_destination/);
    },
    120_000,
  );
});
