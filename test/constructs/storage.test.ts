import { describe, expect, it } from 'vitest';
import { Role } from '../../constructs/iam/role';
import { KmsKey } from '../../constructs/security/kms-key';
import { Bucket, type BucketProps } from '../../constructs/storage/bucket';
import { dataSources, onlyResource, resources, synthScope, type StackJson } from '../support/synth';

function policyDocument(json: StackJson, idPrefix: string) {
  const found = Object.entries(dataSources(json, 'aws_iam_policy_document')).find(([id]) => id.includes(idPrefix));
  if (!found) throw new Error(`no policy document ${idPrefix}*`);
  return found[1].statement as Record<string, unknown>[];
}

function bucket(props: Partial<BucketProps> = {}, grant?: (bucket: Bucket, role: Role) => void) {
  return synthScope((scope) => {
    const key = new KmsKey(scope, 'Key', { alias: 'data', description: 'data' });
    const created = new Bucket(scope, 'Artifacts', { bucketName: 'mlops-test-artifacts', encryptionKey: key, ...props });
    if (grant) {
      const role = new Role(scope, 'Reader', { roleName: 'reader', description: 'r', trustStatements: [] });
      grant(created, role);
    }
  });
}

describe('Bucket', () => {
  it('is private, owner-enforced, versioned and encrypted with the KMS key and a bucket key', () => {
    const json = bucket();
    expect(onlyResource(json, 'aws_s3_bucket')).toMatchObject({ bucket: 'mlops-test-artifacts', force_destroy: false });
    expect(onlyResource(json, 'aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(onlyResource(json, 'aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
    expect(onlyResource(json, 'aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
    expect(onlyResource(json, 'aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: expect.stringContaining('aws_kms_key') },
        bucket_key_enabled: true,
      },
    ]);
  });

  it('falls back to SSE-S3 without a key (for access-log targets)', () => {
    const json = bucket({ encryptionKey: undefined });
    expect(onlyResource(json, 'aws_s3_bucket_server_side_encryption_configuration').rule).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' }, bucket_key_enabled: false },
    ]);
  });

  it('denies plain HTTP and TLS below 1.2 to everyone', () => {
    const statements = policyDocument(bucket(), 'Artifacts_PolicyDocument');
    expect(statements.slice(0, 2)).toEqual([
      expect.objectContaining({ effect: 'Deny', condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }] }),
      expect.objectContaining({ effect: 'Deny', condition: [{ test: 'NumericLessThan', variable: 's3:TlsVersion', values: ['1.2'] }] }),
    ]);
  });

  it('expires old versions and abandoned uploads', () => {
    const rules = onlyResource(bucket({ noncurrentVersionRetentionDays: 30 }), 'aws_s3_bucket_lifecycle_configuration').rule as Record<
      string,
      unknown
    >[];
    expect(rules).toEqual([
      expect.objectContaining({ status: 'Enabled', noncurrent_version_expiration: [{ noncurrent_days: 30 }] }),
      expect.objectContaining({ status: 'Enabled', abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }] }),
    ]);
  });

  it('sends access logs where told', () => {
    expect(onlyResource(bucket({ accessLogs: { bucketName: 'logs' } }), 'aws_s3_bucket_logging')).toMatchObject({
      target_bucket: 'logs',
      target_prefix: 'mlops-test-artifacts/',
    });
    expect(resources(bucket(), 'aws_s3_bucket_logging')).toEqual({});
  });

  it('grants read under a prefix: list limited to the prefix, objects under it, decrypt only', () => {
    const json = bucket({}, (b, role) => b.grantRead(role, 'models/'));
    expect(onlyResource(json, 'aws_iam_role_policy')).toMatchObject({ name: 'ArtifactsReadModels' });
    const [list, objects, key] = policyDocument(json, 'ArtifactsReadModelsDocument');
    expect(list).toMatchObject({
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      condition: [{ test: 'StringLike', variable: 's3:prefix', values: ['models', 'models/*'] }],
    });
    expect(objects).toMatchObject({
      actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging'],
      resources: [expect.stringMatching(/\}\/models$/), expect.stringMatching(/\}\/models\/\*$/)],
    });
    expect(key).toMatchObject({ actions: ['kms:Decrypt'] });
  });

  it('grants read-write on the whole bucket with encrypt permission on the key', () => {
    const json = bucket({}, (b, role) => b.grantReadWrite(role));
    const [, objects, key] = policyDocument(json, 'ArtifactsReadWriteDocument');
    expect(objects.actions).toEqual(expect.arrayContaining(['s3:PutObject', 's3:DeleteObject']));
    expect(objects.resources).toEqual([expect.stringMatching(/\}\/\*$/)]);
    expect(key.actions).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('refuses the same grant twice, so a plan never hides a duplicate', () => {
    expect(() => bucket({}, (b, role) => (b.grantRead(role), b.grantRead(role)))).toThrow(/a grant named 'ArtifactsRead' exists already/);
  });

  it.each([
    [{ bucketName: 'Mlops_Artifacts' }, /bucketName 'Mlops_Artifacts' must be 3-63 lower-case/],
    [{ noncurrentVersionRetentionDays: 0 }, /noncurrentVersionRetentionDays must be a whole number of days ≥ 1 \(got 0\)/],
  ])('rejects %o', (props, message) => {
    expect(() => bucket(props)).toThrow(message);
  });

  it('marks a folder with an empty object', () => {
    const json = synthScope((scope) => new Bucket(scope, 'Logs', { bucketName: 'mlops-test-logs' }).addFolder('spark-events/'));
    expect(onlyResource(json, 'aws_s3_object')).toMatchObject({
      key: 'spark-events/',
      content: '',
      bucket: expect.stringContaining('aws_s3_bucket'),
    });
    expect(() => synthScope((scope) => new Bucket(scope, 'Logs', { bucketName: 'mlops-test-logs' }).addFolder('/x'))).toThrow(
      /folder '\/x' must be a relative key prefix/,
    );
  });

  it('rejects an absolute grant prefix', () => {
    expect(() => bucket({}, (b, role) => b.grantRead(role, '/models'))).toThrow(/prefix '\/models' must be a relative key prefix/);
  });
});
