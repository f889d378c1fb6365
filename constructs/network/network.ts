import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { awsContext } from '../aws-context';
import { Role } from '../iam/role';
import type { IKmsKey } from '../security/kms-key';
import { allocateSubnets, CONTROL_PLANE_SUBNET_LENGTH, formatCidr, parseCidr, subnetLayout } from './cidr';

/** AWS services that can have an interface endpoint in the VPC. */
export type InterfaceEndpointService = 'ecr.api' | 'ecr.dkr' | 'sts' | 'logs' | 'secretsmanager' | 'ec2' | 'elasticloadbalancing';

/** What the cluster and the data stores need of a network. */
export interface INetwork {
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** One per AZ, in AZ order: nodes, pods and data stores live here. */
  readonly privateSubnetIds: string[];
  /** One per AZ: load balancers (internal and internet-facing) and NAT only, no pods. */
  readonly publicSubnetIds: string[];
  /** Their address ranges: network policies admit load balancers from these, not from the pods' subnets. */
  readonly publicSubnetCidrs: string[];
  /** One small subnet per AZ for the EKS control plane's network interfaces, apart from the pods. */
  readonly controlPlaneSubnetIds: string[];
  /** Their address ranges: the control plane calls admission webhooks from these. */
  readonly controlPlaneSubnetCidrs: string[];
}

/** Props of {@link Network}. */
export interface NetworkProps {
  /** Prefix of every `Name` tag, e.g. `mlops-prod`. */
  readonly name: string;
  /** IPv4 block of the VPC; must hold all subnets. */
  readonly vpcCidr: string;
  /** Availability zones to spread over, taken in order from those the region offers. */
  readonly azCount: number;
  /** Tags subnets so the EKS cluster of this name and its load balancer controller discover them. */
  readonly clusterName: string;
  /** Encrypts the flow log group. */
  readonly logsKey: IKmsKey;
  /** @default 19 (8,190 addresses per AZ: the VPC CNI gives every pod a VPC address) */
  readonly privateSubnetPrefixLength?: number;
  /** @default 24 */
  readonly publicSubnetPrefixLength?: number;
  /** @default 'perAz': a zone outage does not cut the others off the internet */
  readonly natGateways?: 'perAz' | 'single';
  /** @default 365 */
  readonly flowLogRetentionDays?: number;
  /** @default none: traffic to AWS APIs other than S3 goes through the NAT gateways */
  readonly interfaceEndpoints?: InterfaceEndpointService[];
}

/**
 * A VPC with public and private subnets in each AZ, NAT, flow logs of all traffic,
 * a default security group that admits nothing, and endpoints that keep AWS traffic off NAT.
 */
export class Network extends Construct implements INetwork {
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly privateSubnetIds: string[];
  readonly publicSubnetIds: string[];
  readonly publicSubnetCidrs: string[];
  readonly controlPlaneSubnetIds: string[];
  readonly controlPlaneSubnetCidrs: string[];
  readonly privateRouteTableIds: string[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const privateLength = props.privateSubnetPrefixLength ?? 19;
    const publicLength = props.publicSubnetPrefixLength ?? 24;
    const layout = this.planSubnets(props, privateLength, publicLength);

    const vpc = new Vpc(this, 'Vpc', {
      cidrBlock: props.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: props.name },
    });
    this.vpcId = vpc.id;
    this.vpcCidr = vpc.cidrBlock;

    // With no rules, the default group denies everything: nothing should ever use it.
    new DefaultSecurityGroup(this, 'DefaultSecurityGroup', { vpcId: vpc.id, tags: { Name: `${props.name}-default-deny` } });

    const zones = new DataAwsAvailabilityZones(this, 'Zones', {
      state: 'available',
      filter: [{ name: 'opt-in-status', values: ['opt-in-not-required'] }],
    });
    const zone = (index: number) => Fn.element(zones.names, index);
    const clusterTag = { [`kubernetes.io/cluster/${props.clusterName}`]: 'shared' };

