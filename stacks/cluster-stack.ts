import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { EksCluster } from '../constructs/cluster/eks-cluster';
import { NodePool } from '../constructs/cluster/node-pool';
import type { ManagedAddon } from '../constructs/cluster/managed-addons';
import { NodeRole } from '../constructs/cluster/node-role';
import { VpcRunner } from '../constructs/delivery/vpc-runner';
import { ImageRepository } from '../constructs/images/image-repository';
import { PullThroughCache } from '../constructs/images/pull-through-cache';
import { WorkloadIdentity } from '../constructs/cluster/workload-identity';
import type { INetwork } from '../constructs/network/network';
import { allowAutoScalingVolumes, allowCloudWatchLogs, KmsKey } from '../constructs/security/kms-key';
import type { EnvironmentConfig } from '../src/config/schema';
import { BaseStack } from './base-stack';

/** The CodeBuild project whose runners deploy an environment from inside its VPC (`runs-on: codebuild-<name>-…`). */
export function vpcRunnerName(environment: string): string {
  return `mlops-${environment}-runner`;
}

/** The ECR repository of an environment's pipeline image. */
export function pipelineImageRepository(environment: string): string {
  return `mlops-${environment}/pipeline`;
}

/** What the cluster stack needs from the network stack. */
export interface ClusterStackProps {
  readonly network: INetwork;
  readonly clusterName: string;
  /** Every node wears it, so the data stores admit the cluster's pods. */
  readonly workloadSecurityGroupId: string;
}

/**
 * The EKS cluster, its node pools and the add-ons every node needs. The in-cluster layer (Helm releases)
 * is a separate stack on top, so a chart change never plans against the control plane.
 */
export class ClusterStack extends BaseStack {
  readonly cluster: EksCluster;
  /** Node pools keyed by name: at least `general`, `compute` and `storage`. */
  readonly nodePools: Record<string, NodePool>;
  /** Encrypts node root volumes; persistent volumes of the in-cluster layer use it too. */
  readonly volumeKey: KmsKey;
  /** GitHub Actions runners inside the VPC, where `delivery.codeConnectionArn` is configured. */
  readonly runner?: VpcRunner;
  /** Where `cluster.pullThroughCache` names upstream registries. */
  readonly pullThroughCache?: PullThroughCache;
  /** Every container's log, shipped by Fluent Bit: KMS-encrypted, kept `platform.observability.containerLogRetentionDays`. */
  readonly containerLogs: CloudwatchLogGroup;
  /** `mlops-<env>/pipeline`, where the pipeline image (`pipelines/Dockerfile`) is pushed; only with `platform.pipelines`. */
  readonly pipelineImages?: ImageRepository;

