import { Construct } from 'constructs';
import type { IGrantable, PolicyStatement } from '../iam/grantable';
import { Role } from '../iam/role';
import { irsaAnnotations } from '../kubernetes/objects';
import type { IOidcCluster } from './eks-cluster';

/** Props of {@link WorkloadIdentity}. */
export interface WorkloadIdentityProps {
  readonly cluster: IOidcCluster;
  readonly namespace: string;
  /** Service accounts of one workload in `namespace` (a chart may run several components, each with its own). */
  readonly serviceAccounts: string[];
  /** @default `<cluster>-<namespace>-<first service account>`, cut to IAM's 64 characters */
  readonly roleName?: string;
  /** AWS managed policies by name, for add-ons whose upstream policy is published that way. @default none */
  readonly managedPolicies?: string[];
}

/**
 * An AWS identity for one workload (IRSA): an IAM role that only the named service accounts, in that
 * namespace of that cluster, can assume. Pass it to grant methods; annotate the service accounts with
 * {@link serviceAccountAnnotations}.
 */
export class WorkloadIdentity extends Construct implements IGrantable {
  readonly roleArn: string;
  readonly roleName: string;
  readonly namespace: string;
  readonly serviceAccounts: string[];
  private readonly role: Role;

  constructor(scope: Construct, id: string, props: WorkloadIdentityProps) {
    super(scope, id);
    const dns1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
    if (props.serviceAccounts.length === 0) throw new Error(`${this.node.path}: serviceAccounts must name at least one service account`);
    for (const [prop, value] of [['namespace', props.namespace], ...props.serviceAccounts.map((sa) => ['serviceAccounts', sa])]) {
      if (!dns1123.test(value)) throw new Error(`${this.node.path}: ${prop} '${value}' must be a lower-case DNS label`);
    }
    this.namespace = props.namespace;
    this.serviceAccounts = props.serviceAccounts;
    const issuer = props.cluster.oidcIssuer;
    this.role = new Role(this, 'Role', {
      roleName: props.roleName ?? `${props.cluster.clusterName}-${props.namespace}-${props.serviceAccounts[0]}`.slice(0, 64),
      description: `IRSA: service accounts ${props.serviceAccounts.map((sa) => `${props.namespace}/${sa}`).join(', ')}`,
      trustStatements: [
        {
          actions: ['sts:AssumeRoleWithWebIdentity'],
          principals: [{ type: 'Federated', identifiers: [props.cluster.oidcProviderArn] }],
          condition: [
            {
              test: 'StringEquals',
              variable: `${issuer}:sub`,
              values: props.serviceAccounts.map((sa) => `system:serviceaccount:${props.namespace}:${sa}`),
            },
            { test: 'StringEquals', variable: `${issuer}:aud`, values: ['sts.amazonaws.com'] },
          ],
        },
      ],
      managedPolicies: props.managedPolicies,
    });
    this.roleArn = this.role.roleArn;
    this.roleName = this.role.roleName;
  }

  /** The annotation that binds a service account to this identity. */
  get serviceAccountAnnotations(): Record<string, string> {
    return irsaAnnotations(this.roleArn);
  }

  addToPolicy(policyId: string, statements: PolicyStatement[]): void {
    this.role.addToPolicy(policyId, statements);
  }
}
