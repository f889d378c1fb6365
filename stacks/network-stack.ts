import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import type { Construct } from 'constructs';
import { Network } from '../constructs/network/network';
import { allowCloudWatchLogs, KmsKey } from '../constructs/security/kms-key';
import type { EnvironmentConfig } from '../src/config/schema';
import { BaseStack } from './base-stack';

/** The VPC and the security group that marks platform workloads. Changes rarely; everything else stands on it. */
export class NetworkStack extends BaseStack {
  readonly network: Network;
  /**
   * Worn by every node (so by every pod, which shares its node's network identity with the VPC CNI);
   * data stores admit this group and nothing else. Owned here so the data stores do not depend on the cluster.
   */
  readonly workloadSecurityGroupId: string;
  /** Name the cluster will have; subnets are tagged for its discovery. */
  readonly clusterName: string;

  constructor(scope: Construct, environment: EnvironmentConfig) {
    super(scope, 'network', environment);
    this.clusterName = this.prefix;
    const logsKey = new KmsKey(this, 'LogsKey', {
      alias: `${this.prefix}-network-logs`,
      description: `Encrypts the VPC flow logs of ${this.prefix}`,
      additionalPolicyStatements: [allowCloudWatchLogs(this)],
    });
    const { network } = environment;
    this.network = new Network(this, 'Network', {
      name: this.prefix,
      clusterName: this.clusterName,
      vpcCidr: network.vpcCidr,
      azCount: network.azCount,
      privateSubnetPrefixLength: network.privateSubnetPrefixLength,
      publicSubnetPrefixLength: network.publicSubnetPrefixLength,
      natGateways: network.natGateways,
      flowLogRetentionDays: network.flowLogRetentionDays,
      interfaceEndpoints: network.interfaceEndpoints,
      logsKey,
    });
    const workloads = new SecurityGroup(this, 'WorkloadSecurityGroup', {
      name: `${this.prefix}-platform-workloads`,
      description: 'Membership marks platform workloads; data stores admit its members',
      vpcId: this.network.vpcId,
      // Membership only: the cluster's own security group carries the nodes' traffic rules.
      egress: [],
      tags: { Name: `${this.prefix}-platform-workloads` },
    });
    this.workloadSecurityGroupId = workloads.id;
  }
}