    const igw = new InternetGateway(this, 'InternetGateway', { vpcId: vpc.id, tags: { Name: props.name } });
    const publicRoutes = new RouteTable(this, 'PublicRoutes', {
      vpcId: vpc.id,
      route: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
      tags: { Name: `${props.name}-public` },
    });

    const publicSubnets = layout.public.map((cidrBlock, index) => {
      const subnet = new Subnet(this, `Public${index}`, {
        vpcId: vpc.id,
        cidrBlock,
        availabilityZone: zone(index),
        mapPublicIpOnLaunch: false,
        // Internal load balancers go here too, apart from the pods (the Load Balancer Controller picks subnets
        // by these tags), so network policies can admit them by address without admitting every pod.
        tags: {
          Name: `${props.name}-public-${index}`,
          'kubernetes.io/role/elb': '1',
          'kubernetes.io/role/internal-elb': '1',
          ...clusterTag,
        },
      });
      new RouteTableAssociation(this, `Public${index}Routes`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
      return subnet;
    });
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.publicSubnetCidrs = layout.public;

    const natCount = (props.natGateways ?? 'perAz') === 'perAz' ? props.azCount : 1;
    const natGateways = publicSubnets.slice(0, natCount).map((subnet, index) => {
      const eip = new Eip(this, `NatAddress${index}`, { domain: 'vpc', tags: { Name: `${props.name}-nat-${index}` } });
      return new NatGateway(this, `Nat${index}`, {
        allocationId: eip.id,
        subnetId: subnet.id,
        tags: { Name: `${props.name}-nat-${index}` },
        dependsOn: [igw],
      });
    });

    const privateRouteTables = layout.private.map((cidrBlock, index) => {
      const subnet = new Subnet(this, `Private${index}`, {
        vpcId: vpc.id,
        cidrBlock,
        availabilityZone: zone(index),
        tags: { Name: `${props.name}-private-${index}`, ...clusterTag },
      });
      const routes = new RouteTable(this, `Private${index}Routes`, {
        vpcId: vpc.id,
        // Each zone leaves through its own NAT gateway when there is one per zone.
        route: [{ cidrBlock: '0.0.0.0/0', natGatewayId: natGateways[index % natGateways.length].id }],
        tags: { Name: `${props.name}-private-${index}` },
      });
      new RouteTableAssociation(this, `Private${index}Association`, { subnetId: subnet.id, routeTableId: routes.id });
      return { subnet, routes };
    });
    this.privateSubnetIds = privateRouteTables.map((p) => p.subnet.id);
    this.privateRouteTableIds = privateRouteTables.map((p) => p.routes.id);

    // The control plane's network interfaces apart from the pods, routed like the zone's private subnet:
    // network policies then admit webhook calls from these addresses only.
    const controlPlaneSubnets = layout.controlPlane.map((cidrBlock, index) => {
      const subnet = new Subnet(this, `ControlPlane${index}`, {
        vpcId: vpc.id,
        cidrBlock,
        availabilityZone: zone(index),
        tags: { Name: `${props.name}-control-plane-${index}` },
      });
      new RouteTableAssociation(this, `ControlPlane${index}Association`, {
        subnetId: subnet.id,
        routeTableId: privateRouteTables[index].routes.id,
      });
      return subnet;
    });
    this.controlPlaneSubnetIds = controlPlaneSubnets.map((s) => s.id);
    this.controlPlaneSubnetCidrs = layout.controlPlane;

    this.addFlowLogs(props, vpc.id);
    this.addEndpoints(props, [...this.privateRouteTableIds, publicRoutes.id]);
  }

