import { EksNodeGroup, type EksNodeGroupTaint } from '@cdktf/provider-aws/lib/eks-node-group';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { Placement, Toleration } from '../kubernetes/objects';
import type { IKmsKey } from '../security/kms-key';
import { NVIDIA_AMI_TYPES, NVIDIA_GPU_LABELS, NVIDIA_GPU_TAINT, nvidiaArchitecture } from './accelerators';
import { instanceArchitecture, STANDARD_AMI_TYPES } from './instance-types';
import type { IEksCluster } from './eks-cluster';
import type { INodeRole } from './node-role';

/** Label every node carries with its pool's name; workloads select pools with it. */
export const NODE_POOL_LABEL = 'mlops-platform/node-pool';

/** A taint in the EKS API's spelling. */
export interface NodeTaint {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NO_SCHEDULE' | 'NO_EXECUTE' | 'PREFER_NO_SCHEDULE';
}

/** Props of {@link NodePool}. */
export interface NodePoolProps {
  readonly cluster: IEksCluster;
  /** Pool name: the value of the `mlops-platform/node-pool` label. */
  readonly poolName: string;
  readonly nodeRole: INodeRole;
  /** Private subnets, one per AZ: the pool spreads over all of them. */
  readonly subnetIds: string[];
  /** Several types of one size let Spot and capacity shortages fall back. */
  readonly instanceTypes: string[];
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  /** Encrypts the root volumes. */
  readonly volumeKey: IKmsKey;
  /** @default 'ON_DEMAND' */
  readonly capacityType?: 'ON_DEMAND' | 'SPOT';
  /** @default 50 */
  readonly diskSizeGiB?: number;
  /** Taint the pool with `mlops-platform/node-pool=<name>:NoSchedule`, so only pods that tolerate it land. @default false */
  readonly dedicated?: boolean;
  /** @default none besides the pool label */
  readonly labels?: Record<string, string>;
  /** @default none besides the dedicated taint */
  readonly taints?: NodeTaint[];
  /** Security groups besides the cluster's own, e.g. the one data stores admit. @default none */
  readonly extraSecurityGroupIds?: string[];
  /** Tags of the instances and volumes (managed node groups do not pass default tags on). @default none */
  readonly instanceTags?: Record<string, string>;
  /**
   * `nvidia`: GPU nodes. The NVIDIA AMI of the instances' architecture, the taint `nvidia.com/gpu=present:NoSchedule`
   * and the label `nvidia.com/gpu.present=true` the device plugin selects. @default none
   */
  readonly accelerator?: 'nvidia';
  /** @default the AL2023 AMI of the instances' architecture (`AL2023_x86_64_STANDARD`, `AL2023_ARM_64_STANDARD`), or the NVIDIA AMI of an `nvidia` pool */
  readonly amiType?: string;
  /** Resources the nodes need first, e.g. the VPC CNI add-on without which they never become Ready. @default none */
  readonly dependsOn?: ITerraformDependable[];
}

const EFFECTS: Record<NodeTaint['effect'], Toleration['effect']> = {
  NO_SCHEDULE: 'NoSchedule',
  NO_EXECUTE: 'NoExecute',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
};

/** The taints a pool carries: the pool's own when dedicated, the GPU taint on an accelerator pool, then any extra ones. */
export function poolTaints(poolName: string, dedicated: boolean, extra: NodeTaint[] = [], accelerator?: 'nvidia'): NodeTaint[] {
  return [
    ...(dedicated ? [{ key: NODE_POOL_LABEL, value: poolName, effect: 'NO_SCHEDULE' as const }] : []),
    ...(accelerator === 'nvidia' ? [NVIDIA_GPU_TAINT] : []),
    ...extra,
  ];
}

/**
 * Selector and tolerations that place a pod on a pool. Plain data, so a stack can place workloads on a
 * pool that another stack creates without reading its state.
 */
export function poolPlacement(poolName: string, taints: NodeTaint[]): Placement {
  return {
    nodeSelector: { [NODE_POOL_LABEL]: poolName },
    tolerations: taints.map((t) => ({
      key: t.key,
      operator: t.value === undefined ? 'Exists' : 'Equal',
      ...(t.value === undefined ? {} : { value: t.value }),
      effect: EFFECTS[t.effect],
    })),
  };
}

/**
 * An EKS managed node group on a hardened launch template: IMDSv2 only with a hop limit of 1
 * (pods use IRSA, never the node's role), encrypted gp3 root volumes, no SSH key, rolling updates.
 * Exposes the selector and tolerations that place a workload on it.
 */
export class NodePool extends Construct {
  readonly poolName: string;
  /** `nodeSelector` that targets this pool. */
  readonly nodeSelector: Record<string, string>;
  /** Tolerations a pod needs to run here (empty for a pool that is not dedicated). */
  readonly tolerations: Toleration[];
  readonly nodeGroup: EksNodeGroup;

