import { describe, expect, it } from 'vitest';
import { Network, type NetworkProps } from '../../constructs/network/network';
import { KmsKey } from '../../constructs/security/kms-key';
import { onlyResource, resources, synthScope } from '../support/synth';
import type { Construct } from 'constructs';

function network(overrides: Partial<NetworkProps> = {}) {
  return synthScope((scope: Construct) => {
    const logsKey = new KmsKey(scope, 'Key', { alias: 'test', description: 'test' });
    new Network(scope, 'Network', {
      name: 'mlops-test',
      vpcCidr: '10.0.0.0/16',
      azCount: 3,
      clusterName: 'mlops-test',
      logsKey,
      ...overrides,
    });
  });
}

describe('Network', () => {
  it('creates a private and a public subnet per AZ, load balancers (internal ones too) only in the public ones', () => {
    const json = network();
    const subnets = Object.values(resources(json, 'aws_subnet'));
    const tagged = (tag: string) => subnets.filter((s) => (s.tags as Record<string, string>)[tag] === '1').map((s) => s.cidr_block);
    const privateSubnets = subnets.filter((s) => String((s.tags as Record<string, string>).Name).includes('-private-'));
    expect(privateSubnets.map((s) => s.cidr_block)).toEqual(['10.0.0.0/19', '10.0.32.0/19', '10.0.64.0/19']);
    // Pods live in the private subnets: load balancers apart from them can be admitted by address alone.
    expect(tagged('kubernetes.io/role/elb')).toEqual(['10.0.96.0/24', '10.0.97.0/24', '10.0.98.0/24']);
    expect(tagged('kubernetes.io/role/internal-elb')).toEqual(['10.0.96.0/24', '10.0.97.0/24', '10.0.98.0/24']);
    // The control plane's own small subnets, after the others, without the cluster's discovery tag.
    const controlPlane = subnets.filter((s) => String((s.tags as Record<string, string>).Name).includes('-control-plane-'));
    expect(controlPlane.map((s) => s.cidr_block)).toEqual(['10.0.99.0/28', '10.0.99.16/28', '10.0.99.32/28']);
    for (const subnet of subnets.filter((s) => !controlPlane.includes(s))) {
      expect(subnet.tags).toMatchObject({ 'kubernetes.io/cluster/mlops-test': 'shared' });
      expect(subnet.map_public_ip_on_launch ?? false).toBe(false);
    }
  });

  it('puts a NAT gateway in every AZ by default and routes each private subnet through its own', () => {
    const json = network();
    expect(Object.keys(resources(json, 'aws_nat_gateway'))).toHaveLength(3);
    const privateRoutes = Object.entries(resources(json, 'aws_route_table')).filter(([id]) => id.includes('Private'));
    const natTargets = privateRoutes.map(([, table]) => (table.route as { nat_gateway_id: string }[])[0].nat_gateway_id);
    expect(new Set(natTargets).size).toBe(3);
  });

  it('shares one NAT gateway when asked to', () => {
    expect(Object.keys(resources(network({ natGateways: 'single' }), 'aws_nat_gateway'))).toHaveLength(1);
  });

  it('logs all traffic to an encrypted log group with retention', () => {
    const json = network({ flowLogRetentionDays: 90 });
    expect(onlyResource(json, 'aws_flow_log')).toMatchObject({ traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs' });
    expect(onlyResource(json, 'aws_cloudwatch_log_group')).toMatchObject({
      retention_in_days: 90,
      kms_key_id: expect.stringContaining('aws_kms_key'),
    });
  });

  it('locks down the default security group', () => {
    const group = onlyResource(network(), 'aws_default_security_group');
    expect(group.ingress).toBeUndefined();
    expect(group.egress).toBeUndefined();
  });

  it('always adds the S3 gateway endpoint; interface endpoints only when listed, HTTPS from the VPC only', () => {
    const plain = Object.values(resources(network(), 'aws_vpc_endpoint'));
    expect(plain).toHaveLength(1);
    expect(plain[0]).toMatchObject({ vpc_endpoint_type: 'Gateway', service_name: expect.stringMatching(/\.s3$/) });

    const json = network({ interfaceEndpoints: ['ecr.api', 'sts'] });
    const interfaces = Object.values(resources(json, 'aws_vpc_endpoint')).filter((e) => e.vpc_endpoint_type === 'Interface');
    expect(interfaces.map((e) => e.service_name)).toEqual([expect.stringMatching(/\}\.ecr\.api$/), expect.stringMatching(/\}\.sts$/)]);
    expect(interfaces.every((e) => e.private_dns_enabled === true)).toBe(true);
    expect(onlyResource(json, 'aws_vpc_security_group_ingress_rule')).toMatchObject({
      from_port: 443,
      to_port: 443,
      cidr_ipv4: expect.stringContaining('aws_vpc'),
    });
  });

  it.each([
    [{ vpcCidr: '10.0.0.1/16' }, /vpcCidr '10.0.0.1\/16' is not an IPv4 CIDR/],
    [{ azCount: 0 }, /azCount must be a whole number from 1 to 6 \(got 0\)/],
    [{ vpcCidr: '10.0.0.0/20' }, /cannot hold 3 private \/19, 3 public \/24 and 3 control-plane \/28 subnets/],
  ])('rejects %o', (props, message) => {
    expect(() => network(props)).toThrow(message);
  });
});
