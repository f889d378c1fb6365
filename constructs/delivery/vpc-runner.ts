import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CodebuildProject } from '@cdktf/provider-aws/lib/codebuild-project';
import { CodebuildWebhook } from '@cdktf/provider-aws/lib/codebuild-webhook';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';
import { awsContext } from '../aws-context';
import { Role } from '../iam/role';
import type { IKmsKey } from '../security/kms-key';

/** Props of {@link VpcRunner}. */
export interface VpcRunnerProps {
  /** Name of the CodeBuild project; workflows run on the label `codebuild-<name>-<run id>-<attempt>`. */
  readonly name: string;
  /** `owner/name` of the GitHub repository whose workflow jobs it runs. */
  readonly githubRepository: string;
  /**
   * AWS CodeConnections connection to GitHub (created and authorized once by hand in the console: GitHub
   * has to approve it), through which CodeBuild registers the runners.
   */
  readonly codeConnectionArn: string;
  readonly vpcId: string;
  /** Private subnets: jobs reach the cluster's private endpoint, and the internet through NAT. */
  readonly subnetIds: string[];
  /** The cluster security group: the runners are admitted to the API server on 443. */
  readonly clusterSecurityGroupId: string;
  /** Encrypts the job logs (its key policy must admit CloudWatch Logs). */
  readonly logKey: IKmsKey;
  /** @default 90 */
  readonly logRetentionDays?: number;
}

/**
 * GitHub Actions runners inside the VPC, hosted by AWS CodeBuild: a workflow job whose `runs-on` names the
 * project starts a build in the private subnets, so Terraform reaches the cluster's private API endpoint
 * (the platform stack's Helm and Kubernetes providers). The build's own role can only write its logs and
 * attach to the VPC; jobs assume the environment's deploy role through GitHub's OIDC provider, as on
 * GitHub-hosted runners.
 */
export class VpcRunner extends Construct {
  readonly projectName: string;
  readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: VpcRunnerProps) {
    super(scope, id);
    if (!/^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/.test(props.codeConnectionArn)) {
      throw new Error(`${this.node.path}: codeConnectionArn '${props.codeConnectionArn}' must be a CodeConnections connection ARN`);
    }
    const { accountId, partition, region } = awsContext(this);
    this.projectName = props.name;

    const group = new SecurityGroup(this, 'SecurityGroup', {
      name: props.name,
      description: `GitHub Actions runners of ${props.githubRepository}: HTTPS out only`,
      vpcId: props.vpcId,
      // GitHub, AWS APIs, the API server and registries are all HTTPS; nothing may connect in.
      egress: [{ description: 'HTTPS', protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: ['0.0.0.0/0'] }],
      tags: { Name: props.name },
    });
    this.securityGroupId = group.id;
    new VpcSecurityGroupIngressRule(this, 'ApiServerFromRunners', {
      securityGroupId: props.clusterSecurityGroupId,
      description: `API server from the ${props.name} runners`,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      referencedSecurityGroupId: group.id,
    });

    const logs = new CloudwatchLogGroup(this, 'Logs', {
      name: `/aws/codebuild/${props.name}`,
      retentionInDays: props.logRetentionDays ?? 90,
      kmsKeyId: props.logKey.keyArn,
    });

    const role = new Role(this, 'Role', {
      roleName: props.name,
      description: `CodeBuild runners of ${props.githubRepository}: logs and VPC attachment only`,
      trustStatements: [{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['codebuild.amazonaws.com'] }] }],
    });
    role.addToPolicy('RunInVpc', [
      { sid: 'WriteLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logs.arn}:*`] },
      {
        sid: 'UseGithubConnection',
        actions: ['codeconnections:GetConnectionToken', 'codeconnections:UseConnection', 'codestar-connections:UseConnection'],
        resources: [props.codeConnectionArn],
      },
      {
        // CodeBuild's documented VPC permissions; the describe calls cannot be scoped.
        sid: 'DescribeNetwork',
        actions: [
          'ec2:DescribeDhcpOptions',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSubnets',
          'ec2:DescribeVpcs',
        ],
        resources: ['*'],
      },
      {
        sid: 'AttachToVpc',
        actions: ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface'],
        resources: [`arn:${partition}:ec2:${region}:${accountId}:*`],
      },
      {
        sid: 'AttachToPrivateSubnets',
        actions: ['ec2:CreateNetworkInterfacePermission'],
        resources: [`arn:${partition}:ec2:${region}:${accountId}:network-interface/*`],
        condition: [
          { test: 'StringEquals', variable: 'ec2:AuthorizedService', values: ['codebuild.amazonaws.com'] },
          {
            test: 'ArnEquals',
            variable: 'ec2:Subnet',
            values: props.subnetIds.map((s) => `arn:${partition}:ec2:${region}:${accountId}:subnet/${s}`),
          },
        ],
      },
    ]);

    const project = new CodebuildProject(this, 'Project', {
      name: props.name,
      description: `GitHub Actions runners in the VPC for ${props.githubRepository}`,
      serviceRole: role.roleArn,
      buildTimeout: 240,
      source: {
        type: 'GITHUB',
        location: `https://github.com/${props.githubRepository}.git`,
        auth: { type: 'CODECONNECTIONS', resource: props.codeConnectionArn },
      },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: {
        type: 'LINUX_CONTAINER',
        computeType: 'BUILD_GENERAL1_MEDIUM',
        image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
        imagePullCredentialsType: 'CODEBUILD',
      },
      vpcConfig: { vpcId: props.vpcId, subnets: props.subnetIds, securityGroupIds: [group.id] },
      logsConfig: { cloudwatchLogs: { groupName: logs.name, status: 'ENABLED' } },
    });
    new CodebuildWebhook(this, 'Webhook', {
      projectName: project.name,
      buildType: 'BUILD',
      filterGroup: [{ filter: [{ type: 'EVENT', pattern: 'WORKFLOW_JOB_QUEUED' }] }],
    });
  }
}
