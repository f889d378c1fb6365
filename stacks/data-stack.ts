import type { Construct } from 'constructs';
import { FeatureCache } from '../constructs/data/feature-cache';
import { MetadataDatabase } from '../constructs/data/metadata-database';
import { ScheduledBackups } from '../constructs/data/scheduled-backups';
import type { INetwork } from '../constructs/network/network';
import { allowCloudWatchLogs, KmsKey } from '../constructs/security/kms-key';
import { Bucket } from '../constructs/storage/bucket';
import type { EnvironmentConfig } from '../src/config/schema';
import { BaseStack } from './base-stack';

/** Key prefixes (folders, without the trailing slash) of the buckets, by the workload that owns them. */
export const BUCKET_PREFIXES = {
  airflowLogs: 'airflow',
  sparkEvents: 'spark-events',
  mlflowArtifacts: 'mlflow',
  feast: 'feast',
} as const;

/** What the data stack needs from the network stack. */
export interface DataStackProps {
  readonly network: INetwork;
  /** Members of this group (the cluster's nodes) may reach the database and the cache. */
  readonly workloadSecurityGroupId: string;
}

/** The platform's buckets, keyed by purpose. */
export interface PlatformBuckets {
  /** MLflow artifacts and registered models. */
  readonly artifacts: Bucket;
  /** Raw and feature data, Spark inputs and outputs, the offline feature store. */
  readonly datasets: Bucket;
  /** Airflow task logs and Spark event logs. */
  readonly logs: Bucket;
}

/**
 * The stateful stores: S3 buckets, the PostgreSQL metadata database and the online feature cache.
 * Kept apart from the cluster so the cluster can be rebuilt without touching data, and destroyed last.
 */
export class DataStack extends BaseStack {
  readonly buckets: PlatformBuckets;
  readonly database: MetadataDatabase;
  readonly cache: FeatureCache;
  /** Daily backups of the database and the artifact and dataset buckets, where `backup.enabled` (production by default). */
  readonly backups?: ScheduledBackups;

  constructor(scope: Construct, environment: EnvironmentConfig, props: DataStackProps) {
    super(scope, 'data', environment);
    const { storage, database, cache, production, aws } = environment;
    const bucketPrefix = storage.bucketPrefix ?? `${this.prefix}-${aws.accountId}-${aws.region}`;
    const logRetentionDays = production ? 365 : 90;

    const storageKey = new KmsKey(this, 'StorageKey', {
      alias: `${this.prefix}-storage`,
      description: `Encrypts the S3 buckets of ${this.prefix}`,
    });
    const accessLogs = Bucket.forAccessLogs(this, 'AccessLogsBucket', {
      bucketName: `${bucketPrefix}-access-logs`,
      forceDestroy: storage.forceDestroy,
    });
    const bucket = (purpose: keyof PlatformBuckets) =>
      new Bucket(this, `${purpose.charAt(0).toUpperCase()}${purpose.slice(1)}Bucket`, {
        bucketName: `${bucketPrefix}-${purpose}`,
        encryptionKey: storageKey,
        accessLogs: { bucketName: accessLogs.bucketName },
        noncurrentVersionRetentionDays: storage.noncurrentVersionRetentionDays,
        forceDestroy: storage.forceDestroy,
      });
    this.buckets = { artifacts: bucket('artifacts'), datasets: bucket('datasets'), logs: bucket('logs') };
    this.buckets.logs.addFolder(BUCKET_PREFIXES.sparkEvents);

    const databaseKey = new KmsKey(this, 'DatabaseKey', {
      alias: `${this.prefix}-metadata-db`,
      description: `Encrypts the metadata database of ${this.prefix}, its secret, insights and logs`,
      additionalPolicyStatements: [allowCloudWatchLogs(this)],
    });
    this.database = new MetadataDatabase(this, 'MetadataDatabase', {
      identifier: `${this.prefix}-metadata`,
      vpcId: props.network.vpcId,
      subnetIds: props.network.privateSubnetIds,
      kmsKey: databaseKey,
      instanceClass: database.instanceClass,
      engineVersion: database.engineVersion,
      allocatedStorageGiB: database.allocatedStorageGiB,
      maxAllocatedStorageGiB: database.maxAllocatedStorageGiB,
      multiAz: database.multiAz,
      backupRetentionDays: database.backupRetentionDays,
      deletionProtection: database.deletionProtection,
      logRetentionDays,
    });
    this.database.allowFrom(props.workloadSecurityGroupId, 'Platform workloads (cluster nodes and pods)');

    const cacheKey = new KmsKey(this, 'CacheKey', {
      alias: `${this.prefix}-feature-cache`,
      description: `Encrypts the online feature cache of ${this.prefix} and its AUTH secret`,
    });
    this.cache = new FeatureCache(this, 'FeatureCache', {
      replicationGroupId: `${this.prefix}-features`,
      vpcId: props.network.vpcId,
      subnetIds: props.network.privateSubnetIds,
      kmsKey: cacheKey,
      nodeType: cache.nodeType,
      engine: cache.engine,
      engineVersion: cache.engineVersion,
      replicas: cache.replicas,
      snapshotRetentionDays: cache.snapshotRetentionDays,
      secretRecoveryDays: production ? 30 : 7,
    });
    this.cache.allowFrom(props.workloadSecurityGroupId, 'Platform workloads (cluster nodes and pods)');

    // The logs bucket and the cache hold nothing that cannot be rebuilt: logs expire, features are materialised again.
    if (environment.backup.enabled ?? production) {
      this.backups = new ScheduledBackups(this, 'Backups', {
        namePrefix: this.prefix,
        kmsKey: new KmsKey(this, 'BackupKey', {
          alias: `${this.prefix}-backups`,
          description: `Encrypts the backup vault of ${this.prefix}`,
        }),
        sourceKeys: [storageKey, databaseKey],
        resourceArns: [this.database.instanceArn, this.buckets.artifacts.bucketArn, this.buckets.datasets.bucketArn],
        retentionDays: environment.backup.retentionDays,
        schedule: environment.backup.schedule,
        copyTo: environment.backup.copyTo,
        lockMode: environment.backup.lockMode,
      });
    }
  }
}