  private planSubnets(props: NetworkProps, privateLength: number, publicLength: number) {
    const vpc = parseCidr(props.vpcCidr);
    if (!vpc) throw new Error(`${this.node.path}: vpcCidr '${props.vpcCidr}' is not an IPv4 CIDR with zero host bits`);
    if (!Number.isInteger(props.azCount) || props.azCount < 1 || props.azCount > 6) {
      throw new Error(`${this.node.path}: azCount must be a whole number from 1 to 6 (got ${props.azCount})`);
    }
    const blocks = allocateSubnets(vpc, subnetLayout(props.azCount, privateLength, publicLength));
    if (!blocks) {
      throw new Error(
        `${this.node.path}: ${props.vpcCidr} cannot hold ${props.azCount} private /${privateLength}, ${props.azCount} public /${publicLength} and ${props.azCount} control-plane /${CONTROL_PLANE_SUBNET_LENGTH} subnets; use a larger VPC or smaller subnets`,
      );
    }
    const cidrs = blocks.map(formatCidr);
    const n = props.azCount;
    return { private: cidrs.slice(0, n), public: cidrs.slice(n, 2 * n), controlPlane: cidrs.slice(2 * n) };
  }

  private addFlowLogs(props: NetworkProps, vpcId: string): void {
    const { accountId, partition, region } = awsContext(this);
    const group = new CloudwatchLogGroup(this, 'FlowLogGroup', {
      name: `/aws/vpc/${props.name}/flow-logs`,
      retentionInDays: props.flowLogRetentionDays ?? 365,
      kmsKeyId: props.logsKey.keyArn,
    });
    const role = new Role(this, 'FlowLogRole', {
      roleName: `${props.name}-vpc-flow-logs`,
      description: 'Lets VPC flow logs write to their log group',
      trustStatements: [
        {
          actions: ['sts:AssumeRole'],
          principals: [{ type: 'Service', identifiers: ['vpc-flow-logs.amazonaws.com'] }],
          // Only flow logs of this account may use the role (confused-deputy guard).
          condition: [
            { test: 'StringEquals', variable: 'aws:SourceAccount', values: [accountId] },
            { test: 'ArnLike', variable: 'aws:SourceArn', values: [`arn:${partition}:ec2:${region}:${accountId}:vpc-flow-log/*`] },
          ],
        },
      ],
    });
    role.addToPolicy('WriteFlowLogs', [
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [group.arn, `${group.arn}:*`],
      },
    ]);
    new FlowLog(this, 'FlowLog', {
      vpcId,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: group.arn,
      iamRoleArn: role.roleArn,
      maxAggregationInterval: 60,
      tags: { Name: props.name },
    });
  }

  private addEndpoints(props: NetworkProps, routeTableIds: string[]): void {
    const { region } = awsContext(this);
    // Gateway endpoints are free and carry the heaviest traffic (datasets, artifacts, images' layers).
    new VpcEndpoint(this, 'S3Endpoint', {
      vpcId: this.vpcId,
      serviceName: `com.amazonaws.${region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds,
      tags: { Name: `${props.name}-s3` },
    });
    const services = props.interfaceEndpoints ?? [];
    if (services.length === 0) return;
    const endpointGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
      name: `${props.name}-vpc-endpoints`,
      description: 'HTTPS from inside the VPC to AWS interface endpoints',
      vpcId: this.vpcId,
      egress: [],
      tags: { Name: `${props.name}-vpc-endpoints` },
    });
    new VpcSecurityGroupIngressRule(this, 'EndpointHttps', {
      securityGroupId: endpointGroup.id,
      description: 'HTTPS from the VPC',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: this.vpcCidr,
    });
    for (const service of services) {
      new VpcEndpoint(this, `Endpoint${pascalCase(service)}`, {
        vpcId: this.vpcId,
        serviceName: `com.amazonaws.${region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: this.privateSubnetIds,
        securityGroupIds: [endpointGroup.id],
        tags: { Name: `${props.name}-${service}` },
      });
    }
  }
}

function pascalCase(service: string): string {
  return service
    .split(/[.-]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
