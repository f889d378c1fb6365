import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { BootstrapStack, type BootstrapStackProps } from '../../stacks/bootstrap-stack';
import { scan } from '../security/rules';
import { loadEnvironments } from '../../src/config/load';
import { dataSources, environment, onlyResource, resources, synthStack, type StackJson } from '../support/synth';
import { synthesizedStack, synthesizedStackNames } from '../support/synthesized';

const S3_BACKEND = { backend: { type: 's3', bucket: 'mlops-tfstate-123456789012-eu-west-1' } };
const GITHUB_PROVIDER = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

function bootstrap(overrides: Record<string, unknown> = {}, props: BootstrapStackProps = {}): StackJson {
  return synthStack(new BootstrapStack(Testing.app(), environment({ ...S3_BACKEND, ...overrides }), props));
}

/** Trust statements of the role named `name`. */
function trustOf(json: StackJson, name: string) {
  const role = Object.values(resources(json, 'aws_iam_role')).find((r) => r.name === name)!;
  const id = /data\.aws_iam_policy_document\.([\w-]+)\.json/.exec(String(role.assume_role_policy))![1];
  return dataSources(json, 'aws_iam_policy_document')[id].statement as {
    principals: { identifiers: string[] }[];
    condition: { variable: string; values: string[] }[];
  }[];
}

describe('BootstrapStack', () => {
  const json = bootstrap();

  it('keeps its own state locally, outside cdktf.out, never in the bucket it creates', () => {
    expect(json.terraform?.backend).toEqual({ local: { path: '../../../terraform.mlops-bootstrap-test.tfstate' } });
  });

  it('pins the provider to the account, with the default tags of every stack', () => {
    expect(json.provider?.aws).toEqual([
      expect.objectContaining({
        region: 'eu-west-1',
        allowed_account_ids: ['123456789012'],
        default_tags: [{ tags: expect.objectContaining({ Environment: 'test', Stack: 'mlops-bootstrap-test', ManagedBy: 'cdktf' }) }],
      }),
    ]);
  });

  it("creates the environment's state bucket, the GitHub provider and the two delivery roles", () => {
    expect(
      Object.values(resources(json, 'aws_s3_bucket'))
        .map((b) => b.bucket)
        .sort(),
    ).toEqual(['mlops-tfstate-123456789012-eu-west-1', 'mlops-tfstate-123456789012-eu-west-1-access-logs']);
    expect(onlyResource(json, 'aws_iam_openid_connect_provider').url).toBe('https://token.actions.githubusercontent.com');
    expect(
      Object.values(resources(json, 'aws_iam_role'))
        .map((r) => r.name)
        .sort(),
    ).toEqual(['mlops-test-deploy', 'mlops-test-plan']);
  });

  it('trusts the configured repository, and the GitHub environment named after the environment by default', () => {
    const subject = (name: string) => trustOf(json, name)[0].condition.find((c) => c.variable.endsWith(':sub'))!.values;
    expect(subject('mlops-test-plan')).toEqual(['repo:example-org/mlops-platform:pull_request']);
    expect(subject('mlops-test-deploy')).toEqual(['repo:example-org/mlops-platform:environment:test']);
    const custom = bootstrap({ delivery: { githubRepository: 'acme/platform', githubEnvironment: 'production' } });
    expect(trustOf(custom, 'mlops-test-deploy')[0].condition.find((c) => c.variable.endsWith(':sub'))!.values).toEqual([
      'repo:acme/platform:environment:production',
    ]);
  });

  it('creates no plan role for production, which pull requests do not plan', () => {
    const production = synthStack(
      new BootstrapStack(
        Testing.app(),
        loadEnvironments().find((e) => e.production)!,
      ),
    );
    expect(Object.values(resources(production, 'aws_iam_role')).map((r) => r.name)).toEqual(['mlops-prod-deploy']);
    expect(Object.keys(production.output ?? {})).not.toContain('plan_role_arn');
  });

  it('outputs what the GitHub repository needs', () => {
    expect(Object.keys(json.output ?? {}).sort()).toEqual([
      'deploy_role_arn',
      'oidc_provider_arn',
      'permissions_boundary_arn',
      'plan_role_arn',
      'state_bucket',
      'state_key_arn',
    ]);
    expect(json.output).toMatchObject({
      plan_role_arn: {
        value: expect.stringMatching(/^\$\{aws_iam_role\.Delivery_PlanRole_\w+\.arn\}$/),
        description: expect.stringMatching(/^MLOPS_TEST_PLAN_ROLE_ARN: /),
      },
      deploy_role_arn: {
        value: expect.stringMatching(/^\$\{aws_iam_role\.Delivery_DeployRole_\w+\.arn\}$/),
        description: expect.stringMatching(/^MLOPS_TEST_APPLY_ROLE_ARN: /),
      },
      state_bucket: { value: expect.stringMatching(/^\$\{aws_s3_bucket\.State_Bucket_\w+\.bucket\}$/) },
      oidc_provider_arn: { value: expect.stringMatching(/^\$\{aws_iam_openid_connect_provider\.\w+\.arn\}$/) },
    });
  });

  it("grants state access under the environment's key prefix", () => {
    const custom = bootstrap({ backend: { ...S3_BACKEND.backend, keyPrefix: 'state/mlops' } });
    const names = Object.values(resources(custom, 'aws_iam_role_policy')).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['BucketReadStateMlops', 'BucketReadWriteStateMlops']));
  });

  it('uses an existing GitHub provider instead of creating a second one in the account', () => {
    const shared = bootstrap({}, { existingOidcProviderArn: GITHUB_PROVIDER });
    expect(resources(shared, 'aws_iam_openid_connect_provider')).toEqual({});
    expect(trustOf(shared, 'mlops-test-plan')[0].principals[0].identifiers).toEqual([GITHUB_PROVIDER]);
    expect(shared.output?.oidc_provider_arn).toMatchObject({ value: GITHUB_PROVIDER });
  });

  it('rejects contradictory or incomplete provider props', () => {
    expect(() => bootstrap({}, { createOidcProvider: true, existingOidcProviderArn: GITHUB_PROVIDER })).toThrow(
      /createOidcProvider and existingOidcProviderArn exclude each other/,
    );
    expect(() => bootstrap({}, { createOidcProvider: false })).toThrow(
      /existingOidcProviderArn must name the account's GitHub OIDC provider/,
    );
    expect(() => bootstrap({}, { existingOidcProviderArn: 'arn:aws:iam::123456789012:role/x' })).toThrow(
      /must be the ARN of the GitHub provider/,
    );
  });

  it('refuses an environment that keeps its state locally', () => {
    expect(() => new BootstrapStack(Testing.app(), environment())).toThrow(
      /mlops-bootstrap-test: environments\/test\.yaml keeps state locally \(backend type 'local'\)/,
    );
  });

  it('passes every scanner rule, redundancy included (as production stacks must)', () => {
    expect(scan(json, ['security', 'redundancy'])).toEqual([]);
  });

  it('fails the scanner when it attaches an administrator policy', () => {
    const tampered = structuredClone(json);
    const attachment = Object.values(resources(tampered, 'aws_iam_role_policy_attachment'))[0];
    attachment.policy_arn = 'arn:aws:iam::aws:policy/AdministratorAccess';
    expect(scan(tampered, ['security'])).toEqual([expect.stringContaining('administrator policy attached')]);
  });
});

