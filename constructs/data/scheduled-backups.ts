import { BackupPlan } from '@cdktf/provider-aws/lib/backup-plan';
import { BackupSelection } from '@cdktf/provider-aws/lib/backup-selection';
import { BackupVault } from '@cdktf/provider-aws/lib/backup-vault';
import { BackupVaultLockConfiguration } from '@cdktf/provider-aws/lib/backup-vault-lock-configuration';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { Role } from '../iam/role';
import type { IKmsKey } from '../security/kms-key';

/** How a vault's lock protects its recovery points. */
export type VaultLockMode =
  /** No lock: anyone allowed to delete recovery points can. */
  | 'none'
  /** Recovery points stay at least the minimum retention, unless a principal allowed to remove the lock removes it. */
  | 'governance'
  /** As governance, but after a 3-day grace period nobody (not even the account's root) can remove the lock or shorten it. */
  | 'compliance';

/** Props of {@link ScheduledBackups}. */
export interface ScheduledBackupsProps {
  /** Names the vault (`<namePrefix>-backups`), the plan and the service role (`<namePrefix>-backup`). */
  readonly namePrefix: string;
  /** Encrypts the vault's recovery points (S3 backups; RDS snapshots keep their instance's key). */
  readonly kmsKey: IKmsKey;
  /** Keys the protected resources are encrypted with: the service role may use them to read and restore. */
  readonly sourceKeys: IKmsKey[];
  /** ARNs of what to back up: RDS instances, S3 buckets (versioned). */
  readonly resourceArns: string[];
  /** Days a recovery point is kept. @default 35 */
  readonly retentionDays?: number;
  /** When the daily backup starts, as an AWS Backup schedule expression (UTC). @default `cron(0 3 ? * * *)`, 03:00 UTC */
  readonly schedule?: string;
  /** A vault in another region or account that receives a copy of every recovery point. @default no copy */
  readonly copyTo?: { readonly vaultArn: string; readonly retentionDays?: number };
  /** @default 'governance' */
  readonly lockMode?: VaultLockMode;
}

/** The shortest retention the vault lock enforces: a recovery point younger than this cannot be deleted. */
export const LOCKED_MIN_RETENTION_DAYS = 7;

/**
 * Daily AWS Backup of the platform's stateful resources into a KMS-encrypted, locked vault, with an optional
 * copy to a vault elsewhere. AWS Backup acts through its own role, which can read only what it is given.
 */
export class ScheduledBackups extends Construct {
  readonly vaultName: string;
  readonly vaultArn: string;
  readonly planId: string;
  readonly roleArn: string;

  constructor(scope: Construct, id: string, props: ScheduledBackupsProps) {
    super(scope, id);
    const where = this.node.path;
    const retentionDays = props.retentionDays ?? 35;
    const schedule = props.schedule ?? 'cron(0 3 ? * * *)';
    const lockMode = props.lockMode ?? 'governance';
    validate(where, props, retentionDays, schedule, lockMode);

    const vault = new BackupVault(this, 'Vault', { name: `${props.namePrefix}-backups`, kmsKeyArn: props.kmsKey.keyArn });
    if (lockMode !== 'none') {
      new BackupVaultLockConfiguration(this, 'Lock', {
        backupVaultName: vault.name,
        minRetentionDays: LOCKED_MIN_RETENTION_DAYS,
        ...(lockMode === 'compliance' ? { changeableForDays: 3 } : {}),
      });
    }

    const role = new Role(this, 'ServiceRole', {
      roleName: `${props.namePrefix}-backup`,
      description: `AWS Backup of ${props.namePrefix}: backs up and restores the selected resources`,
      trustStatements: [{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['backup.amazonaws.com'] }] }],
      managedPolicies: [
        'service-role/AWSBackupServiceRolePolicyForBackup',
        'service-role/AWSBackupServiceRolePolicyForRestores',
        'AWSBackupServiceRolePolicyForS3Backup',
        'AWSBackupServiceRolePolicyForS3Restore',
      ],
    });
    props.kmsKey.grantEncryptDecrypt(role, 'UseVaultKey');
    props.sourceKeys.forEach((key, index) => key.grantEncryptDecrypt(role, `UseSourceKey${index}`));

    const plan = new BackupPlan(this, 'Plan', {
      name: `${props.namePrefix}-daily`,
      rule: [
        {
          ruleName: 'daily',
          targetVaultName: vault.name,
          schedule,
          // Started within an hour of the schedule, or skipped; finished within a day.
          startWindow: 60,
          completionWindow: 24 * 60,
          lifecycle: { deleteAfter: retentionDays },
          recoveryPointTags: { 'mlops-platform/backup-plan': `${props.namePrefix}-daily` },
          copyAction: props.copyTo
            ? [
                {
                  destinationVaultArn: props.copyTo.vaultArn,
                  lifecycle: { deleteAfter: props.copyTo.retentionDays ?? retentionDays },
                },
              ]
            : undefined,
        },
      ],
    });
    new BackupSelection(this, 'Selection', {
      name: `${props.namePrefix}-stateful`,
      planId: plan.id,
      iamRoleArn: role.roleArn,
      resources: props.resourceArns,
    });

    this.vaultName = vault.name;
    this.vaultArn = vault.arn;
    this.planId = plan.id;
    this.roleArn = role.roleArn;
  }
}

function validate(where: string, props: ScheduledBackupsProps, retentionDays: number, schedule: string, lockMode: VaultLockMode): void {
  const fail = (message: string) => {
    throw new Error(`${where}: ${message}`);
  };
  if (!/^[\w-]{1,40}$/.test(props.namePrefix)) fail(`namePrefix '${props.namePrefix}' must be 1-40 letters, digits, '-' or '_'`);
  if (props.resourceArns.length === 0) fail('resourceArns must name at least one resource to back up');
  for (const arn of props.resourceArns) {
    if (!Token.isUnresolved(arn) && !/^arn:aws[a-z-]*:(rds|s3):/.test(arn))
      fail(`resourceArns: '${arn}' is not the ARN of an RDS instance or S3 bucket`);
  }
  const days = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < LOCKED_MIN_RETENTION_DAYS || value > 36500)
      fail(`${name} must be a whole number of days from ${LOCKED_MIN_RETENTION_DAYS} to 36500 (got ${value})`);
  };
  days('retentionDays', retentionDays);
  if (props.copyTo?.retentionDays !== undefined) days('copyTo.retentionDays', props.copyTo.retentionDays);
  if (!/^(cron|rate)\(.+\)$/.test(schedule)) fail(`schedule '${schedule}' must be an AWS Backup expression such as cron(0 3 ? * * *)`);
  if (
    props.copyTo &&
    !Token.isUnresolved(props.copyTo.vaultArn) &&
    !/^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[\w.-]+$/.test(props.copyTo.vaultArn)
  )
    fail(`copyTo.vaultArn '${props.copyTo.vaultArn}' must be the ARN of a backup vault`);
  if (!['none', 'governance', 'compliance'].includes(lockMode)) fail(`lockMode '${lockMode}' must be none, governance or compliance`);
}
