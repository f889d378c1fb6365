import { Construct } from 'constructs';
import { KmsKey } from '../security/kms-key';
import { Bucket } from '../storage/bucket';

/** Props of {@link StateBucket}. */
export interface StateBucketProps {
  /** The name the environments' S3 backends use (`backend.bucket`). */
  readonly bucketName: string;
  /** Alias of the state key, without `alias/`. */
  readonly keyAlias: string;
  /** Days a replaced state version is kept: the way back from a bad apply or a corrupted state. @default 365 */
  readonly noncurrentVersionRetentionDays?: number;
}

/**
 * The bucket that holds Terraform state: a {@link Bucket} (private, versioned, TLS-only) encrypted with its
 * own KMS key, never force-destroyed, keeping old state versions a year, with server access logs in a small
 * `<bucket>-access-logs` bucket beside it. Grant access with the bucket's `grantRead`/`grantReadWrite` and the
 * state key prefix; the grants include the key.
 */
export class StateBucket extends Construct {
  readonly bucket: Bucket;
  readonly key: KmsKey;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const logBucketName = `${props.bucketName}-access-logs`;
    if (logBucketName.length > 63) {
      throw new Error(
        `${this.node.path}: bucketName '${props.bucketName}' leaves no room for its access-log bucket '${logBucketName}' (63 characters at most): use at most 51 characters`,
      );
    }
    this.key = new KmsKey(this, 'Key', { alias: props.keyAlias, description: `Encrypts the Terraform state in ${props.bucketName}` });
    this.accessLogs = Bucket.forAccessLogs(this, 'AccessLogsBucket', { bucketName: logBucketName });
    this.bucket = new Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryptionKey: this.key,
      accessLogs: { bucketName: this.accessLogs.bucketName },
      noncurrentVersionRetentionDays: props.noncurrentVersionRetentionDays ?? 365,
      forceDestroy: false,
    });
  }
}