// Terraform validate and the mocked apply of the shipped bootstrap stacks run with every other stack in
// test/terraform/offline.test.ts.

describe('the pull-request plan role of each environment', () => {
  /** The IAM service a plan of an AWS resource or data source type calls; none for types computed locally. */
  const SERVICE: [RegExp, string | undefined][] = [
    [
      /^aws_(vpc|subnet|route_table|eip|internet_gateway|nat_gateway|default_security_group|security_group|vpc_security_group_\w+|vpc_endpoint|flow_log|launch_template|availability_zones)/,
      'ec2',
    ],
    [/^aws_eks_/, 'eks'],
    [/^aws_db_/, 'rds'],
    [/^aws_elasticache_/, 'elasticache'],
    [/^aws_kms_/, 'kms'],
    [/^aws_iam_policy_document$/, undefined],
    [/^aws_iam_/, 'iam'],
    [/^aws_cloudwatch_log_group$/, 'logs'],
    [/^aws_s3_/, 's3'],
    [/^aws_secretsmanager_/, 'secretsmanager'],
    [/^aws_codebuild_/, 'codebuild'],
    [/^aws_ecr_/, 'ecr'],
    [/^aws_(caller_identity|partition|region)$/, undefined],
  ];

  it.for(
    loadEnvironments()
      .filter((e) => !e.production)
      .map((e) => e.name),
  )('%s: reads every service its stacks use, and no data', (name) => {
    const env = loadEnvironments().find((e) => e.name === name)!;
    const planRole = (() => {
      const json = synthStack(new BootstrapStack(Testing.app(), env));
      const role = Object.entries(resources(json, 'aws_iam_role')).find(([, r]) => r.name === `mlops-${env.name}-plan`)!;
      // The state objects are the one thing it reads whole (BucketRead…); the rest is configuration.
      return Object.values(resources(json, 'aws_iam_role_policy'))
        .filter((p) => String(p.role).includes(role[0]) && !String(p.name).startsWith('BucketRead'))
        .flatMap(
          (p) =>
            dataSources(json, 'aws_iam_policy_document')[/data\.aws_iam_policy_document\.([\w-]+)\./.exec(String(p.policy))![1]]
              .statement as { effect?: string; actions: string[] }[],
        );
    })();
    const allowed = planRole.filter((s) => s.effect !== 'Deny').flatMap((s) => s.actions);
    const services = new Set(allowed.map((a) => a.split(':')[0]));
    const used = new Set<string>();
    for (const stack of synthesizedStackNames().filter((s) => s.startsWith(`mlops-${env.name}-`))) {
      const json = synthesizedStack(stack);
      for (const type of [...Object.keys(json.resource ?? {}), ...Object.keys(json.data ?? {})].filter((t) => t.startsWith('aws_'))) {
        const match = SERVICE.find(([pattern]) => pattern.test(type));
        expect(match, `${type}: which service does a plan of it read? (add it to this table and to the plan role)`).toBeDefined();
        if (match![1]) used.add(match![1]);
      }
    }
    expect([...used].filter((s) => !services.has(s))).toEqual([]);
    expect(allowed.join()).not.toMatch(/GetObject|GetSecretValue|GetLogEvents|FilterLogEvents|Download/);
  });
});
