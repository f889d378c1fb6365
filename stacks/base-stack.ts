import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Backend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { awsContext } from '../constructs/aws-context';
import { boundaryPolicyName, PermissionsBoundary } from '../constructs/iam/permissions-boundary';
import type { EnvironmentConfig } from '../src/config/schema';

/** The layers of the platform, in deployment order; state is split along them. */
export const LAYERS = ['network', 'data', 'cluster', 'identity', 'platform'] as const;
export type Layer = (typeof LAYERS)[number];

/** `mlops-<environment>-<layer>`: the environment is visible in every stack name and state key. */
export function stackName(environment: string, layer: Layer): string {
  return `mlops-${environment}-${layer}`;
}

/**
 * The AWS provider every stack of an environment uses: its region, refusing any account but the
 * environment's (credentials for the wrong account fail before anything is planned), the optional role,
 * and default tags (environment, owner, cost centre, stack) on every resource.
 */
export function addAwsProvider(stack: TerraformStack, environment: EnvironmentConfig, stackName: string): AwsProvider {
  const { aws } = environment;
  return new AwsProvider(stack, 'Aws', {
    region: aws.region,
    allowedAccountIds: [aws.accountId],
    assumeRole: aws.assumeRoleArn ? [{ roleArn: aws.assumeRoleArn, sessionName: stackName }] : undefined,
    defaultTags: [
      {
        tags: {
          ...environment.tags,
          Environment: environment.name,
          Owner: environment.owner,
          CostCenter: environment.costCenter,
          Project: 'mlops-platform',
          ManagedBy: 'cdktf',
          Stack: stackName,
        },
      },
    ],
  });
}

/**
 * What every stack repeats: the AWS provider pinned to the environment's account with default tags,
 * the backend and its state key, the `mlops-<environment>` naming prefix, and the environment's permissions
 * boundary (made by its bootstrap stack) on every IAM role.
 */
export abstract class BaseStack extends TerraformStack {
  readonly environment: EnvironmentConfig;
  /** Prefix of resource names: `mlops-<environment>`. */
  readonly prefix: string;

  protected constructor(scope: Construct, layer: Layer, environment: EnvironmentConfig) {
    const name = stackName(environment.name, layer);
    super(scope, name);
    this.environment = environment;
    this.prefix = `mlops-${environment.name}`;

    addAwsProvider(this, environment, name);
    this.configureBackend(name);
    const { partition } = awsContext(this);
    PermissionsBoundary.apply(this, `arn:${partition}:iam::${environment.aws.accountId}:policy/${boundaryPolicyName(this.prefix)}`);
  }

  private configureBackend(name: string): void {
    const { backend, aws } = this.environment;
    if (backend.type === 'local') return; // cdktf's default: terraform.<stack>.tfstate beside the stack
    new S3Backend(this, {
      bucket: backend.bucket,
      key: `${backend.keyPrefix}/${name}.tfstate`,
      region: backend.region ?? aws.region,
      encrypt: true,
      kmsKeyId: backend.kmsKeyArn,
      assumeRole: aws.assumeRoleArn ? { roleArn: aws.assumeRoleArn, sessionName: name } : undefined,
    });
    // Native S3 locking (Terraform ≥ 1.10); cdktf 0.21's S3Backend has no prop for it.
    this.addOverride('terraform.backend.s3.use_lockfile', true);
  }
}
