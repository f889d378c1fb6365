import { describe, expect, it } from 'vitest';
import { FeatureCache, type FeatureCacheProps } from '../../constructs/data/feature-cache';
import { MetadataDatabase, type MetadataDatabaseProps } from '../../constructs/data/metadata-database';
import { KmsKey } from '../../constructs/security/kms-key';
import { onlyResource, resources, synthScope } from '../support/synth';

function database(props: Partial<MetadataDatabaseProps> = {}) {
  return synthScope((scope) => {
    const kmsKey = new KmsKey(scope, 'Key', { alias: 'db', description: 'db' });
    const db = new MetadataDatabase(scope, 'Db', {
      identifier: 'mlops-test-metadata',
      vpcId: 'vpc-1',
      subnetIds: ['subnet-a', 'subnet-b'],
      kmsKey,
      instanceClass: 'db.t4g.medium',
      ...props,
    });
    db.allowFrom('sg-nodes', 'nodes');
  });
}

function cache(props: Partial<FeatureCacheProps> = {}) {
  return synthScope((scope) => {
    const kmsKey = new KmsKey(scope, 'Key', { alias: 'cache', description: 'cache' });
    const c = new FeatureCache(scope, 'Cache', {
      replicationGroupId: 'mlops-test-features',
      vpcId: 'vpc-1',
      subnetIds: ['subnet-a', 'subnet-b'],
      kmsKey,
      nodeType: 'cache.t4g.small',
      ...props,
    });
    c.allowFrom('sg-nodes', 'nodes');
  });
}

describe('MetadataDatabase', () => {
  it('is private, encrypted, TLS-only and has its master password managed by Secrets Manager', () => {
    const json = database();
    const instance = onlyResource(json, 'aws_db_instance');
    expect(instance).toMatchObject({
      engine: 'postgres',
      engine_version: '17',
      publicly_accessible: false,
      storage_encrypted: true,
      kms_key_id: expect.stringContaining('aws_kms_key'),
      manage_master_user_password: true,
      master_user_secret_kms_key_id: expect.stringContaining('aws_kms_key'),
      iam_database_authentication_enabled: true,
      performance_insights_enabled: true,
      monitoring_interval: 60,
      enabled_cloudwatch_logs_exports: ['postgresql', 'upgrade'],
      auto_minor_version_upgrade: true,
      copy_tags_to_snapshot: true,
      ca_cert_identifier: 'rds-ca-rsa2048-g1',
    });
    expect(instance.password).toBeUndefined();
    const parameters = onlyResource(json, 'aws_db_parameter_group');
    expect(parameters.family).toBe('postgres17');
    expect(parameters.parameter).toEqual(
      expect.arrayContaining([{ name: 'rds.force_ssl', value: '1' }, expect.objectContaining({ name: 'log_statement' })]),
    );
    // A logged statement would carry the password it sets: statements are audited by pgaudit, which redacts it.
    const setting = (name: string) => (parameters.parameter as { name: string; value: string }[]).find((p) => p.name === name)?.value;
    expect(setting('log_statement')).toBe('none');
    expect(setting('pgaudit.log')?.split(',')).toEqual(expect.arrayContaining(['ddl', 'role']));
    expect(setting('shared_preload_libraries')?.split(',')).toContain('pgaudit');
  });

  it('defaults to production safety: deletion protection, final snapshot, 7 days of backups', () => {
    expect(onlyResource(database(), 'aws_db_instance')).toMatchObject({
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'mlops-test-metadata-final',
      backup_retention_period: 7,
      multi_az: false,
    });
  });

  it('can be made disposable for development', () => {
    const instance = onlyResource(database({ deletionProtection: false, multiAz: true, backupRetentionDays: 1 }), 'aws_db_instance');
    expect(instance).toMatchObject({ deletion_protection: false, skip_final_snapshot: true, multi_az: true, backup_retention_period: 1 });
    expect(instance.final_snapshot_identifier).toBeUndefined();
  });

  it('admits only the given security group on 5432 and opens nothing outbound', () => {
    const json = database();
    expect(onlyResource(json, 'aws_vpc_security_group_ingress_rule')).toMatchObject({
      from_port: 5432,
      to_port: 5432,
      ip_protocol: 'tcp',
      referenced_security_group_id: 'sg-nodes',
    });
    expect(onlyResource(json, 'aws_security_group').egress).toEqual([]);
  });

  it('creates its log groups with retention before RDS would create them without', () => {
    const json = database({ logRetentionDays: 30 });
    const groups = Object.values(resources(json, 'aws_cloudwatch_log_group'));
    expect(groups.map((g) => g.name)).toEqual([
      '/aws/rds/instance/mlops-test-metadata/postgresql',
      '/aws/rds/instance/mlops-test-metadata/upgrade',
    ]);
    expect(groups.every((g) => g.retention_in_days === 30)).toBe(true);
    expect(onlyResource(json, 'aws_db_instance').depends_on).toHaveLength(2);
  });

  it.each([
    [{ identifier: 'Metadata' }, /identifier 'Metadata' must be lower-case/],
    [{ engineVersion: '17.4' }, /engineVersion '17.4' must be a major version/],
    [{ allocatedStorageGiB: 100, maxAllocatedStorageGiB: 50 }, /20 ≤ allocatedStorageGiB ≤ maxAllocatedStorageGiB \(got 100 and 50\)/],
    [{ backupRetentionDays: 0 }, /backupRetentionDays must be from 1 to 35 \(got 0\)/],
  ])('rejects %o', (props, message) => {
    expect(() => database(props)).toThrow(message);
  });
});

