import { describe, expect, it } from 'vitest';
import { ScheduledBackups, type ScheduledBackupsProps } from '../../constructs/data/scheduled-backups';
import { KmsKey } from '../../constructs/security/kms-key';
import { dataSources, onlyResource, resources, synthScope } from '../support/synth';

const DATABASE = 'arn:aws:rds:eu-west-1:123456789012:db:mlops-test-metadata';
const BUCKET = 'arn:aws:s3:::mlops-test-artifacts';
const REMOTE_VAULT = 'arn:aws:backup:eu-central-1:123456789012:backup-vault:mlops-test-copies';

function backups(props: Partial<ScheduledBackupsProps> = {}) {
  return synthScope((scope) => {
    new ScheduledBackups(scope, 'Backups', {
      namePrefix: 'mlops-test',
      kmsKey: new KmsKey(scope, 'VaultKey', { alias: 'vault', description: 'vault' }),
      sourceKeys: [new KmsKey(scope, 'DataKey', { alias: 'data', description: 'data' })],
      resourceArns: [DATABASE, BUCKET],
      ...props,
    });
  });
}
const attempt = (props: Partial<ScheduledBackupsProps>) => () => void backups(props);

describe('ScheduledBackups', () => {
  it('backs up the selected resources daily into a KMS-encrypted vault, kept for the retention asked for', () => {
    const json = backups({ retentionDays: 90 });
    expect(onlyResource(json, 'aws_backup_vault')).toMatchObject({
      name: 'mlops-test-backups',
      kms_key_arn: expect.stringContaining('aws_kms_key.VaultKey'),
    });
    const plan = onlyResource(json, 'aws_backup_plan');
    expect(plan.rule).toEqual([
      expect.objectContaining({
        rule_name: 'daily',
        schedule: 'cron(0 3 ? * * *)',
        lifecycle: { delete_after: 90 },
        target_vault_name: expect.stringContaining('aws_backup_vault.'),
      }),
    ]);
    expect((plan.rule as { copy_action?: unknown }[])[0].copy_action).toBeUndefined();
    expect(onlyResource(json, 'aws_backup_selection')).toMatchObject({
      resources: [DATABASE, BUCKET],
      plan_id: expect.stringContaining('aws_backup_plan.'),
      iam_role_arn: expect.stringContaining('aws_iam_role.'),
    });
  });

  it('locks the vault: governance by default, compliance after a grace period when asked, none only when asked', () => {
    expect(onlyResource(backups(), 'aws_backup_vault_lock_configuration')).toEqual(
      expect.objectContaining({ min_retention_days: 7, backup_vault_name: expect.stringContaining('aws_backup_vault.') }),
    );
    expect(onlyResource(backups(), 'aws_backup_vault_lock_configuration').changeable_for_days).toBeUndefined();
    expect(onlyResource(backups({ lockMode: 'compliance' }), 'aws_backup_vault_lock_configuration').changeable_for_days).toBe(3);
    expect(resources(backups({ lockMode: 'none' }), 'aws_backup_vault_lock_configuration')).toEqual({});
  });

  it('copies every recovery point to a vault elsewhere when given one', () => {
    const plan = onlyResource(backups({ copyTo: { vaultArn: REMOTE_VAULT, retentionDays: 365 } }), 'aws_backup_plan');
    expect((plan.rule as { copy_action: unknown }[])[0].copy_action).toEqual([
      { destination_vault_arn: REMOTE_VAULT, lifecycle: { delete_after: 365 } },
    ]);
  });

  it('acts through a role only AWS Backup can assume, with its managed policies and the keys it needs', () => {
    const json = backups();
    const role = onlyResource(json, 'aws_iam_role');
    expect(role.name).toBe('mlops-test-backup');
    const trust = Object.entries(dataSources(json, 'aws_iam_policy_document')).find(([id]) => id.includes('Trust'))![1];
    expect(trust.statement).toEqual([
      { actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['backup.amazonaws.com'] }] },
    ]);
    const managed = Object.values(resources(json, 'aws_iam_role_policy_attachment')).map((a) => String(a.policy_arn).split(':policy/')[1]);
    expect(managed.sort()).toEqual([
      'AWSBackupServiceRolePolicyForS3Backup',
      'AWSBackupServiceRolePolicyForS3Restore',
      'service-role/AWSBackupServiceRolePolicyForBackup',
      'service-role/AWSBackupServiceRolePolicyForRestores',
    ]);
    const keys = Object.values(resources(json, 'aws_iam_role_policy')).map((p) => p.name);
    expect(keys.sort()).toEqual(['UseSourceKey0', 'UseVaultKey']);
  });

  it('rejects what AWS Backup would refuse or what would protect nothing, naming the prop', () => {
    expect(attempt({ resourceArns: [] })).toThrow(/resourceArns must name at least one resource/);
    expect(attempt({ resourceArns: ['arn:aws:dynamodb:eu-west-1:123456789012:table/t'] })).toThrow(
      /is not the ARN of an RDS instance or S3 bucket/,
    );
    expect(attempt({ retentionDays: 3 })).toThrow(/retentionDays must be a whole number of days from 7 to 36500 \(got 3\)/);
    expect(attempt({ copyTo: { vaultArn: REMOTE_VAULT, retentionDays: 1 } })).toThrow(/copyTo.retentionDays must be a whole number/);
    expect(attempt({ copyTo: { vaultArn: 'mlops-test-copies' } })).toThrow(
      /copyTo.vaultArn 'mlops-test-copies' must be the ARN of a backup vault/,
    );
    expect(attempt({ schedule: '0 3 * * *' })).toThrow(/schedule '0 3 \* \* \*' must be an AWS Backup expression/);
    expect(attempt({ namePrefix: 'mlops test' })).toThrow(/namePrefix 'mlops test'/);
  });
});
