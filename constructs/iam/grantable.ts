import type { DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';

/** An IAM policy statement, in the shape of the `aws_iam_policy_document` data source. */
export type PolicyStatement = DataAwsIamPolicyDocumentStatement;

/**
 * Something that can be given permissions: a workload identity, a node role.
 * Grant methods on resources (`bucket.grantRead(identity)`) accept it, so stacks never write IAM by hand.
 */
export interface IGrantable {
  /** ARN of the IAM role that receives the permissions. */
  readonly roleArn: string;
  /**
   * Attaches `statements` as an inline policy named after `policyId`.
   * Each call makes one policy, so a plan shows each grant on its own.
   */
  addToPolicy(policyId: string, statements: PolicyStatement[]): void;
}
