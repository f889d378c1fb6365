import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { Construct } from 'constructs';
import { awsContext } from '../aws-context';
import type { PolicyStatement } from '../iam/grantable';
import { boundaryPolicyName, boundaryStatements } from '../iam/permissions-boundary';
import { PLAN_DENIED_ACTIONS, planReadStatements } from './plan-policy';
import { Role } from '../iam/role';
import type { IBucket } from '../storage/bucket';
import { environmentSubject, githubActionsTrust, pullRequestSubject, type IGithubOidcProvider } from './github-oidc';

/** Props of {@link DeliveryRoles}. */
export interface DeliveryRolesProps {
  /**
   * `mlops-<environment>`: the roles are `<namePrefix>-plan` and `<namePrefix>-deploy`, and the deploy role
   * manages only IAM resources whose names start with `<namePrefix>-`.
   */
  readonly namePrefix: string;
  /** `owner/name` of the repository whose workflows may assume the roles. */
  readonly githubRepository: string;
  /** The GitHub environment whose jobs may assume the deploy role; give it required reviewers. */
  readonly githubEnvironment: string;
  readonly oidcProvider: IGithubOidcProvider;
  readonly stateBucket: IBucket;
  /** State keys are `<stateKeyPrefix>/<stack>.tfstate`; the roles reach nothing else in the bucket. */
  readonly stateKeyPrefix: string;
  /**
   * Whether pull requests may plan this environment (a plan role exists). Off for production: a plan runs the
   * pull request's unreviewed code with the role's credentials, so production is planned only after merge,
   * by the deployment that waits for the environment's reviewers. @default true
   */
  readonly pullRequestPlans?: boolean;
}

/** The services the environment's roles are handed to (EKS control plane and nodes, flow logs, RDS monitoring, CI runners). */
const PASSED_TO_SERVICES = [
  'eks.amazonaws.com',
  'ec2.amazonaws.com',
  'vpc-flow-logs.amazonaws.com',
  'monitoring.rds.amazonaws.com',
  'codebuild.amazonaws.com',
  'backup.amazonaws.com',
];

/** Changes to an existing role that give it no new rights. */
const ROLE_UPDATE_ACTIONS = [
  'iam:DeleteRole',
  'iam:UpdateRole',
  'iam:UpdateRoleDescription',
  'iam:UpdateAssumeRolePolicy',
  'iam:TagRole',
  'iam:UntagRole',
];

/** Changes that give a role rights: allowed only with the environment's boundary on the role. */
const ROLE_EMPOWER_ACTIONS = [
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
];

/** Writes to an IAM role: denied on the delivery roles themselves. */
const ROLE_WRITE_ACTIONS = [...ROLE_UPDATE_ACTIONS, ...ROLE_EMPOWER_ACTIONS, 'iam:DeleteRolePermissionsBoundary', 'iam:PassRole'];

/**
 * The two roles GitHub Actions assume for one environment.
 *
 * `<namePrefix>-plan` is for pull requests (`repo:<owner/name>:pull_request`), and only where
 * {@link DeliveryRolesProps.pullRequestPlans} allows: the describe, list and get-configuration calls of
 * {@link PLAN_READ_ACTIONS}, the state objects under the prefix and decryption with the state key, and an
 * explicit deny of log reads, RDS log downloads, secret values and objects outside the state prefix. It
 * cannot write state, so plans run with `-lock=false`, nor read secret values, so they run with
 * `-refresh=false` (the platform's `aws_secretsmanager_secret_version` resources would need them).
 *
 * `<namePrefix>-deploy` is for jobs in the GitHub environment (`repo:<owner/name>:environment:<name>`) and
 * applies every stack. Least privilege is impractical for a platform that creates VPCs, EKS, RDS, KMS
 * keys and IAM roles: the action list would be long, break with every new resource type, and still
 * amount to administration. So it gets `PowerUserAccess` (everything but IAM, Organizations and Account,
 * and including `iam:CreateServiceLinkedRole` for EKS, Auto Scaling, RDS and ElastiCache) plus IAM
 * limited to roles, instance profiles and policies named `<namePrefix>-*` and the clusters' OIDC
 * providers, never the delivery roles themselves. It creates or empowers a role only with the
 * {@link boundary} on it and passes roles only to their services, so no role it writes exceeds its own
 * rights; the environment's required reviewers guard the rest, which is why the trust names the
 * environment and nothing broader.
 */
