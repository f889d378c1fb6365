import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DataAwsEksAddonVersion } from '@cdktf/provider-aws/lib/data-aws-eks-addon-version';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksAccessPolicyAssociation } from '@cdktf/provider-aws/lib/eks-access-policy-association';
import { EksAddon } from '@cdktf/provider-aws/lib/eks-addon';
import { EksCluster as EksClusterResource } from '@cdktf/provider-aws/lib/eks-cluster';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { Fn, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { awsContext } from '../aws-context';
import { Role } from '../iam/role';
import type { IKmsKey } from '../security/kms-key';

/** What workload identities need of a cluster: its OIDC issuer, trusted by IAM. */
export interface IOidcCluster {
  readonly clusterName: string;
  /** ARN of the IAM OIDC provider for the cluster's issuer. */
  readonly oidcProviderArn: string;
  /** The issuer without `https://`, as IAM condition keys spell it. */
  readonly oidcIssuer: string;
}

/** What node pools and the in-cluster layer need of a cluster. */
export interface IEksCluster extends IOidcCluster {
  readonly clusterArn: string;
  readonly endpoint: string;
  /** Base64 PEM of the API server's CA. */
  readonly certificateAuthorityData: string;
  readonly kubernetesVersion: string;
  /** The security group EKS creates: control plane and every node are members. */
  readonly clusterSecurityGroupId: string;
  /** The Services' address range (EKS picks it at creation): pods reach the API server at an address in it. */
  readonly serviceCidr: string;
}

/** Props of {@link EksCluster}. */
export interface EksClusterProps {
  readonly clusterName: string;
  /** Kubernetes minor version, e.g. `1.35`; upgrades are explicit changes to this value. */
  readonly kubernetesVersion: string;
  /** Private subnets, at least two in different AZs: the control plane's network interfaces go there. */
  readonly subnetIds: string[];
  /** Envelope-encrypts Kubernetes Secrets and the control-plane log group. */
  readonly kmsKey: IKmsKey;
  /** @default false: the API is reachable only from inside the VPC */
  readonly endpointPublicAccess?: boolean;
  /** Who may reach a public endpoint; required (and only allowed) when it is public. @default none */
  readonly publicAccessCidrs?: string[];
  /**
   * IAM principals given cluster-admin through access entries.
   * The identity that deploys the in-cluster layer must be one of them: the creator gets no implicit admin.
   * @default none
   */
  readonly adminPrincipalArns?: string[];
  /** @default 365 */
  readonly logRetentionDays?: number;
}

/** Options of {@link EksCluster.addAddon}. */
export interface AddonOptions {
  /** @default the default version EKS gives for the cluster's Kubernetes version */
  readonly version?: string;
  /** IAM role for the add-on's service account (IRSA). @default the node's role */
  readonly serviceAccountRoleArn?: string;
  /** Add-on configuration (its JSON schema is per add-on), rendered as JSON. @default none */
  readonly configuration?: Record<string, unknown>;
  /** Resources that must exist first, e.g. node pools for add-ons that run pods on nodes. @default none */
  readonly dependsOn?: ITerraformDependable[];
}

const CONTROL_PLANE_LOGS = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

/**
 * An EKS control plane: private API endpoint, KMS envelope encryption of Secrets, all control-plane logs
 * kept with retention, access entries instead of the aws-auth ConfigMap, and an OIDC provider for IRSA.
 * Add-ons are added with {@link addAddon}; node pools with the `NodePool` construct.
 */
export class EksCluster extends Construct implements IEksCluster {
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly endpoint: string;
  readonly certificateAuthorityData: string;
  readonly kubernetesVersion: string;
  readonly clusterSecurityGroupId: string;
  readonly serviceCidr: string;
  readonly oidcProviderArn: string;
  readonly oidcIssuer: string;
  private readonly cluster: EksClusterResource;

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    this.validate(props);
    const { partition } = awsContext(this);

    const role = new Role(this, 'ControlPlaneRole', {
      roleName: `${props.clusterName}-control-plane`,
      description: `EKS control plane of ${props.clusterName}`,
      trustStatements: [
        { actions: ['sts:AssumeRole', 'sts:TagSession'], principals: [{ type: 'Service', identifiers: ['eks.amazonaws.com'] }] },
      ],
      managedPolicies: ['AmazonEKSClusterPolicy'],
    });

    // Created before the cluster so EKS does not create it without retention or encryption.
    const logGroup = new CloudwatchLogGroup(this, 'ControlPlaneLogs', {
      name: `/aws/eks/${props.clusterName}/cluster`,
      retentionInDays: props.logRetentionDays ?? 365,
      kmsKeyId: props.kmsKey.keyArn,
    });

    const publicAccess = props.endpointPublicAccess ?? false;
    this.cluster = new EksClusterResource(this, 'Cluster', {
      name: props.clusterName,
      version: props.kubernetesVersion,
      roleArn: role.roleArn,
      vpcConfig: {
        subnetIds: props.subnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: publicAccess,
        publicAccessCidrs: publicAccess ? props.publicAccessCidrs : undefined,
      },
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: props.kmsKey.keyArn } },
      enabledClusterLogTypes: CONTROL_PLANE_LOGS,
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
      // EKS picks the Service range at creation and reports it here; the block must be in the configuration
      // for its attributes to be read (the platform's network policies admit the API server's Service address).
      kubernetesNetworkConfig: { ipFamily: 'ipv4' },
      // Networking add-ons are managed below, versioned with the cluster, instead of self-managed copies.
      bootstrapSelfManagedAddons: false,
      upgradePolicy: { supportType: 'STANDARD' },
      dependsOn: [logGroup],
    });

    const oidc = new IamOpenidConnectProvider(this, 'OidcProvider', {
      url: this.cluster.identity.get(0).oidc.get(0).issuer,
      clientIdList: ['sts.amazonaws.com'],
    });

    this.clusterName = this.cluster.name;
    this.clusterArn = this.cluster.arn;
    this.endpoint = this.cluster.endpoint;
    this.certificateAuthorityData = this.cluster.certificateAuthority.get(0).data;
    this.kubernetesVersion = this.cluster.version;
    this.clusterSecurityGroupId = this.cluster.vpcConfig.clusterSecurityGroupId;
    this.serviceCidr = this.cluster.kubernetesNetworkConfig.serviceIpv4Cidr;
    this.oidcProviderArn = oidc.arn;
    this.oidcIssuer = Fn.replace(oidc.url, 'https://', '');

    for (const [index, principalArn] of (props.adminPrincipalArns ?? []).entries()) {
      const entry = new EksAccessEntry(this, `Admin${index}`, { clusterName: this.cluster.name, principalArn, type: 'STANDARD' });
      new EksAccessPolicyAssociation(this, `Admin${index}Policy`, {
        clusterName: this.cluster.name,
        principalArn: entry.principalArn,
        policyArn: `arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
        accessScope: { type: 'cluster' },
      });
    }
  }

  /** Installs an EKS managed add-on, by default at the version EKS recommends for this cluster. */
  addAddon(name: string, options: AddonOptions = {}): EksAddon {
    const id = name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
    const version =
      options.version ??
      new DataAwsEksAddonVersion(this, `${id}Version`, { addonName: name, kubernetesVersion: this.cluster.version }).version;
    return new EksAddon(this, `${id}Addon`, {
      clusterName: this.cluster.name,
      addonName: name,
      addonVersion: version,
      serviceAccountRoleArn: options.serviceAccountRoleArn,
      configurationValues: options.configuration ? JSON.stringify(options.configuration) : undefined,
      resolveConflictsOnCreate: 'OVERWRITE',
      resolveConflictsOnUpdate: 'PRESERVE',
      dependsOn: options.dependsOn,
    });
  }

  private validate(props: EksClusterProps): void {
    const where = this.node.path;
    if (!/^[a-zA-Z][a-zA-Z0-9-]{0,99}$/.test(props.clusterName)) {
      throw new Error(`${where}: clusterName '${props.clusterName}' must start with a letter and hold only letters, digits and hyphens`);
    }
    if (!/^1\.\d{2}$/.test(props.kubernetesVersion)) {
      throw new Error(`${where}: kubernetesVersion '${props.kubernetesVersion}' must be a minor version such as '1.35'`);
    }
    const cidrs = props.publicAccessCidrs ?? [];
    if (props.endpointPublicAccess && cidrs.length === 0) {
      throw new Error(`${where}: a public endpoint needs publicAccessCidrs; the API must never be open to the whole internet`);
    }
    if (!props.endpointPublicAccess && cidrs.length > 0) {
      throw new Error(`${where}: publicAccessCidrs is set but endpointPublicAccess is false; set both or neither`);
    }
    if (cidrs.some((cidr) => cidr.endsWith('/0'))) {
      throw new Error(`${where}: publicAccessCidrs must not contain a /0 block`);
    }
  }
}