describe('FeatureCache', () => {
  it('encrypts at rest with KMS and in transit, with an AUTH token that never appears in the configuration', () => {
    const json = cache();
    const group = onlyResource(json, 'aws_elasticache_replication_group');
    expect(group).toMatchObject({
      engine: 'valkey',
      at_rest_encryption_enabled: 'true',
      kms_key_id: expect.stringContaining('aws_kms_key'),
      transit_encryption_enabled: true,
      transit_encryption_mode: 'required',
      auth_token: expect.stringMatching(/^\$\{data\.aws_secretsmanager_random_password\./),
      snapshot_retention_limit: 1,
    });
    expect(onlyResource(json, 'aws_secretsmanager_secret')).toMatchObject({
      name: 'mlops-test-features/auth',
      kms_key_id: expect.stringContaining('aws_kms_key'),
    });
    const version = onlyResource(json, 'aws_secretsmanager_secret_version');
    expect(version.secret_string).toMatch(/^\$\{jsonencode\(\{"auth_token" = data\.aws_secretsmanager_random_password/);
    // A replaced group gets a new token: the secret is written again in the same apply, so clients keep matching it.
    expect(version.lifecycle).toEqual({
      ignore_changes: ['secret_string'],
      replace_triggered_by: [expect.stringMatching(/^aws_elasticache_replication_group\.\w+$/)],
    });
  });

  it('is a single node without failover by default', () => {
    expect(onlyResource(cache(), 'aws_elasticache_replication_group')).toMatchObject({
      num_cache_clusters: 1,
      automatic_failover_enabled: false,
      multi_az_enabled: false,
    });
  });

  it('fails over automatically across AZs once it has a replica', () => {
    expect(onlyResource(cache({ replicas: 2 }), 'aws_elasticache_replication_group')).toMatchObject({
      num_cache_clusters: 3,
      automatic_failover_enabled: true,
      multi_az_enabled: true,
    });
  });

  it('admits only the given security group on 6379', () => {
    expect(onlyResource(cache(), 'aws_vpc_security_group_ingress_rule')).toMatchObject({
      from_port: 6379,
      referenced_security_group_id: 'sg-nodes',
    });
  });

  it.each([
    [{ replicationGroupId: 'a-very-long-replication-group-identifier-x' }, /must be 1-40 lower-case/],
    [{ replicas: 6 }, /replicas must be a whole number from 0 to 5 \(got 6\)/],
  ])('rejects %o', (props, message) => {
    expect(() => cache(props)).toThrow(message);
  });
});