export class DeliveryRoles extends Construct {
  /** Undefined where pull requests do not plan (production). */
  readonly planRole?: Role;
  readonly deployRole: Role;
  /**
   * `<namePrefix>-boundary`: the permissions boundary every role of the environment carries. The deploy role
   * may create and change `<namePrefix>-*` roles only with it, so no role it makes can exceed its own rights.
   */
  readonly boundary: IamPolicy;

  constructor(scope: Construct, id: string, props: DeliveryRolesProps) {
    super(scope, id);
    const { namePrefix, githubRepository, githubEnvironment, oidcProvider, stateBucket } = props;
    if (!/^[\w+=,.@-]{1,56}$/.test(namePrefix)) {
      throw new Error(
        `${this.node.path}: namePrefix '${namePrefix}' must be 1-56 characters valid in IAM role names (the longest role is <namePrefix>-deploy)`,
      );
    }
    const statePrefix = `${props.stateKeyPrefix}/`;

    if (props.pullRequestPlans ?? true) {
      const planRole = new Role(this, 'PlanRole', {
        roleName: `${namePrefix}-plan`,
        description: `GitHub Actions plans of ${namePrefix} for pull requests of ${githubRepository}: configuration reads only`,
        trustStatements: [githubActionsTrust(oidcProvider, pullRequestSubject(githubRepository))],
      });
      stateBucket.grantRead(planRole, statePrefix);
      planRole.addToPolicy('ReadConfiguration', planReadStatements(this, namePrefix));
      planRole.addToPolicy('DenyDataReads', [
        { sid: 'NoLogsSecretsOrDatabaseLogs', effect: 'Deny', actions: PLAN_DENIED_ACTIONS, resources: ['*'] },
        {
          sid: 'NoObjectsOutsideState',
          effect: 'Deny',
          actions: ['s3:GetObject', 's3:GetObjectVersion'],
          notResources: [`${stateBucket.bucketArn}/${props.stateKeyPrefix}/*`],
        },
      ]);
      this.planRole = planRole;
    }

    this.deployRole = new Role(this, 'DeployRole', {
      roleName: `${namePrefix}-deploy`,
      description: `GitHub Actions applies of ${namePrefix} from the ${githubEnvironment} environment of ${githubRepository}`,
      trustStatements: [githubActionsTrust(oidcProvider, environmentSubject(githubRepository, githubEnvironment))],
      managedPolicies: ['PowerUserAccess'],
      // A first apply of an environment (EKS, RDS, node groups) outlasts an hour.
      maxSessionDurationSeconds: 4 * 3600,
    });
    // PowerUserAccess covers the bucket and the key already; the explicit grant keeps state access when it is narrowed.
    stateBucket.grantReadWrite(this.deployRole, statePrefix);
    const boundaryDocument = new DataAwsIamPolicyDocument(this, 'BoundaryDocument', {
      statement: boundaryStatements(stateBucket.bucketArn),
    });
    this.boundary = new IamPolicy(this, 'Boundary', {
      name: boundaryPolicyName(namePrefix),
      description: `Permissions boundary of every ${namePrefix} role: no identity changes, no Terraform state`,
      policy: boundaryDocument.json,
    });
    this.deployRole.addToPolicy('ManageEnvironmentIam', this.iamStatements(namePrefix));
  }

