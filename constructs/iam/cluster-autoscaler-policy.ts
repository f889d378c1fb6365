import type { PolicyStatement } from './grantable';

/**
 * The IAM statements the autoscaler needs: reading groups and instance types anywhere (IAM cannot scope
 * these), resizing and terminating only in the Auto Scaling groups EKS tags as this cluster's, and reading
 * the managed node groups, which is how it learns labels and taints to scale a pool up from zero.
 */
export function clusterAutoscalerPolicy(clusterName: string, partition: string): PolicyStatement[] {
  return [
    {
      sid: 'Discover',
      actions: [
        'autoscaling:DescribeAutoScalingGroups',
        'autoscaling:DescribeAutoScalingInstances',
        'autoscaling:DescribeLaunchConfigurations',
        'autoscaling:DescribeScalingActivities',
        'ec2:DescribeImages',
        'ec2:DescribeInstanceTypes',
        'ec2:DescribeLaunchTemplateVersions',
        'ec2:GetInstanceTypesFromInstanceRequirements',
      ],
      resources: ['*'],
    },
    {
      sid: 'ResizeOwnGroups',
      actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
      resources: [`arn:${partition}:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*`],
      condition: [{ test: 'StringEquals', variable: `aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`, values: ['owned'] }],
    },
    {
      sid: 'ReadNodeGroups',
      actions: ['eks:DescribeNodegroup'],
      resources: [`arn:${partition}:eks:*:*:nodegroup/${clusterName}/*`],
    },
  ];
}
