import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { DeliveryRoles, type DeliveryRolesProps } from '../../constructs/delivery/deploy-roles';
import {
  environmentSubject,
  GithubOidcProvider,
  githubActionsTrust,
  pullRequestSubject,
  type IGithubOidcProvider,
} from '../../constructs/delivery/github-oidc';
import { StateBucket } from '../../constructs/delivery/state-bucket';
import { dataSources, onlyResource, resources, synthScope, type StackJson } from '../support/synth';
import { VpcRunner, type VpcRunnerProps } from '../../constructs/delivery/vpc-runner';
import type { IKmsKey } from '../../constructs/security/kms-key';

type Statement = {
  sid?: string;
  effect?: string;
  actions: string[];
  not_resources?: string[];
  resources: string[];
  principals?: { type: string; identifiers: string[] }[];
  condition?: { test: string; variable: string; values: string[] }[];
};

const PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

/** The JSON of the role whose logical id starts with `idPrefix`, its trust, managed policy ARNs and inline policies by name. */
function role(json: StackJson, idPrefix: string) {
  const documents = dataSources(json, 'aws_iam_policy_document');
  const statementsOf = (reference: unknown) =>
    documents[/data\.aws_iam_policy_document\.([\w-]+)\.json/.exec(String(reference))![1]].statement as Statement[];
  const [id, resource] = Object.entries(resources(json, 'aws_iam_role')).find(([key]) => key.startsWith(idPrefix))!;
  const ofRole = (r: Record<string, unknown>) => String(r.role).includes(`aws_iam_role.${id}.`);
  return {
    name: resource.name,
    trust: statementsOf(resource.assume_role_policy),
    managed: Object.values(resources(json, 'aws_iam_role_policy_attachment'))
      .filter(ofRole)
      .map((a) => String(a.policy_arn).replace(/^.*:policy\//, '')),
    inline: Object.fromEntries(
      Object.values(resources(json, 'aws_iam_role_policy'))
        .filter(ofRole)
        .map((p) => [p.name as string, statementsOf(p.policy)]),
    ),
  };
}

function deliveryRoles(props: Partial<DeliveryRolesProps> = {}): StackJson {
  return synthScope((scope) => {
    const state = new StateBucket(scope, 'State', { bucketName: 'mlops-tfstate-123456789012-eu-west-1', keyAlias: 'mlops-test-tfstate' });
    new DeliveryRoles(scope, 'Delivery', {
      namePrefix: 'mlops-test',
      githubRepository: 'example-org/mlops-platform',
      githubEnvironment: 'test',
      oidcProvider: GithubOidcProvider.fromArn(PROVIDER_ARN),
      stateBucket: state.bucket,
      stateKeyPrefix: 'mlops',
      ...props,
    });
  });
}

const GITHUB_TRUST = (subject: string) => [
  {
    sid: 'GithubActions',
    effect: 'Allow',
    actions: ['sts:AssumeRoleWithWebIdentity'],
    principals: [{ type: 'Federated', identifiers: [PROVIDER_ARN] }],
    condition: [
      { test: 'StringEquals', variable: 'token.actions.githubusercontent.com:aud', values: ['sts.amazonaws.com'] },
      { test: 'StringEquals', variable: 'token.actions.githubusercontent.com:sub', values: [subject] },
    ],
  },
];

describe('GithubOidcProvider', () => {
  it("trusts GitHub Actions' issuer for the STS audience only, without thumbprints", () => {
    const json = synthScope((scope) => void new GithubOidcProvider(scope, 'Github'));
    const provider = onlyResource(json, 'aws_iam_openid_connect_provider');
    expect(provider).toMatchObject({ url: 'https://token.actions.githubusercontent.com', client_id_list: ['sts.amazonaws.com'] });
    expect(provider.thumbprint_list).toBeUndefined();
  });

  it('refers to an existing provider by its ARN, and only to a GitHub one', () => {
    expect(GithubOidcProvider.fromArn(PROVIDER_ARN).providerArn).toBe(PROVIDER_ARN);
    expect(() => GithubOidcProvider.fromArn('arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X')).toThrow(
      /existingOidcProviderArn .* must be the ARN of the GitHub provider/,
    );
  });
});

describe('GitHub trust', () => {
  const provider: IGithubOidcProvider = { providerArn: PROVIDER_ARN };

  it('requires the exact subject and audience with StringEquals', () => {
    expect([githubActionsTrust(provider, 'repo:o/r:pull_request')]).toEqual(GITHUB_TRUST('repo:o/r:pull_request'));
  });

  it('builds subjects for pull requests and environments', () => {
    expect(pullRequestSubject('example-org/mlops-platform')).toBe('repo:example-org/mlops-platform:pull_request');
    expect(environmentSubject('example-org/mlops-platform', 'prod')).toBe('repo:example-org/mlops-platform:environment:prod');
  });

  it('refuses patterns and malformed names', () => {
    expect(() => githubActionsTrust(provider, 'repo:o/*')).toThrow(/subject 'repo:o\/\*' must be exact/);
    expect(() => pullRequestSubject('example-org/*')).toThrow(/repository 'example-org\/\*' must be owner\/name/);
    expect(() => pullRequestSubject('mlops-platform')).toThrow(/must be owner\/name/);
    expect(() => environmentSubject('o/r', 'prod*')).toThrow(/GitHub environment 'prod\*' must be/);
  });
});

describe('DeliveryRoles', () => {
  const json = deliveryRoles();
  const plan = role(json, 'Delivery_PlanRole');
  const deploy = role(json, 'Delivery_DeployRole');

  it('lets only pull requests of the repository assume the plan role', () => {
    expect(plan.name).toBe('mlops-test-plan');
    expect(plan.trust).toEqual(GITHUB_TRUST('repo:example-org/mlops-platform:pull_request'));
  });

  it('lets only jobs of the GitHub environment assume the deploy role', () => {
    expect(deploy.name).toBe('mlops-test-deploy');
    expect(deploy.trust).toEqual(GITHUB_TRUST('repo:example-org/mlops-platform:environment:test'));
  });

  it('gives the plan role configuration reads, state reads under the prefix and decryption with the state key, nothing managed', () => {
    expect(plan.managed).toEqual([]);
    expect(Object.keys(plan.inline).sort()).toEqual(['BucketReadMlops', 'DenyDataReads', 'ReadConfiguration']);
    const reads = plan.inline.ReadConfiguration;
    const actions = reads.flatMap((s) => s.actions);
    // Describe, list and get-configuration calls only, named one by one; and the data source that generates the cache AUTH token.
    expect(actions.every((a) => /^[a-z0-9]+:(Describe|List|Get[A-Z]|BatchGet)\w+$/.test(a))).toBe(true);
    expect(actions).toContain('secretsmanager:GetRandomPassword');
    expect(actions.join()).not.toMatch(/GetObject|GetSecretValue|GetLogEvents|Download/);
    // Where IAM can scope a call, it names the environment's resources (keys, log groups, OIDC providers and
    // backup plans have generated ids).
    const scoped = reads.filter((s) => !s.resources.includes('*')).flatMap((s) => s.resources);
    expect(scoped.filter((r) => !/mlops-test|key\/\*|log-group:\*|oidc-provider\/|backup-plan:\*/.test(r))).toEqual([]);
    const [list, objects, key] = plan.inline.BucketReadMlops;
    expect(list).toMatchObject({
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      condition: [{ test: 'StringLike', variable: 's3:prefix', values: ['mlops', 'mlops/*'] }],
    });
    expect(objects.actions).toEqual(['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging']);
    expect(objects.resources).toEqual([
      expect.stringMatching(/State_Bucket.*\}\/mlops$/),
      expect.stringMatching(/State_Bucket.*\}\/mlops\/\*$/),
    ]);
    expect(key).toMatchObject({ actions: ['kms:Decrypt'], resources: [expect.stringContaining('aws_kms_key.State_Key')] });
  });

  it('denies the plan role log reads, RDS log downloads, secret values and objects outside the state prefix', () => {
    const [data, objects] = plan.inline.DenyDataReads;
    expect(data).toMatchObject({ effect: 'Deny', resources: ['*'] });
    expect(data.actions).toEqual(
      expect.arrayContaining([
        'logs:GetLogEvents',
        'logs:FilterLogEvents',
        'logs:StartQuery',
        'rds:DownloadDBLogFilePortion',
        'rds:DownloadCompleteDBLogFile',
        'secretsmanager:GetSecretValue',
      ]),
    );
    expect(objects).toMatchObject({ effect: 'Deny', actions: ['s3:GetObject', 's3:GetObjectVersion'] });
    expect(objects.not_resources).toEqual([expect.stringMatching(/State_Bucket.*\}\/mlops\/\*$/)]);
  });

  it('creates no plan role where pull requests do not plan (production)', () => {
    const production = deliveryRoles({ pullRequestPlans: false });
    expect(Object.values(resources(production, 'aws_iam_role')).map((r) => r.name)).toEqual(['mlops-test-deploy']);
  });

  it('gives the deploy role PowerUserAccess, never administrator policies, and state writes under the prefix', () => {
    expect(deploy.managed).toEqual(['PowerUserAccess']);
    expect(deploy.managed.join()).not.toMatch(/AdministratorAccess|IAMFullAccess/);
    const [, objects, key] = deploy.inline.BucketReadWriteMlops;
    expect(objects.actions).toEqual(expect.arrayContaining(['s3:PutObject', 's3:DeleteObject']));
    expect(objects.resources.every((r) => /\}\/mlops(\/\*)?$/.test(r))).toBe(true);
    expect(key.actions).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it("limits the deploy role's IAM to the environment's names and the clusters' OIDC providers", () => {
    const statements = deploy.inline.ManageEnvironmentIam;
    const allowed = statements.filter((s) => s.effect !== 'Deny');
    const account =
      'arn:${data.aws_partition.AwsContext_Partition_821FC74B.partition}:iam::${data.aws_caller_identity.AwsContext_Caller_144E9D26.account_id}';
    expect(Object.fromEntries(allowed.map((s) => [s.sid, s.resources]))).toEqual({
      EnvironmentRoles: [`${account}:role/mlops-test-*`],
      EnvironmentRolesWithinBoundary: [`${account}:role/mlops-test-*`],
      PassEnvironmentRolesToTheirServices: [`${account}:role/mlops-test-*`],
      EnvironmentInstanceProfiles: [`${account}:instance-profile/mlops-test-*`],
      EnvironmentPolicies: [`${account}:policy/mlops-test-*`],
      ClusterOidcProviders: [expect.stringMatching(/:oidc-provider\/oidc\.eks\.\$\{data\.aws_region\.[\w]+\.name\}\.\$\{[^}]+\}\/id\/\*$/)],
    });
    expect(allowed.flatMap((s) => s.actions).every((a) => a.startsWith('iam:') && !a.includes('*'))).toBe(true);
  });

  it('lets the deploy role create or empower a role only with the boundary on it, and pass roles only to their services', () => {
    const statements = deploy.inline.ManageEnvironmentIam;
    const sid = (name: string) => statements.find((s) => s.sid === name)!;
    const boundary = expect.stringMatching(/:policy\/mlops-test-boundary$/);
    expect(sid('EnvironmentRolesWithinBoundary')).toMatchObject({
      actions: expect.arrayContaining(['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePermissionsBoundary']),
      condition: [{ test: 'StringEquals', variable: 'iam:PermissionsBoundary', values: [boundary] }],
    });
    // Nothing that creates or empowers a role is allowed without that condition.
    const unconditioned = statements.filter((s) => s.effect !== 'Deny' && !s.condition).flatMap((s) => s.actions);
    expect(unconditioned.filter((a) => /CreateRole|PutRolePolicy|AttachRolePolicy|PermissionsBoundary|PassRole/.test(a))).toEqual([]);
    expect(sid('PassEnvironmentRolesToTheirServices').condition).toEqual([
      {
        test: 'StringEquals',
        variable: 'iam:PassedToService',
        values: expect.arrayContaining(['eks.amazonaws.com', 'vpc-flow-logs.amazonaws.com']),
      },
    ]);
    expect(sid('KeepBoundaries')).toMatchObject({ effect: 'Deny', actions: ['iam:DeleteRolePermissionsBoundary'] });
    expect(sid('ProtectBoundary')).toMatchObject({ effect: 'Deny', resources: [boundary] });
  });

  it('makes the boundary a ceiling without identity changes or state access', () => {
    const [policy] = Object.values(resources(json, 'aws_iam_policy'));
    expect(policy.name).toBe('mlops-test-boundary');
    const id = /data\.aws_iam_policy_document\.([\w-]+)\.json/.exec(String(policy.policy))![1];
    const statements = dataSources(json, 'aws_iam_policy_document')[id].statement as Statement[];
    const denied = statements.filter((s) => s.effect === 'Deny').flatMap((s) => s.actions);
    expect(denied).toEqual(
      expect.arrayContaining([
        'iam:CreateRole',
        'iam:PutRolePolicy',
        'iam:AttachRolePolicy',
        'iam:PassRole',
        'iam:DeleteRolePermissionsBoundary',
        's3:*',
      ]),
    );
  });

  it('denies the deploy role any change to the delivery roles themselves', () => {
    const deny = deploy.inline.ManageEnvironmentIam.find((s) => s.effect === 'Deny')!;
    expect(deny.resources.map((r) => r.replace(/^.*:role\//, ''))).toEqual(['mlops-test-plan', 'mlops-test-deploy']);
    expect(deny.actions).toEqual(
      expect.arrayContaining(['iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:DeleteRole', 'iam:PassRole']),
    );
  });

  it('uses the state key prefix it is given', () => {
    const nested = role(deliveryRoles({ stateKeyPrefix: 'platform/state' }), 'Delivery_DeployRole');
    expect(nested.inline.BucketReadWritePlatformState[1].resources[1]).toMatch(/\}\/platform\/state\/\*$/);
  });

  it('rejects a name prefix IAM role names cannot carry', () => {
    expect(() => deliveryRoles({ namePrefix: 'mlops test' })).toThrow(/namePrefix 'mlops test' must be 1-56 characters/);
  });
});

describe('StateBucket', () => {
  const build = (scope: Construct) =>
    new StateBucket(scope, 'State', { bucketName: 'mlops-tfstate-123456789012-eu-west-1', keyAlias: 'mlops-test-tfstate' });
  const json = synthScope((scope) => void build(scope));
  const buckets = resources(json, 'aws_s3_bucket');
  const byBucket = (type: string, id: string) =>
    Object.values(resources(json, type)).find((r) => String(r.bucket).includes(`aws_s3_bucket.${id}.`))!;
  const stateId = Object.keys(buckets).find((id) => id.startsWith('State_Bucket'))!;
  const logsId = Object.keys(buckets).find((id) => id.startsWith('State_AccessLogsBucket'))!;

  it('is named as the backend expects and never force-destroyed', () => {
    expect(buckets[stateId]).toMatchObject({ bucket: 'mlops-tfstate-123456789012-eu-west-1', force_destroy: false });
  });

  it('is encrypted with its own rotating key, versioned and keeps old state versions a year', () => {
    expect(onlyResource(json, 'aws_kms_key')).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(onlyResource(json, 'aws_kms_alias').name).toBe('alias/mlops-test-tfstate');
    expect(byBucket('aws_s3_bucket_server_side_encryption_configuration', stateId).rule).toEqual([
      {
        apply_server_side_encryption_by_default: {
          sse_algorithm: 'aws:kms',
          kms_master_key_id: expect.stringContaining('aws_kms_key.State_Key'),
        },
        bucket_key_enabled: true,
      },
    ]);
    expect(byBucket('aws_s3_bucket_versioning', stateId).versioning_configuration).toEqual({ status: 'Enabled' });
    const [versions] = byBucket('aws_s3_bucket_lifecycle_configuration', stateId).rule as { noncurrent_version_expiration: unknown }[];
    expect(versions.noncurrent_version_expiration).toEqual([{ noncurrent_days: 365 }]);
  });

  it('logs access to a bucket beside it that S3 log delivery may write to', () => {
    expect(buckets[logsId].bucket).toBe('mlops-tfstate-123456789012-eu-west-1-access-logs');
    expect(byBucket('aws_s3_bucket_logging', stateId).target_bucket).toContain(`aws_s3_bucket.${logsId}.bucket`);
    const [rule] = byBucket('aws_s3_bucket_server_side_encryption_configuration', logsId).rule as {
      apply_server_side_encryption_by_default: unknown;
    }[];
    expect(rule.apply_server_side_encryption_by_default).toEqual({ sse_algorithm: 'AES256' });
    const policy = Object.entries(dataSources(json, 'aws_iam_policy_document')).find(([id]) => id.startsWith('State_AccessLogsBucket'))![1];
    expect(policy.statement).toEqual(
      expect.arrayContaining([expect.objectContaining({ sid: 'S3ServerAccessLogDelivery', actions: ['s3:PutObject'] })]),
    );
  });

  it('rejects a bucket name that leaves no room for the access-log bucket', () => {
    const long = `mlops-tfstate-${'a'.repeat(40)}`;
    expect(() => synthScope((scope) => void new StateBucket(scope, 'State', { bucketName: long, keyAlias: 'k' }))).toThrow(
      /bucketName '.*' leaves no room for its access-log bucket .* use at most 51 characters/,
    );
  });
});

describe('VpcRunner', () => {
  const CONNECTION = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/00000000-0000-4000-8000-000000000000';
  const runner = (props: Partial<VpcRunnerProps> = {}) =>
    synthScope((scope) => {
      new VpcRunner(scope, 'Runner', {
        name: 'mlops-test-runner',
        githubRepository: 'example-org/mlops-platform',
        codeConnectionArn: CONNECTION,
        vpcId: 'vpc-1',
        subnetIds: ['subnet-a', 'subnet-b'],
        clusterSecurityGroupId: 'sg-cluster',
        logKey: { keyArn: 'arn:aws:kms:eu-west-1:123456789012:key/k' } as IKmsKey,
        ...props,
      });
    });

  it('starts GitHub Actions jobs in the private subnets, admitted to the API server and sending only HTTPS out', () => {
    const json = runner();
    expect(onlyResource(json, 'aws_codebuild_project')).toMatchObject({
      name: 'mlops-test-runner',
      source: {
        type: 'GITHUB',
        location: 'https://github.com/example-org/mlops-platform.git',
        auth: { type: 'CODECONNECTIONS', resource: CONNECTION },
      },
      vpc_config: { vpc_id: 'vpc-1', subnets: ['subnet-a', 'subnet-b'] },
    });
    expect(onlyResource(json, 'aws_codebuild_webhook').filter_group).toEqual([
      { filter: [{ type: 'EVENT', pattern: 'WORKFLOW_JOB_QUEUED' }] },
    ]);
    expect(onlyResource(json, 'aws_security_group').egress).toEqual([
      expect.objectContaining({ protocol: 'tcp', from_port: 443, to_port: 443, cidr_blocks: ['0.0.0.0/0'] }),
    ]);
    expect(onlyResource(json, 'aws_vpc_security_group_ingress_rule')).toMatchObject({
      security_group_id: 'sg-cluster',
      from_port: 443,
      to_port: 443,
    });
  });

  it('gives the build role its logs, the connection and the VPC attachment, nothing to deploy with', () => {
    const statements = role(runner(), 'Runner_Role').inline.RunInVpc;
    const actions = statements.flatMap((s) => s.actions);
    expect(actions.filter((a) => !/^(logs|ec2|codeconnections|codestar-connections):/.test(a))).toEqual([]);
    expect(actions).not.toContain('sts:AssumeRole');
  });

  it('refuses something that is not a connection ARN', () => {
    expect(() => runner({ codeConnectionArn: 'arn:aws:iam::123456789012:role/x' })).toThrow(/must be a CodeConnections connection ARN/);
  });
});
