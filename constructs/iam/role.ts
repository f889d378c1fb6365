import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Construct } from 'constructs';
import { awsContext } from '../aws-context';
import type { IGrantable, PolicyStatement } from './grantable';

/** Props of {@link Role}. */
export interface RoleProps {
  /** Role name; the `name_prefix` form is not used so that trust policies elsewhere can name it. */
  readonly roleName: string;
  readonly description: string;
  /** Who may assume the role. */
  readonly trustStatements: DataAwsIamPolicyDocumentStatement[];
  /**
   * AWS managed policies by name (`AmazonEKSWorkerNodePolicy`), attached with the stack's partition.
   * @default none
   */
  readonly managedPolicies?: string[];
  /** Longest session a caller may ask for. @default 3600 (one hour) */
  readonly maxSessionDurationSeconds?: number;
}

/** An IAM role with a trust policy and named inline grants; the building block of every identity here. */
export class Role extends Construct implements IGrantable {
  readonly roleArn: string;
  readonly roleName: string;
  private readonly grantIds = new Set<string>();

  constructor(scope: Construct, id: string, props: RoleProps) {
    super(scope, id);
    const trust = new DataAwsIamPolicyDocument(this, 'Trust', { statement: props.trustStatements });
    const role = new IamRole(this, 'Role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: trust.json,
      maxSessionDuration: props.maxSessionDurationSeconds ?? 3600,
    });
    this.roleArn = role.arn;
    this.roleName = role.name;
    const { partition } = awsContext(this);
    for (const policy of props.managedPolicies ?? []) {
      new IamRolePolicyAttachment(this, `Managed${policy.replace(/[^A-Za-z0-9]/g, '')}`, {
        role: role.name,
        policyArn: `arn:${partition}:iam::aws:policy/${policy}`,
      });
    }
  }

  addToPolicy(policyId: string, statements: PolicyStatement[]): void {
    if (this.grantIds.has(policyId)) {
      throw new Error(`${this.node.path}: a grant named '${policyId}' exists already; give each grant its own name`);
    }
    this.grantIds.add(policyId);
    const document = new DataAwsIamPolicyDocument(this, `${policyId}Document`, { statement: statements });
    new IamRolePolicy(this, `${policyId}Policy`, { name: policyId, role: this.roleName, policy: document.json });
  }
}
