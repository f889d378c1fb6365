import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey as KmsKeyResource } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { awsContext } from '../aws-context';
import type { IGrantable } from '../iam/grantable';

/** What other constructs need of a customer-managed key. */
export interface IKmsKey {
  readonly keyArn: string;
  /** Lets `grantee` encrypt and decrypt with the key (and create grants for AWS services, as EBS needs). */
  grantEncryptDecrypt(grantee: IGrantable, policyId: string): void;
}

/** Props of {@link KmsKey}. */
export interface KmsKeyProps {
  /** Alias without the `alias/` prefix, e.g. `mlops-prod-data`. */
  readonly alias: string;
  readonly description: string;
  /** @default 30, the longest window AWS allows: a deleted key makes its data unreadable */
  readonly deletionWindowDays?: number;
  /**
   * Statements added to the key policy, for AWS services that cannot use IAM policies
   * (CloudWatch Logs, the Auto Scaling service-linked role). The account root always has full access,
   * so IAM policies decide everything else.
   * @default none
   */
  readonly additionalPolicyStatements?: DataAwsIamPolicyDocumentStatement[];
}

/** A symmetric customer-managed KMS key with yearly rotation and an alias. */
export class KmsKey extends Construct implements IKmsKey {
  readonly keyArn: string;
  readonly keyId: string;

  constructor(scope: Construct, id: string, props: KmsKeyProps) {
    super(scope, id);
    const deletionWindowDays = props.deletionWindowDays ?? 30;
    if (deletionWindowDays < 7 || deletionWindowDays > 30) {
      throw new Error(`${this.node.path}: deletionWindowDays must be between 7 and 30 (got ${deletionWindowDays})`);
    }
    const { accountId, partition } = awsContext(this);
    const policy = new DataAwsIamPolicyDocument(this, 'Policy', {
      statement: [
        {
          sid: 'AccountAdministersThroughIam',
          actions: ['kms:*'],
          resources: ['*'],
          principals: [{ type: 'AWS', identifiers: [`arn:${partition}:iam::${accountId}:root`] }],
        },
        ...(props.additionalPolicyStatements ?? []),
      ],
    });
    const key = new KmsKeyResource(this, 'Key', {
      description: props.description,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: deletionWindowDays,
      policy: policy.json,
    });
    new KmsAlias(this, 'Alias', { name: `alias/${props.alias}`, targetKeyId: key.keyId });
    this.keyArn = key.arn;
    this.keyId = key.keyId;
  }

  grantEncryptDecrypt(grantee: IGrantable, policyId: string): void {
    grantee.addToPolicy(policyId, [
      {
        // Spelled out: scanners flag wildcard actions in identity policies.
        actions: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:GenerateDataKey',
          'kms:GenerateDataKeyWithoutPlaintext',
          'kms:DescribeKey',
        ],
        resources: [this.keyArn],
      },
      {
        actions: ['kms:CreateGrant'],
        resources: [this.keyArn],
        condition: [{ test: 'Bool', variable: 'kms:GrantIsForAWSResource', values: ['true'] }],
      },
    ]);
  }
}

/** Key-policy statement that lets CloudWatch Logs of this account and region encrypt log groups with the key. */
export function allowCloudWatchLogs(scope: Construct): DataAwsIamPolicyDocumentStatement {
  const { accountId, partition, region } = awsContext(scope);
  return {
    sid: 'CloudWatchLogsEncryptsLogGroups',
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    principals: [{ type: 'Service', identifiers: [`logs.${region}.amazonaws.com`] }],
    condition: [
      {
        test: 'ArnLike',
        variable: 'kms:EncryptionContext:aws:logs:arn',
        values: [`arn:${partition}:logs:${region}:${accountId}:log-group:*`],
      },
    ],
  };
}

/**
 * Key-policy statements that let EC2 Auto Scaling launch instances with volumes encrypted by the key,
 * as managed node groups do. The service-linked role must exist in the account (it does once any
 * Auto Scaling group was created; otherwise `aws iam create-service-linked-role --aws-service-name autoscaling.amazonaws.com`).
 */
export function allowAutoScalingVolumes(scope: Construct): DataAwsIamPolicyDocumentStatement[] {
  const { accountId, partition } = awsContext(scope);
  const principals = [
    {
      type: 'AWS',
      identifiers: [`arn:${partition}:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`],
    },
  ];
  return [
    {
      sid: 'AutoScalingEncryptsVolumes',
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      resources: ['*'],
      principals,
    },
    {
      sid: 'AutoScalingGrantsToEc2',
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      principals,
      condition: [{ test: 'Bool', variable: 'kms:GrantIsForAWSResource', values: ['true'] }],
    },
  ];
}
