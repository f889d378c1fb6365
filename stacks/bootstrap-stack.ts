import { addAwsProvider } from './base-stack';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { DeliveryRoles } from '../constructs/delivery/deploy-roles';
import { GithubOidcProvider, type IGithubOidcProvider } from '../constructs/delivery/github-oidc';
import { StateBucket } from '../constructs/delivery/state-bucket';
import type { EnvironmentConfig } from '../src/config/schema';

/** `mlops-bootstrap-<environment>`: outside the `mlops-<environment>-*` glob that deploys an environment, so CI and `cdktf deploy` never apply it by accident. */
export function bootstrapStackName(environment: string): string {
  return `mlops-bootstrap-${environment}`;
}

/** Props of {@link BootstrapStack}. */
export interface BootstrapStackProps {
  /**
   * Create the account's GitHub OIDC provider. IAM holds one per account: when several environments share an
   * account, let one create it and give the others `existingOidcProviderArn`.
   * @default true, unless `existingOidcProviderArn` is given
   */
  readonly createOidcProvider?: boolean;
  /** ARN of the GitHub OIDC provider that exists in the account. @default none: the stack creates it */
  readonly existingOidcProviderArn?: string;
}

/**
 * What the environment's stacks and its delivery pipeline need before anything else, applied once per
 * environment with administrator credentials: the S3 bucket (and KMS key) named by `backend.bucket`, the
 * GitHub OIDC provider, and the `mlops-<env>-plan` and `mlops-<env>-deploy` roles GitHub Actions assume.
 *
 * Its own state is local, never in the bucket it creates. The path is relative to the stack's directory
 * (`cdktf.out/stacks/<stack>/`), so it lands in the project root, where the next synthesis does not delete it.
 */
export class BootstrapStack extends TerraformStack {
  readonly stateBucket: StateBucket;
  readonly roles: DeliveryRoles;
  readonly oidcProviderArn: string;

  constructor(scope: Construct, environment: EnvironmentConfig, props: BootstrapStackProps = {}) {
    const name = bootstrapStackName(environment.name);
    super(scope, name);
    const { backend, delivery } = environment;
    if (backend.type !== 's3') {
      throw new Error(
        `${name}: environments/${environment.name}.yaml keeps state locally (backend type '${backend.type}'), so there is no state bucket to create: set backend: { type: s3, bucket: <name> } or leave the bootstrap stack out`,
      );
    }
    addAwsProvider(this, environment, name);
    new LocalBackend(this, { path: `../../../terraform.${name}.tfstate` });

    const prefix = `mlops-${environment.name}`;
    const oidcProvider = this.oidcProvider(name, props);
    this.stateBucket = new StateBucket(this, 'State', { bucketName: backend.bucket, keyAlias: `${prefix}-tfstate` });
    this.roles = new DeliveryRoles(this, 'Delivery', {
      namePrefix: prefix,
      githubRepository: delivery.githubRepository,
      githubEnvironment: delivery.githubEnvironment ?? environment.name,
      oidcProvider,
      stateBucket: this.stateBucket.bucket,
      stateKeyPrefix: backend.keyPrefix,
      pullRequestPlans: !environment.production,
    });
    this.oidcProviderArn = oidcProvider.providerArn;

    // Descriptions name the repository variables .github/workflows read.
    const variable = `MLOPS_${environment.name.toUpperCase()}`;
    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    if (this.roles.planRole) {
      output('plan_role_arn', this.roles.planRole.roleArn, `${variable}_PLAN_ROLE_ARN: pull-request plans (jobs outside any environment)`);
    }
    output('deploy_role_arn', this.roles.deployRole.roleArn, `${variable}_APPLY_ROLE_ARN: applies from the GitHub environment it trusts`);
    output('state_bucket', this.stateBucket.bucket.bucketName, 'The S3 backend bucket (backend.bucket)');
    output('permissions_boundary_arn', this.roles.boundary.arn, "The boundary every role of the environment's stacks carries");
    output('state_key_arn', this.stateBucket.key.keyArn, 'Set as backend.kmsKeyArn so state objects use this key rather than SSE-S3');
    output(
      'oidc_provider_arn',
      this.oidcProviderArn,
      'The GitHub OIDC provider (existingOidcProviderArn of other environments in the account)',
    );
  }

  private oidcProvider(name: string, props: BootstrapStackProps): IGithubOidcProvider {
    const { createOidcProvider, existingOidcProviderArn } = props;
    if (createOidcProvider === true && existingOidcProviderArn !== undefined) {
      throw new Error(`${name}: createOidcProvider and existingOidcProviderArn exclude each other: an account holds one GitHub provider`);
    }
    if (createOidcProvider === false && existingOidcProviderArn === undefined) {
      throw new Error(`${name}: createOidcProvider is false, so existingOidcProviderArn must name the account's GitHub OIDC provider`);
    }
    return existingOidcProviderArn === undefined
      ? new GithubOidcProvider(this, 'GithubOidcProvider')
      : GithubOidcProvider.fromArn(existingOidcProviderArn);
  }
}
