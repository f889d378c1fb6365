import { describe, expect, it } from 'vitest';
import { NODE_POOL_LABEL } from '../../constructs/cluster/node-pool';
import { resources, onlyResource } from '../support/synth';
import { loadEnvironments } from '../../src/config/load';
import { synthesizedStack, synthesizedStackNames } from '../support/synthesized';

/** The environment files, read once for the whole file. */
const environments = loadEnvironments();

describe.each(environments.map((e) => e.name))('%s environment', (env) => {
  const network = synthesizedStack(`mlops-${env}-network`);
  const data = synthesizedStack(`mlops-${env}-data`);
  const cluster = synthesizedStack(`mlops-${env}-cluster`);

  it('tags every resource through provider default tags', () => {
    for (const stack of [network, data, cluster]) {
      const [aws] = stack.provider!.aws as { default_tags: { tags: Record<string, string> }[]; allowed_account_ids: string[] }[];
      expect(aws.default_tags[0].tags).toMatchObject({
        Environment: env,
        Owner: expect.any(String),
        CostCenter: expect.any(String),
        ManagedBy: 'cdktf',
      });
      expect(aws.allowed_account_ids).toHaveLength(1);
    }
  });

  it('keeps state in S3, encrypted, with native locking, one key per stack', () => {
    for (const [layer, stack] of Object.entries({ network, data, cluster })) {
      const backend = (stack.terraform!.backend as { s3: Record<string, unknown> }).s3;
      expect(backend).toMatchObject({ encrypt: true, use_lockfile: true, key: `mlops/mlops-${env}-${layer}.tfstate` });
    }
  });

  it('admits only the workload security group to the database and the cache', () => {
    const rules = Object.values(resources(data, 'aws_vpc_security_group_ingress_rule'));
    expect(rules.map((r) => r.from_port).sort()).toEqual([5432, 6379]);
    for (const rule of rules)
      expect(rule.referenced_security_group_id).toMatch(
        /terraform_remote_state\.cross-stack-reference-input-mlops-\w+-network\.outputs\.[\w-]*WorkloadSecurityGroup/,
      );
  });

  it('puts the workload security group on every node', () => {
    for (const template of Object.values(resources(cluster, 'aws_launch_template'))) {
      expect(template.vpc_security_group_ids).toEqual([
        expect.stringContaining('cluster_security_group_id'),
        expect.stringContaining('WorkloadSecurityGroup'),
      ]);
    }
  });

  it("has the environment's node pools, each dedicated one tainted, GPU pools on the NVIDIA AMI with the GPU taint", () => {
    const pools = environments.find((e) => e.name === env)!.cluster.nodePools;
    const groups = Object.values(resources(cluster, 'aws_eks_node_group'));
    const byPool = Object.fromEntries(groups.map((g) => [(g.labels as Record<string, string>)[NODE_POOL_LABEL], g]));
    expect(Object.keys(byPool).sort()).toEqual(Object.keys(pools).sort());
    expect(Object.keys(byPool)).toEqual(expect.arrayContaining(['compute', 'general', 'storage']));
    expect(byPool.general.taint).toEqual([]);
    for (const [name, pool] of Object.entries(pools)) {
      const gpu = pool.accelerator === 'nvidia';
      expect(byPool[name].taint, name).toEqual([
        ...(pool.dedicated ? [{ key: NODE_POOL_LABEL, value: name, effect: 'NO_SCHEDULE' }] : []),
        ...(gpu ? [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NO_SCHEDULE' }] : []),
        ...pool.taints,
      ]);
      expect(byPool[name].ami_type, name).toBe(gpu ? 'AL2023_x86_64_NVIDIA' : 'AL2023_x86_64_STANDARD');
      if (gpu) expect(byPool[name].labels, name).toMatchObject({ 'nvidia.com/gpu.present': 'true' });
    }
  });

  it('installs the CNI before nodes and pod-running add-ons after them', () => {
    const addons = resources(cluster, 'aws_eks_addon');
    const addon = (name: string) => Object.values(addons).find((a) => a.addon_name === name)!;
    for (const group of Object.values(resources(cluster, 'aws_eks_node_group'))) {
      expect(group.depends_on).toEqual(expect.arrayContaining([expect.stringContaining('VpcCniAddon')]));
    }
    const groups = Object.keys(resources(cluster, 'aws_eks_node_group')).map((id) => `aws_eks_node_group.${id}`);
    for (const name of ['coredns', 'metrics-server']) {
      expect(addon(name).depends_on, name).toHaveLength(groups.length);
      expect(addon(name).depends_on, name).toEqual(expect.arrayContaining(groups));
    }
    expect(addon('aws-ebs-csi-driver')).toMatchObject({ service_account_role_arn: expect.stringContaining('EbsCsiIdentity') });
    expect(addon('vpc-cni')).toMatchObject({
      service_account_role_arn: expect.stringContaining('VpcCniIdentity'),
      configuration_values: '{"enableNetworkPolicy":"true"}',
    });
  });

  it('backs up the database and the artifact and dataset buckets where the environment asks (production by default)', () => {
    const environment = environments.find((e) => e.name === env)!;
    const selections = Object.values(resources(data, 'aws_backup_selection'));
    if (!(environment.backup.enabled ?? environment.production)) {
      expect(selections).toEqual([]);
      return;
    }
    expect(selections).toHaveLength(1);
    expect(selections[0].resources).toEqual([
      expect.stringMatching(/^\$\{aws_db_instance\.MetadataDatabase_/),
      expect.stringMatching(/^\$\{aws_s3_bucket\.ArtifactsBucket_/),
      expect.stringMatching(/^\$\{aws_s3_bucket\.DatasetsBucket_/),
    ]);
    const [rule] = onlyResource(data, 'aws_backup_plan').rule as { lifecycle: { delete_after: number }; schedule: string }[];
    expect(rule).toMatchObject({ lifecycle: { delete_after: environment.backup.retentionDays }, schedule: environment.backup.schedule });
    expect(Object.keys(resources(data, 'aws_backup_vault_lock_configuration'))).toHaveLength(
      environment.backup.lockMode === 'none' ? 0 : 1,
    );
  });

  it("keeps every container's log in a KMS-encrypted group for the configured days, which Fluent Bit writes to", () => {
    const config = environments.find((e) => e.name === env)!;
    const groups = Object.entries(resources(cluster, 'aws_cloudwatch_log_group')).filter(([, g]) => String(g.name).endsWith('/containers'));
    expect(groups.map(([, g]) => [g.name, g.retention_in_days])).toEqual([
      [`/aws/eks/mlops-${env}/containers`, config.platform.observability.containerLogRetentionDays],
    ]);
    expect(groups[0][1].kms_key_id).toMatch(/^\$\{aws_kms_key\.ClusterKey/);
    const platform = synthesizedStack(`mlops-${env}-platform`);
    const fluentBit = Object.values(resources(platform, 'helm_release')).find((r) => r.name === 'aws-for-fluent-bit')!;
    expect((fluentBit.values as string[])[0]).toMatch(/logGroupName: \$\{data\.terraform_remote_state\.\S+ContainerLogsname\}/);
  });

  it('names every stack resource after the environment', () => {
    expect(onlyResource(cluster, 'aws_eks_cluster').name).toBe(`mlops-${env}`);
    expect(onlyResource(data, 'aws_db_instance').identifier).toBe(`mlops-${env}-metadata`);
  });
});

describe('production differs from development where it matters', () => {
  const prodData = synthesizedStack('mlops-prod-data');
  const devData = synthesizedStack('mlops-dev-data');
  const prodNetwork = synthesizedStack('mlops-prod-network');
  const devNetwork = synthesizedStack('mlops-dev-network');

  it('prod: multi-AZ database with deletion protection and a final snapshot; dev: disposable', () => {
    expect(onlyResource(prodData, 'aws_db_instance')).toMatchObject({
      multi_az: true,
      deletion_protection: true,
      skip_final_snapshot: false,
      backup_retention_period: 30,
    });
    expect(onlyResource(devData, 'aws_db_instance')).toMatchObject({
      multi_az: false,
      deletion_protection: false,
      skip_final_snapshot: true,
    });
  });

  it('prod: cache with replicas and automatic failover', () => {
    expect(onlyResource(prodData, 'aws_elasticache_replication_group')).toMatchObject({
      num_cache_clusters: 3,
      automatic_failover_enabled: true,
      multi_az_enabled: true,
    });
  });

  it('prod: a NAT gateway per AZ; dev: one', () => {
    expect(Object.keys(resources(prodNetwork, 'aws_nat_gateway'))).toHaveLength(3);
    expect(Object.keys(resources(devNetwork, 'aws_nat_gateway'))).toHaveLength(1);
  });

  it('prod: buckets are never force-destroyed', () => {
    for (const bucket of Object.values(resources(prodData, 'aws_s3_bucket'))) expect(bucket.force_destroy).toBe(false);
  });
});

describe('permissions boundaries', () => {
  it.for(synthesizedStackNames().filter((s) => !s.startsWith('mlops-bootstrap-')))(
    '%s: every IAM role carries the environment boundary',
    (stack) => {
      const env = /^mlops-([a-z0-9-]+)-[a-z]+$/.exec(stack)![1];
      const environment = environments.find((e) => e.name === env)!;
      for (const [id, role] of Object.entries(resources(synthesizedStack(stack), 'aws_iam_role'))) {
        expect(role.permissions_boundary, `${stack} ${id}`).toMatch(
          new RegExp(
            `^arn:\\$\\{data\\.aws_partition\\.[\\w]+\\.partition\\}:iam::${environment.aws.accountId}:policy/mlops-${env}-boundary$`,
          ),
        );
      }
    },
  );
});
