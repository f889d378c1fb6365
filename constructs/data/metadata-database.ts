import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { Construct } from 'constructs';
import { Role } from '../iam/role';
import { ServiceSecurityGroup } from '../network/service-security-group';
import type { IKmsKey } from '../security/kms-key';

/** What consumers (Airflow, MLflow, the feature registry) need to create their databases and connect. */
export interface IMetadataDatabase {
  /** Host name of the instance (no port). */
  readonly address: string;
  readonly port: number;
  /** Secrets Manager secret RDS manages for the master user (`username`, `password` keys). */
  readonly masterSecretArn: string;
  /** Key that encrypts the master secret: readers of the secret need `kms:Decrypt` on it. */
  readonly masterSecretKeyArn: string;
  readonly securityGroupId: string;
  /** ARN of the instance: what a backup plan selects. */
  readonly instanceArn: string;
  /** Admits clients that are members of `securityGroupId` on the database port. */
  allowFrom(securityGroupId: string, description: string): void;
}

/** Props of {@link MetadataDatabase}. */
export interface MetadataDatabaseProps {
  /** Instance identifier, e.g. `mlops-prod-metadata`. */
  readonly identifier: string;
  readonly vpcId: string;
  /** Private subnets in at least two AZs (RDS requires two even for single-AZ instances). */
  readonly subnetIds: string[];
  /** Encrypts storage, the master secret, Performance Insights and the exported logs. */
  readonly kmsKey: IKmsKey;
  readonly instanceClass: string;
  /** @default '17' (the newest major the Airflow 3 metadata database supports); minor versions upgrade automatically */
  readonly engineVersion?: string;
  /** @default 50 */
  readonly allocatedStorageGiB?: number;
  /** Storage autoscaling ceiling. @default 4 × allocatedStorageGiB */
  readonly maxAllocatedStorageGiB?: number;
  /** @default false */
  readonly multiAz?: boolean;
  /** @default 7 */
  readonly backupRetentionDays?: number;
  /** Also keeps a final snapshot on destroy. @default true */
  readonly deletionProtection?: boolean;
  /** @default 365 */
  readonly logRetentionDays?: number;
}

const PORT = 5432;

/**
 * A private RDS PostgreSQL instance for platform metadata: TLS forced, KMS everywhere, master password
 * generated and kept by Secrets Manager (never in code or state), logs exported, enhanced monitoring and
 * Performance Insights on. Databases and logins per consumer are created later, in the cluster.
 */
export class MetadataDatabase extends Construct implements IMetadataDatabase {
  readonly address: string;
  readonly port = PORT;
  readonly masterSecretArn: string;
  readonly masterSecretKeyArn: string;
  readonly securityGroupId: string;
  readonly instanceArn: string;
  private readonly securityGroup: ServiceSecurityGroup;