  constructor(scope: Construct, id: string, props: NodePoolProps) {
    super(scope, id);
    this.validate(props);
    this.poolName = props.poolName;
    const taints = poolTaints(props.poolName, props.dedicated ?? false, props.taints, props.accelerator);
    const gpu = props.accelerator === 'nvidia' ? nvidiaArchitecture(props.instanceTypes[0]) : undefined;
    // One AMI per node group, so one architecture for all its instance types.
    const architectures = new Set(props.instanceTypes.map(instanceArchitecture));
    if (architectures.has(undefined) || architectures.size !== 1) {
      throw new Error(
        `${this.node.path}: instanceTypes ${props.instanceTypes.join(', ')} must be EC2 instance types of one architecture (x86_64 or arm64)`,
      );
    }
    const architecture = [...architectures][0]!;
    ({ nodeSelector: this.nodeSelector, tolerations: this.tolerations } = poolPlacement(props.poolName, taints));

    const tags = { ...props.instanceTags, Name: `${props.cluster.clusterName}-${props.poolName}` };
    const template = new LaunchTemplate(this, 'LaunchTemplate', {
      namePrefix: `${props.cluster.clusterName}-${props.poolName}-`,
      description: `Nodes of the ${props.poolName} pool`,
      updateDefaultVersion: true,
      vpcSecurityGroupIds: [props.cluster.clusterSecurityGroupId, ...(props.extraSecurityGroupIds ?? [])],
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: 'disabled',
      },
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: {
            volumeSize: props.diskSizeGiB ?? 50,
            volumeType: 'gp3',
            encrypted: 'true',
            kmsKeyId: props.volumeKey.keyArn,
            deleteOnTermination: 'true',
          },
        },
      ],
      monitoring: { enabled: true },
      tagSpecifications: ['instance', 'volume', 'network-interface'].map((resourceType) => ({ resourceType, tags })),
      lifecycle: { createBeforeDestroy: true },
    });

    this.nodeGroup = new EksNodeGroup(this, 'NodeGroup', {
      clusterName: props.cluster.clusterName,
      // A prefix lets a replacement (new instance types) be created before the old group goes.
      nodeGroupNamePrefix: `${props.poolName}-`,
      nodeRoleArn: props.nodeRole.roleArn,
      subnetIds: props.subnetIds,
      instanceTypes: props.instanceTypes,
      capacityType: props.capacityType ?? 'ON_DEMAND',
      amiType: props.amiType ?? (gpu ? NVIDIA_AMI_TYPES[gpu] : STANDARD_AMI_TYPES[architecture]),
      scalingConfig: { minSize: props.minSize, desiredSize: props.desiredSize, maxSize: props.maxSize },
      updateConfig: { maxUnavailablePercentage: 33 },
      launchTemplate: { id: template.id, version: template.latestVersion.toString() },
      labels: { ...props.labels, ...(gpu ? NVIDIA_GPU_LABELS : {}), [NODE_POOL_LABEL]: props.poolName },
      taint: taints.map((t): EksNodeGroupTaint => ({ key: t.key, value: t.value, effect: t.effect })),
      tags: { Name: `${props.cluster.clusterName}-${props.poolName}` },
      // The node autoscaler owns the current size once the pool exists.
      lifecycle: { createBeforeDestroy: true, ignoreChanges: ['scaling_config[0].desired_size'] },
      dependsOn: props.dependsOn,
    });
  }

  private validate(props: NodePoolProps): void {
    const where = this.node.path;
    if (!/^[a-z][a-z0-9-]{0,30}$/.test(props.poolName)) {
      throw new Error(`${where}: poolName '${props.poolName}' must be a lower-case word of at most 31 characters`);
    }
    if (props.instanceTypes.length === 0) throw new Error(`${where}: instanceTypes must name at least one type`);
    if (props.accelerator === 'nvidia') {
      const architectures = new Set(props.instanceTypes.map(nvidiaArchitecture));
      if (architectures.has(undefined) || architectures.size > 1)
        throw new Error(
          `${where}: an nvidia pool needs NVIDIA GPU instance types of one architecture (got ${props.instanceTypes.join(', ')})`,
        );
    }
    if (props.minSize < 0 || props.minSize > props.desiredSize || props.desiredSize > props.maxSize || props.maxSize < 1) {
      throw new Error(
        `${where}: sizes must satisfy 0 ≤ minSize ≤ desiredSize ≤ maxSize and maxSize ≥ 1 (got ${props.minSize}/${props.desiredSize}/${props.maxSize})`,
      );
    }
    if ((props.labels ?? {})[NODE_POOL_LABEL] !== undefined) {
      throw new Error(`${where}: the label ${NODE_POOL_LABEL} is set by the pool itself; remove it from labels`);
    }
  }
}
