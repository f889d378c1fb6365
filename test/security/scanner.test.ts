import { Testing } from 'cdktf';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { describe, expect, it } from 'vitest';
import { ACCEPTED_FINDINGS, RULES, scan } from './rules';
import type { StackJson } from '../support/synth';
import { synthesizedStack, synthesizedStackNames } from '../support/synthesized';

describe('scanner rules (checkov/trivy, encoded)', () => {
  it.each(synthesizedStackNames().filter((s) => s.startsWith('mlops-prod-')))('%s passes every rule', (stack) => {
    expect(scan(synthesizedStack(stack), ['security', 'redundancy'])).toEqual([]);
  });

  it.each(synthesizedStackNames().filter((s) => !s.startsWith('mlops-prod-')))(
    '%s passes every rule not about redundancy or retention',
    (stack) => {
      expect(scan(synthesizedStack(stack), ['security'])).toEqual([]);
    },
  );

  it('accepts each reviewed finding only where it still applies', () => {
    for (const accepted of ACCEPTED_FINDINGS) {
      const matching = synthesizedStackNames().flatMap((s) =>
        Object.values(synthesizedStack(s).resource?.[accepted.type] ?? {}).filter((r) =>
          accepted.path.test((r['//'] as { metadata?: { path?: string } } | undefined)?.metadata?.path ?? ''),
        ),
      );
      expect(matching.length, `${accepted.ids} ${accepted.path}: matches nothing, remove it`).toBeGreaterThan(0);
    }
  });

  it('cover every resource type the stacks use that scanners check', () => {
    const used = new Set(synthesizedStackNames().flatMap((s) => Object.keys(synthesizedStack(s).resource ?? {})));
    const covered = new Set(RULES.map((r) => r.type));
    const scanned = [
      'aws_vpc',
      'aws_subnet',
      'aws_security_group',
      'aws_eks_cluster',
      'aws_launch_template',
      'aws_s3_bucket',
      'aws_db_instance',
      'aws_elasticache_replication_group',
      'aws_kms_key',
      'aws_iam_role_policy',
      'aws_cloudwatch_log_group',
      'aws_secretsmanager_secret',
    ];
    for (const type of scanned) {
      expect(used.has(type), `${type} no longer used: update this list`).toBe(true);
      expect(covered.has(type), `${type} has no rule`).toBe(true);
    }
  });

  it('find what they are meant to find', () => {
    const json = JSON.parse(
      Testing.synthScope((scope) => {
        new S3Bucket(scope, 'Open', { bucket: 'open' });
        new SecurityGroup(scope, 'Wide', {
          name: 'wide',
          vpcId: 'vpc-1',
          egress: [{ cidrBlocks: ['0.0.0.0/0'], fromPort: 0, toPort: 0, protocol: '-1' }],
        });
      }),
    ) as StackJson;
    const findings = scan(json, ['security', 'redundancy']);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('aws_s3_bucket.Open: CKV2_AWS_6'),
        expect.stringContaining('aws_s3_bucket.Open: CKV_AWS_19'),
        expect.stringContaining('aws_s3_bucket.Open: CKV_AWS_21'),
        expect.stringContaining('aws_security_group.Wide: CKV_AWS_23'),
        expect.stringContaining('aws_security_group.Wide: CKV_AWS_382, AVD-AWS-0104 (No unrestricted egress): egress to 0.0.0.0/0'),
      ]),
    );
  });
});