  constructor(scope: Construct, id: string, props: MetadataDatabaseProps) {
    super(scope, id);
    const engineVersion = props.engineVersion ?? '17';
    const allocated = props.allocatedStorageGiB ?? 50;
    const maxAllocated = props.maxAllocatedStorageGiB ?? allocated * 4;
    const backupRetentionDays = props.backupRetentionDays ?? 7;
    const deletionProtection = props.deletionProtection ?? true;
    this.validate(props, engineVersion, allocated, maxAllocated, backupRetentionDays);

    this.securityGroup = new ServiceSecurityGroup(this, 'SecurityGroup', {
      name: `${props.identifier}-postgres`,
      description: `PostgreSQL ${props.identifier}: admits only platform workloads`,
      vpcId: props.vpcId,
      port: PORT,
    });
    this.securityGroupId = this.securityGroup.securityGroupId;

    const subnets = new DbSubnetGroup(this, 'SubnetGroup', {
      name: props.identifier,
      description: `Private subnets of ${props.identifier}`,
      subnetIds: props.subnetIds,
    });

    const parameters = new DbParameterGroup(this, 'Parameters', {
      namePrefix: `${props.identifier}-pg${engineVersion}-`,
      family: `postgres${engineVersion}`,
      description: `TLS-only, audited PostgreSQL ${engineVersion} for ${props.identifier}`,
      parameter: [
        { name: 'rds.force_ssl', value: '1' },
        { name: 'log_connections', value: '1' },
        { name: 'log_disconnections', value: '1' },
        // DDL and role changes are audited by pgaudit, which writes `PASSWORD <REDACTED>` where
        // log_statement would write the statement as sent; queries are logged only when slow.
        { name: 'log_statement', value: 'none' },
        { name: 'pgaudit.log', value: 'ddl,role' },
        { name: 'pgaudit.log_parameter', value: '0' },
        { name: 'log_min_duration_statement', value: '1000' },
        { name: 'shared_preload_libraries', value: 'pg_stat_statements,pgaudit', applyMethod: 'pending-reboot' },
      ],
      lifecycle: { createBeforeDestroy: true },
    });

    // RDS writes exported logs here; creating the groups first sets their retention and key.
    const logGroups = Object.entries({ PostgresqlLogs: 'postgresql', UpgradeLogs: 'upgrade' }).map(
      ([logId, log]) =>
        new CloudwatchLogGroup(this, logId, {
          name: `/aws/rds/instance/${props.identifier}/${log}`,
          retentionInDays: props.logRetentionDays ?? 365,
          kmsKeyId: props.kmsKey.keyArn,
        }),
    );

    const monitoring = new Role(this, 'MonitoringRole', {
      roleName: `${props.identifier}-rds-monitoring`,
      description: `Enhanced monitoring of ${props.identifier}`,
      trustStatements: [{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['monitoring.rds.amazonaws.com'] }] }],
      managedPolicies: ['service-role/AmazonRDSEnhancedMonitoringRole'],
    });

    const instance = new DbInstance(this, 'Instance', {
      identifier: props.identifier,
      engine: 'postgres',
      engineVersion,
      instanceClass: props.instanceClass,
      username: 'platform_admin',
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.kmsKey.keyArn,
      iamDatabaseAuthenticationEnabled: true,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [this.securityGroupId],
      publiclyAccessible: false,
      port: PORT,
      parameterGroupName: parameters.name,
      caCertIdentifier: 'rds-ca-rsa2048-g1',
      storageType: 'gp3',
      allocatedStorage: allocated,
      maxAllocatedStorage: maxAllocated,
      storageEncrypted: true,
      kmsKeyId: props.kmsKey.keyArn,
      multiAz: props.multiAz ?? false,
      backupRetentionPeriod: backupRetentionDays,
      backupWindow: '02:00-03:00',
      maintenanceWindow: 'sun:03:30-sun:04:30',
      copyTagsToSnapshot: true,
      deleteAutomatedBackups: !deletionProtection,
      deletionProtection,
      skipFinalSnapshot: !deletionProtection,
      finalSnapshotIdentifier: deletionProtection ? `${props.identifier}-final` : undefined,
      autoMinorVersionUpgrade: true,
      allowMajorVersionUpgrade: false,
      enabledCloudwatchLogsExports: ['postgresql', 'upgrade'],
      monitoringInterval: 60,
      monitoringRoleArn: monitoring.roleArn,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: props.kmsKey.keyArn,
      performanceInsightsRetentionPeriod: 7,
      dependsOn: logGroups,
    });

    this.address = instance.address;
    this.instanceArn = instance.arn;
    this.masterSecretArn = instance.masterUserSecret.get(0).secretArn;
    this.masterSecretKeyArn = props.kmsKey.keyArn;
  }

  allowFrom(securityGroupId: string, description: string): void {
    this.securityGroup.allowFrom(securityGroupId, description);
  }

  private validate(props: MetadataDatabaseProps, engineVersion: string, allocated: number, maxAllocated: number, backups: number): void {
    const where = this.node.path;
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(props.identifier) || props.identifier.endsWith('-') || props.identifier.includes('--')) {
      throw new Error(
        `${where}: identifier '${props.identifier}' must be lower-case letters, digits and single hyphens, starting with a letter`,
      );
    }
    if (!/^\d{2}$/.test(engineVersion)) {
      throw new Error(
        `${where}: engineVersion '${engineVersion}' must be a major version such as '17'; minor versions are applied automatically`,
      );
    }
    if (allocated < 20 || maxAllocated < allocated) {
      throw new Error(
        `${where}: storage must satisfy 20 ≤ allocatedStorageGiB ≤ maxAllocatedStorageGiB (got ${allocated} and ${maxAllocated})`,
      );
    }
    if (backups < 1 || backups > 35) {
      throw new Error(`${where}: backupRetentionDays must be from 1 to 35 (got ${backups}); 0 would turn backups off`);
    }
  }
}
