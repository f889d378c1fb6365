import { instanceArchitecture } from '../../constructs/cluster/instance-types';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { EksCluster, type EksClusterProps } from '../../constructs/cluster/eks-cluster';
import { NODE_POOL_LABEL, NodePool, type NodePoolProps } from '../../constructs/cluster/node-pool';
import { NodeRole } from '../../constructs/cluster/node-role';
import { WorkloadIdentity } from '../../constructs/cluster/workload-identity';
import { KmsKey } from '../../constructs/security/kms-key';
import { dataSources, onlyResource, resources, synthScope } from '../support/synth';

function cluster(scope: Construct, overrides: Partial<EksClusterProps> = {}) {
  const kmsKey = new KmsKey(scope, 'Key', { alias: 'eks', description: 'test' });
  return new EksCluster(scope, 'Cluster', {
    clusterName: 'mlops-test',
    kubernetesVersion: '1.35',
    subnetIds: ['subnet-a', 'subnet-b'],
    kmsKey,
    ...overrides,
  });
}

function pool(overrides: Partial<NodePoolProps> = {}) {
  return synthScope((scope) => {
    const eks = cluster(scope);
    const volumeKey = new KmsKey(scope, 'VolumeKey', { alias: 'volumes', description: 'test' });
    new NodePool(scope, 'Pool', {
      cluster: eks,
      poolName: 'compute',
      nodeRole: new NodeRole(scope, 'NodeRole', { roleName: 'nodes' }),
      subnetIds: ['subnet-a', 'subnet-b'],
      instanceTypes: ['m7i.xlarge'],
      minSize: 0,
      desiredSize: 1,
      maxSize: 3,
      volumeKey,
      ...overrides,
    });
  });
}

