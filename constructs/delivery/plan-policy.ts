import type { Construct } from 'constructs';
import { awsContext } from '../aws-context';
import type { PolicyStatement } from '../iam/grantable';

/** Reads of data a plan never needs, denied whatever else a plan role may be given later. */
export const PLAN_DENIED_ACTIONS = [
  'logs:GetLogEvents',
  'logs:FilterLogEvents',
  'logs:GetLogRecord',
  'logs:StartQuery',
  'logs:GetQueryResults',
  'logs:StartLiveTail',
  'logs:Unmask',
  'rds:DownloadDBLogFilePortion',
  'rds:DownloadCompleteDBLogFile',
  'secretsmanager:GetSecretValue',
  'secretsmanager:BatchGetSecretValue',
];

/**
 * What `terraform plan` of the environment's stacks reads: describe, list and get-configuration calls on the
 * resource types the stacks use, scoped to the environment's names where IAM can scope them. Nothing that
 * returns data: no object, log event, secret value or database log.
 */
export function planReadStatements(scope: Construct, namePrefix: string): PolicyStatement[] {
  const { accountId, partition, region, dnsSuffix } = awsContext(scope);
  const arn = (service: string, resource: string, inRegion = true) =>
    `arn:${partition}:${service}:${inRegion ? region : ''}:${service === 's3' ? '' : accountId}:${resource}`;
  return [
    {
      // EC2 describe calls and the add-on catalogue cannot be scoped to resources in IAM.
      sid: 'DescribeNetworkAndCatalogues',
      actions: [
        'ec2:DescribeAddresses',
        'ec2:DescribeAddressesAttribute',
        'ec2:DescribeAvailabilityZones',
        'ec2:DescribeFlowLogs',
        'ec2:DescribeInternetGateways',
        'ec2:DescribeLaunchTemplateVersions',
        'ec2:DescribeLaunchTemplates',
        'ec2:DescribeNatGateways',
        'ec2:DescribeNetworkAcls',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribePrefixLists',
        'ec2:DescribeRouteTables',
        'ec2:DescribeSecurityGroupRules',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeSubnets',
        'ec2:DescribeTags',
        'ec2:DescribeVpcAttribute',
        'ec2:DescribeVpcEndpoints',
        'ec2:DescribeVpcs',
        'eks:DescribeAddonVersions',
        'kms:ListAliases',
        'iam:ListOpenIDConnectProviders',
        'secretsmanager:GetRandomPassword',
        // The pull-through cache's rules and repository template are settings of the registry, not resources.
        'ecr:DescribePullThroughCacheRules',
        'ecr:DescribeRepositoryCreationTemplates',
      ],
      resources: ['*'],
    },
    {
      sid: 'DescribeCluster',
      actions: [
        'eks:DescribeCluster',
        'eks:DescribeNodegroup',
        'eks:DescribeAddon',
        'eks:DescribeAccessEntry',
        'eks:ListAssociatedAccessPolicies',
        'eks:ListTagsForResource',
      ],
      resources: [
        arn('eks', `cluster/${namePrefix}`),
        arn('eks', `nodegroup/${namePrefix}/*`),
        arn('eks', `addon/${namePrefix}/*`),
        arn('eks', `access-entry/${namePrefix}/*`),
      ],
    },
    {
      sid: 'DescribeDataStores',
      actions: [
        'rds:DescribeDBInstances',
        'rds:DescribeDBParameterGroups',
        'rds:DescribeDBParameters',
        'rds:DescribeDBSubnetGroups',
        'rds:ListTagsForResource',
        'elasticache:DescribeCacheClusters',
        'elasticache:DescribeCacheSubnetGroups',
        'elasticache:DescribeReplicationGroups',
        'elasticache:ListTagsForResource',
      ],
      resources: [
        arn('rds', `db:${namePrefix}-*`),
        arn('rds', `pg:${namePrefix}-*`),
        arn('rds', `subgrp:${namePrefix}-*`),
        arn('elasticache', `replicationgroup:${namePrefix}-*`),
        arn('elasticache', `cluster:${namePrefix}-*`),
        arn('elasticache', `subnetgroup:${namePrefix}-*`),
      ],
    },
    {
      // Plans and selections have generated ids: only the vaults can be scoped by name.
      sid: 'DescribeBackups',
      actions: ['backup:DescribeBackupVault', 'backup:GetBackupPlan', 'backup:GetBackupSelection', 'backup:ListTags'],
      resources: [arn('backup', `backup-vault:${namePrefix}-*`), arn('backup', 'backup-plan:*')],
    },
    {
      sid: 'DescribeKeysAndSecrets',
      actions: [
        'kms:DescribeKey',
        'kms:GetKeyPolicy',
        'kms:GetKeyRotationStatus',
        'kms:ListResourceTags',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetResourcePolicy',
      ],
      resources: [arn('kms', 'key/*'), arn('secretsmanager', `secret:${namePrefix}*`)],
    },
    {
      sid: 'DescribeIdentities',
      actions: [
        'iam:GetRole',
        'iam:GetRolePolicy',
        'iam:ListRolePolicies',
        'iam:ListAttachedRolePolicies',
        'iam:ListRoleTags',
        'iam:ListInstanceProfilesForRole',
        'iam:GetPolicy',
        'iam:GetPolicyVersion',
        'iam:GetOpenIDConnectProvider',
        'iam:ListOpenIDConnectProviderTags',
      ],
      resources: [
        arn('iam', `role/${namePrefix}-*`, false),
        arn('iam', `policy/${namePrefix}-*`, false),
        arn('iam', `oidc-provider/oidc.eks.${region}.${dnsSuffix}/id/*`, false),
      ],
    },
    {
      sid: 'DescribeLogGroups',
      actions: ['logs:DescribeLogGroups', 'logs:ListTagsForResource', 'logs:ListTagsLogGroup'],
      resources: [arn('logs', 'log-group:*')],
    },
    {
      sid: 'DescribeRunners',
      actions: ['codebuild:BatchGetProjects'],
      resources: [arn('codebuild', `project/${namePrefix}-*`)],
    },
    {
      sid: 'ReadBucketConfiguration',
      actions: [
        's3:GetAccelerateConfiguration',
        's3:GetBucketAcl',
        's3:GetBucketCORS',
        's3:GetBucketLocation',
        's3:GetBucketLogging',
        's3:GetBucketObjectLockConfiguration',
        's3:GetBucketOwnershipControls',
        's3:GetBucketPolicy',
        's3:GetBucketPublicAccessBlock',
        's3:GetBucketRequestPayment',
        's3:GetBucketTagging',
        's3:GetBucketVersioning',
        's3:GetBucketWebsite',
        's3:GetEncryptionConfiguration',
        's3:GetLifecycleConfiguration',
        's3:GetReplicationConfiguration',
      ],
      resources: [arn('s3', `${namePrefix}-*`, false)],
    },
  ];
}
