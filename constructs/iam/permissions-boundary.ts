import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { Aspects, type IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';
import type { PolicyStatement } from './grantable';

/** The environment's permissions boundary policy: `<namePrefix>-boundary`, created by the bootstrap stack. */
export function boundaryPolicyName(namePrefix: string): string {
  return `${namePrefix}-boundary`;
}

/** IAM changes a bounded role may never make: it cannot create, widen or unbound an identity, or pass one. */
export const BOUNDARY_DENIED_IAM_ACTIONS = [
  'iam:AddUserToGroup',
  'iam:AttachGroupPolicy',
  'iam:AttachRolePolicy',
  'iam:AttachUserPolicy',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:CreatePolicy',
  'iam:CreatePolicyVersion',
  'iam:CreateRole',
  'iam:CreateUser',
  'iam:DeleteRolePermissionsBoundary',
  'iam:DeleteUserPermissionsBoundary',
  'iam:PassRole',
  'iam:PutGroupPolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
  'iam:PutUserPermissionsBoundary',
  'iam:PutUserPolicy',
  'iam:SetDefaultPolicyVersion',
  'iam:UpdateAssumeRolePolicy',
  'iam:UpdateLoginProfile',
];

/**
 * The statements of the boundary: a ceiling, not a grant (a role still gets only what its own policies
 * give). Everything is possible inside it but IAM changes that would create or widen an identity, and any
 * access to the Terraform state. So whatever the deploy role writes into a role's policies, that role can
 * never hold more than the deploy role itself.
 */
export function boundaryStatements(stateBucketArn: string): PolicyStatement[] {
  return [
    { sid: 'Ceiling', actions: ['*'], resources: ['*'] },
    { sid: 'NoIdentityChanges', effect: 'Deny', actions: BOUNDARY_DENIED_IAM_ACTIONS, resources: ['*'] },
    { sid: 'NoTerraformState', effect: 'Deny', actions: ['s3:*'], resources: [stateBucketArn, `${stateBucketArn}/*`] },
  ];
}

/**
 * Puts a permissions boundary on every IAM role in a scope that has none, when the scope is synthesized (the
 * way aws-cdk's `PermissionsBoundary.of(scope).apply()` does): the deploy role may create and change roles
 * only when they carry the environment's boundary.
 */
export class PermissionsBoundary implements IAspect {
  static apply(scope: IConstruct, policyArn: string): void {
    Aspects.of(scope).add(new PermissionsBoundary(policyArn));
  }

  private constructor(private readonly policyArn: string) {}

  visit(node: IConstruct): void {
    if (node instanceof IamRole && node.permissionsBoundaryInput === undefined) node.permissionsBoundary = this.policyArn;
  }
}