describe('EksCluster', () => {
  it('keeps the API private, encrypts Secrets with KMS and ships every control-plane log', () => {
    const json = synthScope((scope) => void cluster(scope));
    const eks = onlyResource(json, 'aws_eks_cluster');
    expect(eks).toMatchObject({
      version: '1.35',
      vpc_config: { endpoint_private_access: true, endpoint_public_access: false },
      encryption_config: { resources: ['secrets'], provider: { key_arn: expect.stringContaining('aws_kms_key') } },
      enabled_cluster_log_types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'],
      access_config: { authentication_mode: 'API', bootstrap_cluster_creator_admin_permissions: false },
      bootstrap_self_managed_addons: false,
    });
    expect((eks.vpc_config as Record<string, unknown>).public_access_cidrs).toBeUndefined();
    expect(onlyResource(json, 'aws_cloudwatch_log_group')).toMatchObject({ name: '/aws/eks/mlops-test/cluster', retention_in_days: 365 });
    expect(eks.depends_on).toEqual([expect.stringContaining('aws_cloudwatch_log_group')]);
  });

  it('opens a public endpoint only to the listed CIDRs', () => {
    const json = synthScope((scope) => void cluster(scope, { endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24'] }));
    expect(onlyResource(json, 'aws_eks_cluster').vpc_config).toMatchObject({
      endpoint_public_access: true,
      public_access_cidrs: ['203.0.113.0/24'],
    });
  });

  it('grants admins through access entries scoped to the cluster', () => {
    const json = synthScope(
      (scope) => void cluster(scope, { adminPrincipalArns: ['arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/b'] }),
    );
    expect(Object.values(resources(json, 'aws_eks_access_entry')).map((e) => e.principal_arn)).toEqual([
      'arn:aws:iam::123456789012:role/a',
      'arn:aws:iam::123456789012:role/b',
    ]);
    for (const association of Object.values(resources(json, 'aws_eks_access_policy_association'))) {
      expect(association).toMatchObject({
        access_scope: { type: 'cluster' },
        policy_arn: expect.stringMatching(/AmazonEKSClusterAdminPolicy$/),
      });
    }
  });

  it('trusts its OIDC issuer for IRSA', () => {
    const json = synthScope((scope) => void cluster(scope));
    expect(onlyResource(json, 'aws_iam_openid_connect_provider')).toMatchObject({
      client_id_list: ['sts.amazonaws.com'],
      url: expect.stringContaining('identity[0].oidc[0].issuer'),
    });
  });

  it('installs add-ons at the recommended version unless pinned', () => {
    const json = synthScope((scope) => {
      const eks = cluster(scope);
      eks.addAddon('coredns');
      eks.addAddon('kube-proxy', { version: 'v1.35.0-eksbuild.2' });
    });
    const addons = Object.values(resources(json, 'aws_eks_addon'));
    expect(addons.map((a) => a.addon_version)).toEqual([expect.stringContaining('data.aws_eks_addon_version'), 'v1.35.0-eksbuild.2']);
    expect(Object.keys(dataSources(json, 'aws_eks_addon_version'))).toHaveLength(1);
  });

  it.each([
    [{ clusterName: '1cluster' }, /clusterName '1cluster' must start with a letter/],
    [{ kubernetesVersion: '1.35.2' }, /kubernetesVersion '1.35.2' must be a minor version/],
    [{ endpointPublicAccess: true }, /a public endpoint needs publicAccessCidrs/],
    [{ publicAccessCidrs: ['203.0.113.0/24'] }, /publicAccessCidrs is set but endpointPublicAccess is false/],
    [{ endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0'] }, /must not contain a \/0 block/],
  ])('rejects %o', (props, message) => {
    expect(() => synthScope((scope) => void cluster(scope, props))).toThrow(message);
  });
});

describe('NodePool', () => {
  it('hardens the launch template: IMDSv2 with hop limit 1, encrypted gp3 root volume, no SSH key', () => {
    const template = onlyResource(pool({ diskSizeGiB: 120 }), 'aws_launch_template');
    expect(template.metadata_options).toEqual({
      http_endpoint: 'enabled',
      http_tokens: 'required',
      http_put_response_hop_limit: 1,
      instance_metadata_tags: 'disabled',
    });
    expect(template.block_device_mappings).toEqual([
      {
        device_name: '/dev/xvda',
        ebs: {
          volume_size: 120,
          volume_type: 'gp3',
          encrypted: 'true',
          kms_key_id: expect.stringContaining('aws_kms_key'),
          delete_on_termination: 'true',
        },
      },
    ]);
    expect(template.key_name).toBeUndefined();
    expect(template.vpc_security_group_ids).toEqual([expect.stringContaining('cluster_security_group_id')]);
  });

  it("runs the AL2023 AMI of its instances' architecture, and refuses a pool of two", () => {
    expect(onlyResource(pool({ instanceTypes: ['m7i.large', 'm6i.large'] }), 'aws_eks_node_group').ami_type).toBe('AL2023_x86_64_STANDARD');
    expect(onlyResource(pool({ instanceTypes: ['m7g.large', 'c7gn.xlarge'] }), 'aws_eks_node_group').ami_type).toBe(
      'AL2023_ARM_64_STANDARD',
    );
    expect(() => pool({ instanceTypes: ['m7g.large', 'm7i.large'] })).toThrow(/must be EC2 instance types of one architecture/);
    expect(() => pool({ instanceTypes: ['m7i.huge'] })).toThrow(/must be EC2 instance types of one architecture/);
  });

  it('labels the pool, spreads it over all subnets and rolls updates a third at a time', () => {
    const group = onlyResource(pool({ labels: { team: 'ml' } }), 'aws_eks_node_group');
    expect(group).toMatchObject({
      labels: { team: 'ml', [NODE_POOL_LABEL]: 'compute' },
      subnet_ids: ['subnet-a', 'subnet-b'],
      scaling_config: { min_size: 0, desired_size: 1, max_size: 3 },
      update_config: { max_unavailable_percentage: 33 },
      capacity_type: 'ON_DEMAND',
      ami_type: 'AL2023_x86_64_STANDARD',
      lifecycle: { create_before_destroy: true, ignore_changes: ['scaling_config[0].desired_size'] },
    });
    expect(group.remote_access).toBeUndefined();
  });

  it('taints a dedicated pool and exposes the matching selector and toleration', () => {
    let created: NodePool | undefined;
    const json = synthScope((scope) => {
      const eks = cluster(scope);
      created = new NodePool(scope, 'Pool', {
        cluster: eks,
        poolName: 'storage',
        nodeRole: new NodeRole(scope, 'NodeRole', { roleName: 'nodes' }),
        subnetIds: ['subnet-a'],
        instanceTypes: ['r7i.large'],
        minSize: 1,
        desiredSize: 1,
        maxSize: 1,
        volumeKey: new KmsKey(scope, 'VolumeKey', { alias: 'v', description: 'v' }),
        dedicated: true,
        capacityType: 'SPOT',
      });
    });
    expect(onlyResource(json, 'aws_eks_node_group')).toMatchObject({
      taint: [{ key: NODE_POOL_LABEL, value: 'storage', effect: 'NO_SCHEDULE' }],
      capacity_type: 'SPOT',
    });
    expect(created!.nodeSelector).toEqual({ [NODE_POOL_LABEL]: 'storage' });
    expect(created!.tolerations).toEqual([{ key: NODE_POOL_LABEL, operator: 'Equal', value: 'storage', effect: 'NoSchedule' }]);
  });

  it('leaves an ordinary pool untainted', () => {
    expect(onlyResource(pool(), 'aws_eks_node_group').taint).toEqual([]);
    expect(onlyResource(pool(), 'aws_eks_node_group').ami_type).toBe('AL2023_x86_64_STANDARD');
  });

  it("makes an nvidia pool GPU nodes: the NVIDIA AMI of the instances' architecture, the GPU taint and label", () => {
    const x86 = onlyResource(pool({ instanceTypes: ['g6.xlarge', 'g5.xlarge'], accelerator: 'nvidia' }), 'aws_eks_node_group');
    expect(x86.ami_type).toBe('AL2023_x86_64_NVIDIA');
    expect(x86.taint).toEqual([{ key: 'nvidia.com/gpu', value: 'present', effect: 'NO_SCHEDULE' }]);
    expect(x86.labels).toEqual({ [NODE_POOL_LABEL]: 'compute', 'nvidia.com/gpu.present': 'true' });
    const arm = onlyResource(pool({ instanceTypes: ['g5g.xlarge'], accelerator: 'nvidia' }), 'aws_eks_node_group');
    expect(arm.ami_type).toBe('AL2023_ARM_64_NVIDIA');
  });

  it.each([
    [{ poolName: 'Compute' }, /poolName 'Compute' must be a lower-case word/],
    [{ instanceTypes: [] }, /instanceTypes must name at least one type/],
    [{ minSize: 2, desiredSize: 1 }, /0 ≤ minSize ≤ desiredSize ≤ maxSize .*got 2\/1\/3/],
    [{ desiredSize: 4 }, /got 0\/4\/3/],
    [{ labels: { [NODE_POOL_LABEL]: 'x' } }, /is set by the pool itself/],
    [{ accelerator: 'nvidia' as const }, /an nvidia pool needs NVIDIA GPU instance types of one architecture \(got m7i.xlarge\)/],
    [{ accelerator: 'nvidia' as const, instanceTypes: ['g6.xlarge', 'g5g.xlarge'] }, /of one architecture/],
  ])('rejects %o', (props, message) => {
    expect(() => pool(props)).toThrow(message);
  });
});

describe('WorkloadIdentity', () => {
  it('can be assumed only by its service account through the cluster OIDC provider', () => {
    const json = synthScope((scope) => {
      const identity = new WorkloadIdentity(scope, 'Identity', {
        cluster: cluster(scope),
        namespace: 'mlflow',
        serviceAccounts: ['mlflow'],
      });
      expect(identity.serviceAccountAnnotations).toEqual({ 'eks.amazonaws.com/role-arn': identity.roleArn });
    });
    const trust = Object.entries(dataSources(json, 'aws_iam_policy_document')).find(([id]) => id.startsWith('Identity_Role_Trust'))![1];
    expect(trust.statement).toEqual([
      {
        actions: ['sts:AssumeRoleWithWebIdentity'],
        principals: [{ type: 'Federated', identifiers: [expect.stringContaining('aws_iam_openid_connect_provider')] }],
        condition: [
          { test: 'StringEquals', variable: expect.stringMatching(/:sub$/), values: ['system:serviceaccount:mlflow:mlflow'] },
          { test: 'StringEquals', variable: expect.stringMatching(/:aud$/), values: ['sts.amazonaws.com'] },
        ],
      },
    ]);
  });

  it('rejects names Kubernetes would not accept', () => {
    expect(() =>
      synthScope(
        (scope) => void new WorkloadIdentity(scope, 'I', { cluster: cluster(scope), namespace: 'ML_Flow', serviceAccounts: ['x'] }),
      ),
    ).toThrow(/namespace 'ML_Flow' must be a lower-case DNS label/);
  });
});

describe('instanceArchitecture', () => {
  it.each([
    ['m7i.large', 'x86_64'],
    ['m7i-flex.2xlarge', 'x86_64'],
    ['g6.xlarge', 'x86_64'],
    ['u-6tb1.112xlarge', 'x86_64'],
    ['m7g.large', 'arm64'],
    ['c7gn.16xlarge', 'arm64'],
    ['r8gd.metal-24xl', 'arm64'],
    ['g5g.xlarge', 'arm64'],
    ['is4gen.xlarge', 'arm64'],
    ['a1.large', 'arm64'],
    ['m7i.huge', undefined],
    ['db.t4g.medium', undefined],
  ])('%s is %s', (type, architecture) => {
    expect(instanceArchitecture(type)).toBe(architecture);
  });
});
