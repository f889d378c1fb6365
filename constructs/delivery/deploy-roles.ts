import { Construct } from 'constructs';
import { awsContext } from '../aws-context';
import type { PolicyStatement } from '../iam/grantable';
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
}

/** Writes to an IAM role: denied on the delivery roles themselves. */
const ROLE_WRITE_ACTIONS = [
  'iam:DeleteRole',
  'iam:UpdateRole',
  'iam:UpdateRoleDescription',
  'iam:UpdateAssumeRolePolicy',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:AttachRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PutRolePermissionsBoundary',
  'iam:DeleteRolePermissionsBoundary',
  'iam:PassRole',
];

/**
 * The two roles GitHub Actions assume for one environment.
 *
 * `<namePrefix>-plan` is for pull requests (`repo:<owner/name>:pull_request`): `ReadOnlyAccess` to refresh
 * and plan, read of the state objects and decryption with the state key. It cannot write state, so plans
 * run with `-lock=false`. It gets no secret values: the platform's `aws_secretsmanager_secret_version`
 * resources need `GetSecretValue` to refresh, which code in a pull request must never have.
 *
 * `<namePrefix>-deploy` is for jobs in the GitHub environment (`repo:<owner/name>:environment:<name>`) and
 * applies every stack. Least privilege is impractical for a platform that creates VPCs, EKS, RDS, KMS
 * keys and IAM roles: the action list would be long, break with every new resource type, and still
 * amount to administration. So it gets `PowerUserAccess` (everything but IAM, Organizations and Account,
 * and including `iam:CreateServiceLinkedRole` for EKS, Auto Scaling, RDS and ElastiCache) plus IAM
 * limited to roles, instance profiles and policies named `<namePrefix>-*` and the clusters' OIDC
 * providers, never the delivery roles themselves. Whoever runs a job in that environment can still create
 * an `<namePrefix>-*` role with any policy: the protection is the environment's required reviewers,
 * which is why the trust names the environment and nothing broader.
 */
export class DeliveryRoles extends Construct {
  readonly planRole: Role;
  readonly deployRole: Role;

  constructor(scope: Construct, id: string, props: DeliveryRolesProps) {
    super(scope, id);
    const { namePrefix, githubRepository, githubEnvironment, oidcProvider, stateBucket } = props;
    if (!/^[\w+=,.@-]{1,56}$/.test(namePrefix)) {
      throw new Error(
        `${this.node.path}: namePrefix '${namePrefix}' must be 1-56 characters valid in IAM role names (the longest role is <namePrefix>-deploy)`,
      );
    }
    const statePrefix = `${props.stateKeyPrefix}/`;

    this.planRole = new Role(this, 'PlanRole', {
      roleName: `${namePrefix}-plan`,
      description: `GitHub Actions plans of ${namePrefix} for pull requests of ${githubRepository}: read-only`,
      trustStatements: [githubActionsTrust(oidcProvider, pullRequestSubject(githubRepository))],
      managedPolicies: ['ReadOnlyAccess'],
    });
    stateBucket.grantRead(this.planRole, statePrefix);
    // Plans read the data source that generates the cache AUTH token; IAM cannot scope this action.
    this.planRole.addToPolicy('GenerateRandomPasswords', [{ actions: ['secretsmanager:GetRandomPassword'], resources: ['*'] }]);

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
    this.deployRole.addToPolicy('ManageEnvironmentIam', this.iamStatements(namePrefix));
  }

  private iamStatements(namePrefix: string): PolicyStatement[] {
    const { accountId, partition, region, dnsSuffix } = awsContext(this);
    const iam = (resource: string) => `arn:${partition}:iam::${accountId}:${resource}`;
    return [
      {
        sid: 'EnvironmentRoles',
        actions: [
          'iam:CreateRole',
          'iam:GetRole',
          'iam:ListRoleTags',
          'iam:ListRolePolicies',
          'iam:GetRolePolicy',
          'iam:ListAttachedRolePolicies',
          'iam:ListInstanceProfilesForRole',
          ...ROLE_WRITE_ACTIONS,
        ],
        resources: [iam(`role/${namePrefix}-*`)],
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
    ];
  }
}
