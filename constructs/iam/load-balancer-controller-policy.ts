import type { PolicyStatement } from './grantable';

/**
 * The AWS Load Balancer Controller's upstream IAM policy (`docs/install/iam_policy.json` of
 * kubernetes-sigs/aws-load-balancer-controller, the v2.14+/v3 revision with the `elbv2.k8s.aws/cluster` tag
 * conditions), translated statement for statement with its conditions. Keep it in step with the chart's
 * appVersion: a controller upgrade that calls a new API fails at reconcile time, not at deploy.
 *
 * Ten statements use `Resource: "*"`, as upstream does: EC2 and ELB Describe calls cannot be scoped, and the
 * mutating ones are scoped by the `elbv2.k8s.aws/cluster` tag conditions instead of by ARN, because the load
 * balancers do not exist when the policy is written.
 *
 * @param partition ARN partition of the tagging statements. @default 'aws'
 */
export function loadBalancerControllerPolicy(partition = 'aws'): PolicyStatement[] {
  const elb = (resource: string) => `arn:${partition}:elasticloadbalancing:*:*:${resource}`;
  const securityGroups = `arn:${partition}:ec2:*:*:security-group/*`;
  const balancersAndTargetGroups = [elb('targetgroup/*/*'), elb('loadbalancer/net/*/*'), elb('loadbalancer/app/*/*')];
  const listenersAndRules = [
    elb('listener/net/*/*/*'),
    elb('listener/app/*/*/*'),
    elb('listener-rule/net/*/*/*'),
    elb('listener-rule/app/*/*/*'),
  ];
  const requestTagged = { test: 'Null', variable: 'aws:RequestTag/elbv2.k8s.aws/cluster', values: ['false'] };
  const requestUntagged = { test: 'Null', variable: 'aws:RequestTag/elbv2.k8s.aws/cluster', values: ['true'] };
  const resourceTagged = { test: 'Null', variable: 'aws:ResourceTag/elbv2.k8s.aws/cluster', values: ['false'] };
  const allow = (sid: string, actions: string[], resources: string[], condition?: PolicyStatement['condition']): PolicyStatement => ({
    sid,
    effect: 'Allow',
    actions,
    resources,
    ...(condition ? { condition } : {}),
  });

  return [
    allow(
      'CreateElbServiceLinkedRole',
      ['iam:CreateServiceLinkedRole'],
      [`arn:${partition}:iam::*:role/aws-service-role/elasticloadbalancing.amazonaws.com/*`],
      [{ test: 'StringEquals', variable: 'iam:AWSServiceName', values: ['elasticloadbalancing.amazonaws.com'] }],
    ),
    allow(
      'Describe',
      [
        'ec2:DescribeAccountAttributes',
        'ec2:DescribeAddresses',
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeInternetGateways',
        'ec2:DescribeVpcs',
        'ec2:DescribeVpcPeeringConnections',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeInstances',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeTags',
        'ec2:GetCoipPoolUsage',
        'ec2:DescribeCoipPools',
        'ec2:GetSecurityGroupsForVpc',
        'ec2:DescribeIpamPools',
        'ec2:DescribeRouteTables',
        'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeLoadBalancerAttributes',
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeListenerCertificates',
        'elasticloadbalancing:DescribeSSLPolicies',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetGroupAttributes',
        'elasticloadbalancing:DescribeTargetHealth',
        'elasticloadbalancing:DescribeTags',
        'elasticloadbalancing:DescribeTrustStores',
        'elasticloadbalancing:DescribeListenerAttributes',
        'elasticloadbalancing:DescribeCapacityReservation',
      ],
      ['*'],
    ),
    // Listing certificates cannot be scoped; reading one can. WAF and Shield are off (values), so not granted.
    allow('ListCertificates', ['acm:ListCertificates', 'iam:ListServerCertificates'], ['*']),
    allow('ReadCertificates', ['acm:DescribeCertificate'], [`arn:${partition}:acm:*:*:certificate/*`]),
    allow('ReadServerCertificates', ['iam:GetServerCertificate'], [`arn:${partition}:iam::*:server-certificate/*`]),
    allow('ReadUserPoolClients', ['cognito-idp:DescribeUserPoolClient'], [`arn:${partition}:cognito-idp:*:*:userpool/*`]),
    // Rules on the nodes' (untagged) security group, letting the load balancers reach the pods.
    allow('BackendSecurityGroupRules', ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'], [securityGroups]),
    allow('CreateSecurityGroup', ['ec2:CreateSecurityGroup'], [securityGroups, `arn:${partition}:ec2:*:*:vpc/*`]),
    allow(
      'TagNewSecurityGroup',
      ['ec2:CreateTags'],
      [securityGroups],
      [{ test: 'StringEquals', variable: 'ec2:CreateAction', values: ['CreateSecurityGroup'] }, requestTagged],
    ),
    allow('TagOwnSecurityGroups', ['ec2:CreateTags', 'ec2:DeleteTags'], [securityGroups], [requestUntagged, resourceTagged]),
    allow(
      'ManageOwnSecurityGroups',
      ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress', 'ec2:DeleteSecurityGroup'],
      [securityGroups],
      [resourceTagged],
    ),
    allow(
      'CreateTaggedLoadBalancers',
      ['elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup'],
      balancersAndTargetGroups,
      [requestTagged],
    ),
    allow(
      'ListenersAndRules',
      [
        'elasticloadbalancing:CreateListener',
        'elasticloadbalancing:DeleteListener',
        'elasticloadbalancing:CreateRule',
        'elasticloadbalancing:DeleteRule',
      ],
      [...balancersAndTargetGroups, ...listenersAndRules],
    ),
    allow('TagOwnLoadBalancers', ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'], balancersAndTargetGroups, [
      requestUntagged,
      resourceTagged,
    ]),
    allow('TagListenersAndRules', ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'], listenersAndRules),
    allow(
      'ModifyOwnLoadBalancers',
      [
        'elasticloadbalancing:ModifyLoadBalancerAttributes',
        'elasticloadbalancing:SetIpAddressType',
        'elasticloadbalancing:SetSecurityGroups',
        'elasticloadbalancing:SetSubnets',
        'elasticloadbalancing:DeleteLoadBalancer',
        'elasticloadbalancing:ModifyTargetGroup',
        'elasticloadbalancing:ModifyTargetGroupAttributes',
        'elasticloadbalancing:DeleteTargetGroup',
        'elasticloadbalancing:ModifyListenerAttributes',
        'elasticloadbalancing:ModifyCapacityReservation',
        'elasticloadbalancing:ModifyIpPools',
      ],
      balancersAndTargetGroups,
      [resourceTagged],
    ),
    allow('TagOnCreate', ['elasticloadbalancing:AddTags'], balancersAndTargetGroups, [
      { test: 'StringEquals', variable: 'elasticloadbalancing:CreateAction', values: ['CreateTargetGroup', 'CreateLoadBalancer'] },
      requestTagged,
    ]),
    allow('RegisterTargets', ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'], [elb('targetgroup/*/*')]),
    allow(
      'ListenerSettings',
      [
        'elasticloadbalancing:SetWebAcl',
        'elasticloadbalancing:ModifyListener',
        'elasticloadbalancing:AddListenerCertificates',
        'elasticloadbalancing:RemoveListenerCertificates',
        'elasticloadbalancing:ModifyRule',
        'elasticloadbalancing:SetRulePriorities',
      ],
      [...balancersAndTargetGroups, ...listenersAndRules],
    ),
  ];
}