  private iamStatements(namePrefix: string): PolicyStatement[] {
    const { accountId, partition, region, dnsSuffix } = awsContext(this);
    const iam = (resource: string) => `arn:${partition}:iam::${accountId}:${resource}`;
    const boundary = iam(`policy/${boundaryPolicyName(namePrefix)}`);
    return [
      {
        sid: 'EnvironmentRoles',
        actions: [
          'iam:GetRole',
          'iam:ListRoleTags',
          'iam:ListRolePolicies',
          'iam:GetRolePolicy',
          'iam:ListAttachedRolePolicies',
          'iam:ListInstanceProfilesForRole',
          ...ROLE_UPDATE_ACTIONS,
        ],
        resources: [iam(`role/${namePrefix}-*`)],
      },
      {
        // Creating a role, or giving one rights, only with the environment's boundary on it.
        sid: 'EnvironmentRolesWithinBoundary',
        actions: ['iam:CreateRole', ...ROLE_EMPOWER_ACTIONS],
        resources: [iam(`role/${namePrefix}-*`)],
        condition: [{ test: 'StringEquals', variable: 'iam:PermissionsBoundary', values: [boundary] }],
      },
      {
        sid: 'PassEnvironmentRolesToTheirServices',
        actions: ['iam:PassRole'],
        resources: [iam(`role/${namePrefix}-*`)],
        condition: [{ test: 'StringEquals', variable: 'iam:PassedToService', values: PASSED_TO_SERVICES }],
      },
      {
        sid: 'EnvironmentInstanceProfiles',
        actions: [
          'iam:CreateInstanceProfile',
          'iam:DeleteInstanceProfile',
          'iam:GetInstanceProfile',
          'iam:TagInstanceProfile',
          'iam:UntagInstanceProfile',
          'iam:AddRoleToInstanceProfile',
          'iam:RemoveRoleFromInstanceProfile',
        ],
        resources: [iam(`instance-profile/${namePrefix}-*`)],
      },
      {
        sid: 'EnvironmentPolicies',
        actions: [
          'iam:CreatePolicy',
          'iam:DeletePolicy',
          'iam:GetPolicy',
          'iam:GetPolicyVersion',
          'iam:ListPolicyVersions',
          'iam:CreatePolicyVersion',
          'iam:DeletePolicyVersion',
          'iam:ListPolicyTags',
          'iam:TagPolicy',
          'iam:UntagPolicy',
        ],
        resources: [iam(`policy/${namePrefix}-*`)],
      },
      {
        // EKS issuers cannot be named; this covers the clusters of this region of the account, never GitHub's provider.
        sid: 'ClusterOidcProviders',
        actions: [
          'iam:CreateOpenIDConnectProvider',
          'iam:DeleteOpenIDConnectProvider',
          'iam:GetOpenIDConnectProvider',
          'iam:TagOpenIDConnectProvider',
          'iam:UntagOpenIDConnectProvider',
          'iam:UpdateOpenIDConnectProviderThumbprint',
          'iam:AddClientIDToOpenIDConnectProvider',
          'iam:RemoveClientIDFromOpenIDConnectProvider',
        ],
        resources: [iam(`oidc-provider/oidc.eks.${region}.${dnsSuffix}/id/*`)],
      },
      {
        // The delivery roles match `<namePrefix>-*` too: a deploy job must not widen its own trust or rights.
        sid: 'ProtectDeliveryRoles',
        effect: 'Deny',
        actions: ROLE_WRITE_ACTIONS,
        resources: [iam(`role/${namePrefix}-plan`), iam(`role/${namePrefix}-deploy`)],
      },
      {
        // A boundary, once on a role, stays; and the boundary itself is changed only by whoever applies this stack.
        sid: 'KeepBoundaries',
        effect: 'Deny',
        actions: ['iam:DeleteRolePermissionsBoundary'],
        resources: [iam('role/*')],
      },
      {
        sid: 'ProtectBoundary',
        effect: 'Deny',
        actions: [
          'iam:CreatePolicyVersion',
          'iam:DeletePolicy',
          'iam:DeletePolicyVersion',
          'iam:SetDefaultPolicyVersion',
          'iam:TagPolicy',
          'iam:UntagPolicy',
        ],
        resources: [boundary],
      },
    ];
  }
}
