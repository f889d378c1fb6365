import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';

/** Props of {@link ServiceSecurityGroup}. */
export interface ServiceSecurityGroupProps {
  readonly name: string;
  readonly description: string;
  readonly vpcId: string;
  /** The one TCP port clients use. */
  readonly port: number;
}

/**
 * The security group of a private service (a database, a cache): it admits its one port from the security
 * groups named with {@link allowFrom} and nothing else, and sends nothing out.
 */
export class ServiceSecurityGroup extends Construct {
  readonly securityGroupId: string;
  private readonly port: number;
  private allowed = 0;

  constructor(scope: Construct, id: string, props: ServiceSecurityGroupProps) {
    super(scope, id);
    this.port = props.port;
    const group = new SecurityGroup(this, 'SecurityGroup', {
      name: props.name,
      description: props.description,
      vpcId: props.vpcId,
      // No egress rule: a managed data store never opens connections of its own.
      egress: [],
      tags: { Name: props.name },
    });
    this.securityGroupId = group.id;
  }

  /** Admits clients that are members of `securityGroupId` on the service's port. */
  allowFrom(securityGroupId: string, description: string): void {
    new VpcSecurityGroupIngressRule(this, `Ingress${this.allowed++}`, {
      securityGroupId: this.securityGroupId,
      description,
      ipProtocol: 'tcp',
      fromPort: this.port,
      toPort: this.port,
      referencedSecurityGroupId: securityGroupId,
    });
  }
}
