import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { awsContext } from '../aws-context';
import type { IGrantable, PolicyStatement } from '../iam/grantable';
import type { IKmsKey } from '../security/kms-key';

/** What workloads need of a bucket: its name and grants. */
export interface IBucket {
  readonly bucketName: string;
  readonly bucketArn: string;
  /** Read objects (under `prefix`, when given). */
  grantRead(grantee: IGrantable, prefix?: string): void;
  /** Read, write and delete objects (under `prefix`, when given). */
  grantReadWrite(grantee: IGrantable, prefix?: string): void;
}

/** Where a bucket sends its server access logs. */
export interface AccessLogTarget {
  readonly bucketName: string;
  /** @default `<bucket name>/` */
  readonly prefix?: string;
}

/** Props of {@link Bucket}. */
export interface BucketProps {
  readonly bucketName: string;
  /**
   * Key for SSE-KMS, with S3 bucket keys to keep KMS request costs down.
   * @default SSE-S3 (AES-256): only for buckets AWS services must write to without KMS, such as access-log targets
   */
  readonly encryptionKey?: IKmsKey;
  /** @default no access logging */
  readonly accessLogs?: AccessLogTarget;
  /** Days a replaced or deleted object version is kept. @default 90 */
  readonly noncurrentVersionRetentionDays?: number;
  /** Days after which current objects expire. @default never */
  readonly expirationDays?: number;
  /** Let `terraform destroy` delete a non-empty bucket. @default false */
  readonly forceDestroy?: boolean;
  /** Extra statements for the bucket policy, e.g. to let the log delivery service write. @default none */
  readonly extraPolicyStatements?: PolicyStatement[];
}

const READ_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging'];
const WRITE_ACTIONS = ['s3:PutObject', 's3:PutObjectTagging', 's3:DeleteObject', 's3:AbortMultipartUpload'];

/**
 * A private S3 bucket: owner-enforced (no ACLs), every public access blocked, versioned, encrypted,
 * TLS-only, with lifecycle rules for old versions and abandoned uploads. Grants are per prefix.
 */
export class Bucket extends Construct implements IBucket {
  readonly bucketName: string;
  readonly bucketArn: string;
  private readonly encryptionKey?: IKmsKey;

