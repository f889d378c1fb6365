import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '../../../constructs/kubernetes/objects';
import { clusterAutoscalerPolicy } from '../../../constructs/iam/cluster-autoscaler-policy';
import { ClusterAutoscaler, type ClusterAutoscalerProps } from '../../../constructs/platform/cluster-autoscaler';
import { synthScope } from '../../support/synth';

const placement = { nodeSelector: { 'mlops-platform/node-pool': 'general' }, tolerations: [] };

function autoscaler(props: Partial<ClusterAutoscalerProps> = {}): KubernetesObject[] {
  let manifests: KubernetesObject[] = [];
  synthScope((scope) => {
    manifests = new ClusterAutoscaler(scope, 'Autoscaler', {
      namespace: 'cluster-autoscaler',
      clusterName: 'mlops-test',
      kubernetesVersion: '1.35',
      region: 'eu-west-1',
      roleArn: 'arn:aws:iam::123456789012:role/ca',
      placement,
      ...props,
    }).release.manifests;
  });
  return manifests;
}

type Pod = {
  nodeSelector: unknown;
  securityContext: unknown;
  serviceAccountName: string;
  containers: { image: string; command: string[]; resources: unknown }[];
};

describe('ClusterAutoscaler', () => {
  it("discovers this cluster's node groups by their EKS tags and runs the release matching the cluster", () => {
    const deployment = autoscaler().find((m) => m.kind === 'Deployment')! as KubernetesObject & { spec: { template: { spec: Pod } } };
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe('registry.k8s.io/autoscaling/cluster-autoscaler:v1.35.0');
    expect(container.command).toEqual(
      expect.arrayContaining([
        '--cloud-provider=aws',
        '--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/mlops-test',
        '--balance-similar-node-groups',
      ]),
    );
    expect(pod).toMatchObject({
      nodeSelector: placement.nodeSelector,
      serviceAccountName: 'cluster-autoscaler',
      securityContext: { runAsNonRoot: true },
    });
    expect(container.resources).toMatchObject({ requests: { cpu: '100m', memory: '300Mi' }, limits: { memory: '600Mi' } });
  });

  it('binds its service account to the IRSA role', () => {
    const account = autoscaler().find((m) => m.kind === 'ServiceAccount')!;
    expect(account.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/ca' });
  });

  it("may resize only the cluster's own groups, and read node groups to scale up from zero", () => {
    const [discover, resize, nodeGroups] = clusterAutoscalerPolicy('mlops-test', 'aws');
    expect(discover.actions!.every((a) => /^(autoscaling|ec2):(Describe|Get)/.test(a))).toBe(true);
    expect(resize).toMatchObject({
      actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      condition: [{ test: 'StringEquals', variable: 'aws:ResourceTag/k8s.io/cluster-autoscaler/mlops-test', values: ['owned'] }],
    });
    expect(resize.resources).not.toContain('*');
    expect(nodeGroups).toMatchObject({ actions: ['eks:DescribeNodegroup'], resources: ['arn:aws:eks:*:*:nodegroup/mlops-test/*'] });
  });

  it('rejects a version that is not a minor version', () => {
    expect(() => autoscaler({ kubernetesVersion: '1.35.1' })).toThrow(/kubernetesVersion '1.35.1' must be a minor version/);
  });
});

describe('ClusterAutoscaler availability', () => {
  const deploymentOf = (manifests: KubernetesObject[]) =>
    manifests.find((m) => m.kind === 'Deployment')! as KubernetesObject & {
      spec: { replicas: number; template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } } };
    };

  it('is probed on its health endpoint and may preempt ordinary pods, so it can always add the node they need', () => {
    const pod = deploymentOf(autoscaler()).spec.template.spec;
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(pod.containers[0]).toMatchObject({
      ports: [{ name: 'health', containerPort: 8085 }],
      livenessProbe: { httpGet: { path: '/health-check', port: 'health' } },
      readinessProbe: { httpGet: { path: '/health-check', port: 'health' } },
    });
  });

  it('runs one replica, or two with a disruption budget and zone spread when highly available', () => {
    expect(deploymentOf(autoscaler()).spec.replicas).toBe(1);
    expect(autoscaler().some((m) => m.kind === 'PodDisruptionBudget')).toBe(false);
    const ha = autoscaler({ highlyAvailable: true });
    expect(deploymentOf(ha).spec.replicas).toBe(2);
    expect(deploymentOf(ha).spec.template.spec.topologySpreadConstraints).toEqual([
      expect.objectContaining({ topologyKey: 'topology.kubernetes.io/zone' }),
    ]);
    expect(ha.find((m) => m.kind === 'PodDisruptionBudget')).toMatchObject({
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'cluster-autoscaler' } } },
    });
  });
});