  constructor(scope: Construct, environment: EnvironmentConfig, props: ClusterStackProps) {
    super(scope, 'cluster', environment);
    const { cluster: config } = environment;

    const clusterKey = new KmsKey(this, 'ClusterKey', {
      alias: `${this.prefix}-eks`,
      description: `Encrypts Kubernetes Secrets, control-plane and container logs of ${props.clusterName}`,
      additionalPolicyStatements: [allowCloudWatchLogs(this)],
    });
    this.volumeKey = new KmsKey(this, 'VolumeKey', {
      alias: `${this.prefix}-volumes`,
      description: `Encrypts the EBS volumes of ${props.clusterName}`,
      additionalPolicyStatements: allowAutoScalingVolumes(this),
    });

    this.cluster = new EksCluster(this, 'Cluster', {
      clusterName: props.clusterName,
      kubernetesVersion: config.kubernetesVersion,
      // The control plane's own subnets (same zones as the nodes'): EKS moves its interfaces there in place.
      subnetIds: props.network.controlPlaneSubnetIds,
      kmsKey: clusterKey,
      endpointPublicAccess: config.endpointPublicAccess,
      publicAccessCidrs: config.publicAccessCidrs,
      adminPrincipalArns: config.adminPrincipalArns,
      logRetentionDays: config.logRetentionDays,
    });
    const { codeConnectionArn } = environment.delivery;
    if (codeConnectionArn) {
      this.runner = new VpcRunner(this, 'Runner', {
        name: vpcRunnerName(environment.name),
        githubRepository: environment.delivery.githubRepository,
        codeConnectionArn,
        vpcId: props.network.vpcId,
        subnetIds: props.network.privateSubnetIds,
        clusterSecurityGroupId: this.cluster.clusterSecurityGroupId,
        logKey: clusterKey,
        logRetentionDays: config.logRetentionDays,
      });
    }
    const version = (addon: ManagedAddon) => config.addonVersions[addon];

    // Nodes only become Ready once the CNI runs, so networking add-ons come before the node groups.
    const cni = new WorkloadIdentity(this, 'VpcCniIdentity', {
      cluster: this.cluster,
      namespace: 'kube-system',
      serviceAccounts: ['aws-node'],
      managedPolicies: ['AmazonEKS_CNI_Policy'],
    });
    const networking = [
      this.cluster.addAddon('vpc-cni', {
        version: version('vpc-cni'),
        serviceAccountRoleArn: cni.roleArn,
        // Network policies are enforced by the CNI's agent; the in-cluster layer relies on them.
        configuration: { enableNetworkPolicy: 'true' },
      }),
      this.cluster.addAddon('kube-proxy', { version: version('kube-proxy') }),
    ];

    this.containerLogs = new CloudwatchLogGroup(this, 'ContainerLogs', {
      name: `/aws/eks/${props.clusterName}/containers`,
      retentionInDays: environment.platform.observability.containerLogRetentionDays,
      kmsKeyId: clusterKey.keyArn,
    });

    const nodeRole = new NodeRole(this, 'NodeRole', { roleName: `${props.clusterName}-node` });
    if (Object.keys(config.pullThroughCache).length > 0) {
      this.pullThroughCache = new PullThroughCache(this, 'PullThroughCache', {
        namePrefix: this.prefix,
        registries: config.pullThroughCache,
        pullers: [nodeRole],
      });
    }
    if (Object.keys(environment.platform.pipelines).length > 0) {
      // The nodes pull from it with their role's ECR read access; the image workflow pushes with the deploy role.
      this.pipelineImages = new ImageRepository(this, 'PipelineImages', {
        repositoryName: pipelineImageRepository(environment.name),
        forceDelete: !environment.production,
      });
      new TerraformOutput(this, 'pipeline_image_repository', {
        value: this.pipelineImages.repositoryUrl,
        description: 'Where to push the pipeline image; platform.pipelines.<name>.image names a tag of it',
      });
    }
    this.nodePools = Object.fromEntries(
      Object.entries(config.nodePools).map(([name, pool]) => [
        name,
        new NodePool(this, `NodePool-${name}`, {
          cluster: this.cluster,
          poolName: name,
          nodeRole,
          subnetIds: props.network.privateSubnetIds,
          instanceTypes: pool.instanceTypes,
          capacityType: pool.capacityType,
          minSize: pool.minSize,
          desiredSize: pool.desiredSize,
          maxSize: pool.maxSize,
          diskSizeGiB: pool.diskSizeGiB,
          dedicated: pool.dedicated,
          labels: pool.labels,
          taints: pool.taints,
          accelerator: pool.accelerator,
          volumeKey: this.volumeKey,
          extraSecurityGroupIds: [props.workloadSecurityGroupId],
          instanceTags: { Environment: environment.name, Owner: environment.owner, CostCenter: environment.costCenter },
          dependsOn: networking,
        }),
      ]),
    );
    const nodeGroups = Object.values(this.nodePools).map((pool) => pool.nodeGroup);

    // These run pods, so they wait for nodes.
    this.cluster.addAddon('coredns', { version: version('coredns'), dependsOn: nodeGroups });
    const ebsCsi = new WorkloadIdentity(this, 'EbsCsiIdentity', {
      cluster: this.cluster,
      namespace: 'kube-system',
      serviceAccounts: ['ebs-csi-controller-sa'],
      managedPolicies: ['service-role/AmazonEBSCSIDriverPolicy'],
    });
    this.volumeKey.grantEncryptDecrypt(ebsCsi, 'VolumeKey');
    this.cluster.addAddon('aws-ebs-csi-driver', {
      version: version('aws-ebs-csi-driver'),
      serviceAccountRoleArn: ebsCsi.roleArn,
      dependsOn: nodeGroups,
    });
    // Resource metrics for `kubectl top` and horizontal pod autoscaling, managed and versioned by EKS.
    this.cluster.addAddon('metrics-server', { version: version('metrics-server'), dependsOn: nodeGroups });
  }
}
