import { Construct } from 'constructs';
import type { IGrantable, PolicyStatement } from '../iam/grantable';
import { Role } from '../iam/role';

/** What a node pool needs of the nodes' IAM role. */
export interface INodeRole {
  readonly roleArn: string;
}

/** Props of {@link NodeRole}. */
export interface NodeRoleProps {
  readonly roleName: string;
}

/**
 * The IAM role of the cluster's EC2 nodes: join the cluster, pull images, be reachable through SSM
 * (instead of SSH). Pods do not inherit it: the launch template's IMDS hop limit keeps them off the node's credentials,
 * and the VPC CNI gets its own identity.
 */
export class NodeRole extends Construct implements INodeRole, IGrantable {
  readonly roleArn: string;
  private readonly role: Role;

  constructor(scope: Construct, id: string, props: NodeRoleProps) {
    super(scope, id);
    const role = (this.role = new Role(this, 'Role', {
      roleName: props.roleName,
      description: 'EKS worker nodes',
      trustStatements: [{ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['ec2.amazonaws.com'] }] }],
      managedPolicies: ['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryPullOnly', 'AmazonSSMManagedInstanceCore'],
    }));
    this.roleArn = role.roleArn;
  }

  addToPolicy(policyId: string, statements: PolicyStatement[]): void {
    this.role.addToPolicy(policyId, statements);
  }
}