  /**
   * A target for other buckets' server access logs. S3 cannot deliver access logs into SSE-KMS buckets, so
   * this one uses SSE-S3; its policy lets only the log delivery service of this account write, and logs
   * expire after a year.
   */
  static forAccessLogs(scope: Construct, id: string, props: { readonly bucketName: string; readonly forceDestroy?: boolean }): Bucket {
    const { accountId, partition } = awsContext(scope);
    return new Bucket(scope, id, {
      bucketName: props.bucketName,
      forceDestroy: props.forceDestroy,
      expirationDays: 365,
      extraPolicyStatements: [
        {
          sid: 'S3ServerAccessLogDelivery',
          actions: ['s3:PutObject'],
          resources: [`arn:${partition}:s3:::${props.bucketName}/*`],
          principals: [{ type: 'Service', identifiers: ['logging.s3.amazonaws.com'] }],
          condition: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [accountId] }],
        },
      ],
    });
  }

  constructor(scope: Construct, id: string, props: BucketProps) {
    super(scope, id);
    this.validate(props);
    this.encryptionKey = props.encryptionKey;

    const bucket = new S3Bucket(this, 'Bucket', { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;

    new S3BucketOwnershipControls(this, 'Ownership', { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    const publicAccess = new S3BucketPublicAccessBlock(this, 'PublicAccessBlock', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const versioning = new S3BucketVersioningA(this, 'Versioning', { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'Encryption', {
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: props.encryptionKey
            ? { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.encryptionKey.keyArn }
            : { sseAlgorithm: 'AES256' },
          bucketKeyEnabled: props.encryptionKey !== undefined,
        },
      ],
    });

    const policy = new DataAwsIamPolicyDocument(this, 'PolicyDocument', {
      statement: [
        {
          sid: 'DenyInsecureTransport',
          effect: 'Deny',
          actions: ['s3:*'],
          resources: [bucket.arn, `${bucket.arn}/*`],
          principals: [{ type: '*', identifiers: ['*'] }],
          condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        },
        {
          sid: 'DenyOutdatedTls',
          effect: 'Deny',
          actions: ['s3:*'],
          resources: [bucket.arn, `${bucket.arn}/*`],
          principals: [{ type: '*', identifiers: ['*'] }],
          condition: [{ test: 'NumericLessThan', variable: 's3:TlsVersion', values: ['1.2'] }],
        },
        ...(props.extraPolicyStatements ?? []),
      ],
    });
    // After the public access block, so a policy is never briefly evaluated without it.
    new S3BucketPolicy(this, 'Policy', { bucket: bucket.id, policy: policy.json, dependsOn: [publicAccess] });

    new S3BucketLifecycleConfiguration(this, 'Lifecycle', {
      bucket: bucket.id,
      rule: [
        {
          id: 'expire-noncurrent-versions',
          status: 'Enabled',
          filter: [{}],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionRetentionDays ?? 90 }],
          expiration: [props.expirationDays ? { days: props.expirationDays } : { expiredObjectDeleteMarker: true }],
        },
        { id: 'abort-incomplete-uploads', status: 'Enabled', filter: [{}], abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }] },
      ],
      dependsOn: [versioning],
    });

    if (props.accessLogs) {
      new S3BucketLoggingA(this, 'AccessLogging', {
        bucket: bucket.id,
        targetBucket: props.accessLogs.bucketName,
        targetPrefix: props.accessLogs.prefix ?? `${props.bucketName}/`,
      });
    }
  }

  /**
   * Creates the empty `<prefix>/` object that marks a folder. Hadoop's S3A (Spark event logs) refuses a
   * log directory that does not exist yet, and S3 has no folders of its own.
   */
  addFolder(prefix: string): void {
    const folder = prefix.replace(/\/$/, '');
    if (!/^[\w!.*'()-]+(\/[\w!.*'()-]+)*$/.test(folder))
      throw new Error(`${this.node.path}: folder '${prefix}' must be a relative key prefix such as 'spark-events/'`);
    new S3Object(this, `Folder${pascalPrefix(folder)}`, { bucket: this.bucketName, key: `${folder}/`, content: '' });
  }

  grantRead(grantee: IGrantable, prefix?: string): void {
    this.grant(grantee, 'Read', READ_ACTIONS, prefix);
  }

  grantReadWrite(grantee: IGrantable, prefix?: string): void {
    this.grant(grantee, 'ReadWrite', [...READ_ACTIONS, ...WRITE_ACTIONS], prefix);
  }

  private grant(grantee: IGrantable, level: string, objectActions: string[], prefix?: string): void {
    if (prefix !== undefined && !/^[\w!.*'()-]+(\/[\w!.*'()-]+)*\/?$/.test(prefix)) {
      throw new Error(`${this.node.path}: prefix '${prefix}' must be a relative key prefix such as 'models/' (no leading slash)`);
    }
    // Hadoop's S3A also reads the prefix's own key (`spark-events`, no slash) to tell a folder from a file.
    const folder = prefix?.replace(/\/$/, '');
    const keyPatterns = folder === undefined ? ['*'] : [folder, `${folder}/*`];
    const statements: PolicyStatement[] = [
      {
        sid: 'ListBucket',
        actions: ['s3:ListBucket', 's3:GetBucketLocation'],
        resources: [this.bucketArn],
        condition: folder === undefined ? undefined : [{ test: 'StringLike', variable: 's3:prefix', values: keyPatterns }],
      },
      { sid: 'Objects', actions: objectActions, resources: keyPatterns.map((pattern) => `${this.bucketArn}/${pattern}`) },
    ];
    if (this.encryptionKey) {
      statements.push({
        sid: 'BucketKey',
        actions: level === 'Read' ? ['kms:Decrypt'] : ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.encryptionKey.keyArn],
      });
    }
    grantee.addToPolicy(`${this.node.id}${level}${prefix ? pascalPrefix(prefix) : ''}`, statements);
  }

  private validate(props: BucketProps): void {
    const where = this.node.path;
    const name = props.bucketName;
    if (!Token.isUnresolved(name) && (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name) || name.includes('--'))) {
      throw new Error(`${where}: bucketName '${name}' must be 3-63 lower-case letters, digits and single hyphens`);
    }
    const days = props.noncurrentVersionRetentionDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 1)) {
      throw new Error(`${where}: noncurrentVersionRetentionDays must be a whole number of days ≥ 1 (got ${days})`);
    }
  }
}

function pascalPrefix(prefix: string): string {
  return prefix
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
