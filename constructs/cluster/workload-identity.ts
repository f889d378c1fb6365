import { Construct } from 'constructs';
import type { IGrantable, PolicyStatement } from '../iam/grantable';
import { Role } from '../iam/role';
import type { IOidcCluster } from './eks-cluster';

/** Props of {@link WorkloadIdentity}. */
export interface WorkloadIdentityProps {
  readonly cluster: IOidcCluster;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** @default `<cluster>-<namespace>-<serviceAccount>`, cut to IAM's 64 characters */
  readonly roleName?: string;
  /** AWS managed policies by name, for add-ons whose upstream policy is published that way. @default none */
  readonly managedPolicies?: string[];
}

/**
 * An AWS identity for one Kubernetes service account (IRSA): an IAM role that only that service account,
 * in that namespace of that cluster, can assume. Pass it to grant methods; annotate the service account
 * with {@link serviceAccountAnnotations}.
 */
export class WorkloadIdentity extends Construct implements IGrantable {
  readonly roleArn: string;
  readonly roleName: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  private readonly role: Role;

  constructor(scope: Construct, id: string, props: WorkloadIdentityProps) {
    super(scope, id);
    const dns1123 = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
    for (const [prop, value] of [
      ['namespace', props.namespace],
      ['serviceAccount', props.serviceAccount],
    ] as const) {
      if (!dns1123.test(value)) throw new Error(`${this.node.path}: ${prop} '${value}' must be a lower-case DNS label`);
    }
    this.namespace = props.namespace;
    this.serviceAccount = props.serviceAccount;
    const issuer = props.cluster.oidcIssuer;
    this.role = new Role(this, 'Role', {
      roleName: props.roleName ?? `${props.cluster.clusterName}-${props.namespace}-${props.serviceAccount}`.slice(0, 64),
      description: `IRSA: service account ${props.namespace}/${props.serviceAccount}`,
      trustStatements: [
        {
          actions: ['sts:AssumeRoleWithWebIdentity'],
          principals: [{ type: 'Federated', identifiers: [props.cluster.oidcProviderArn] }],
          condition: [
            {
              test: 'StringEquals',
              variable: `${issuer}:sub`,
              values: [`system:serviceaccount:${props.namespace}:${props.serviceAccount}`],
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
    return { 'eks.amazonaws.com/role-arn': this.roleArn };
  }

  addToPolicy(policyId: string, statements: PolicyStatement[]): void {
    this.role.addToPolicy(policyId, statements);
  }
}
