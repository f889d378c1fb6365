import { z } from 'zod';
import { CACHEABLE_REGISTRY_NAMES } from '../../constructs/images/cacheable-registries';
import { MANAGED_ADDONS } from '../../constructs/cluster/managed-addons';
import { parseCidr } from '../../constructs/network/cidr';
import type { SchemaVersion } from '../../constructs/platform/kafka/schema-files';
import { checkAccelerators, checkPullThroughCache, checkSubnetLayout } from './cluster-rules';
import { checkAwsFacts } from './aws-rules';
import { logRetentionDays } from './log-retention';
import { checkPipelines } from './pipeline-schema';
import { checkPlatformRules, platformSchema } from './platform-schema';

/**
 * The schema of one environment file (`environments/<name>.yaml`).
 *
 * Every object is strict: a misspelt key is an error, never a silent fallback to a default.
 * Defaults live here, once, so the parsed config a stack receives is complete.
 */

const cidr = z.string().refine((value) => parseCidr(value) !== undefined, {
  message: 'must be an IPv4 CIDR with zero host bits, e.g. 10.0.0.0/16',
});

const awsAccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id (quote it in YAML)');
const iamPrincipalArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/, 'must be an IAM role or user ARN');
const k8sLabelKey = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, 'must be a Kubernetes label key');
const k8sLabelValue = z
  .string()
  .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/, 'must be a Kubernetes label value')
  .max(63);
const tagMap = z.record(z.string().min(1).max(128), z.string().max(256));

const awsSchema = z.strictObject({
  accountId: awsAccountId,
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as eu-west-1'),
  /** Role the providers assume; omit to use the caller's credentials as they are. */
  assumeRoleArn: iamPrincipalArn.optional(),
});

const backendSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('local') }),
  z.strictObject({
    type: z.literal('s3'),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    /** @default the environment's region */
    region: z.string().optional(),
    /** State keys are `<keyPrefix>/<stack>.tfstate`. */
    keyPrefix: z
      .string()
      .regex(/^[\w.-]+(\/[\w.-]+)*$/, 'must be a path without leading or trailing slash')
      .default('mlops'),
    /** @default the bucket's default encryption (SSE-S3 or the bucket key) */
    kmsKeyArn: z.string().startsWith('arn:').optional(),
  }),
]);

const networkSchema = z.strictObject({
  vpcCidr: cidr,
  azCount: z.int().min(1).max(6),
  /** Private subnets hold nodes, pods (VPC CNI gives pods VPC addresses) and data stores: size them generously. */
  privateSubnetPrefixLength: z.int().min(16).max(28).default(19),
  publicSubnetPrefixLength: z.int().min(16).max(28).default(24),
  /** `perAz` survives the loss of a zone; `single` saves cost outside production. */
  natGateways: z.enum(['perAz', 'single']).default('perAz'),
  flowLogRetentionDays: logRetentionDays.default(365),
  /** Interface endpoints that keep AWS API traffic off the NAT gateways. The S3 gateway endpoint is always there. */
  interfaceEndpoints: z
    .array(z.enum(['ecr.api', 'ecr.dkr', 'sts', 'logs', 'secretsmanager', 'ec2', 'elasticloadbalancing']))
    .default(['ecr.api', 'ecr.dkr', 'sts']),
});

const taintSchema = z.strictObject({
  key: k8sLabelKey,
  value: k8sLabelValue.optional(),
  effect: z.enum(['NO_SCHEDULE', 'NO_EXECUTE', 'PREFER_NO_SCHEDULE']),
});

const nodePoolSchema = z.strictObject({
  /** One architecture per pool (the node group's AMI follows it): x86_64 types, or Graviton (arm64) ones. */
  instanceTypes: z.array(z.string().min(1)).min(1),
  capacityType: z.enum(['ON_DEMAND', 'SPOT']).default('ON_DEMAND'),
  minSize: z.int().min(0),
  desiredSize: z.int().min(0),
  maxSize: z.int().min(1),
  diskSizeGiB: z.int().min(20).max(16384).default(50),
  /** Extra labels; every pool also carries `mlops-platform/node-pool: <name>`. */
  labels: z.record(k8sLabelKey, k8sLabelValue).default({}),
  /** Extra taints; dedicated pools also carry `mlops-platform/node-pool=<name>:NoSchedule`. */
  taints: z.array(taintSchema).default([]),
  /** Taint the pool so only pods that tolerate it land there. @default true for every pool but `general` */
  dedicated: z.boolean().optional(),
  /**
   * `nvidia`: GPU nodes. The NVIDIA AMI (driver and container toolkit), the taint `nvidia.com/gpu=present:NoSchedule`,
   * the label `nvidia.com/gpu.present=true`, and the NVIDIA device plugin on them, so pods can request `nvidia.com/gpu`.
   * @default none: the standard AMI
   */
  accelerator: z.enum(['nvidia']).optional(),
});

const REQUIRED_POOLS = ['general', 'compute', 'storage'] as const;

const pullThroughCacheCredential = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:ecr-pullthroughcache\/[\w/+=.@-]+$/,
    'must be the ARN of a Secrets Manager secret named ecr-pullthroughcache/…',
  );

const clusterSchema = z.strictObject({
  kubernetesVersion: z.string().regex(/^1\.\d{2}$/, 'must be a Kubernetes minor version such as "1.35" (quote it in YAML)'),
  endpointPublicAccess: z.boolean().default(false),
  /** CIDRs allowed to reach a public API endpoint; required when it is public. */
  publicAccessCidrs: z.array(cidr).default([]),
  /** IAM roles/users granted cluster-admin through EKS access entries. The deploying identity must be one. */
  adminPrincipalArns: z.array(iamPrincipalArn).min(1),
  logRetentionDays: logRetentionDays.default(365),
  /** Pin an add-on (`vpc-cni`, `coredns`, ...) to an exact version; @default the version EKS recommends for the cluster version */
  addonVersions: z.record(z.string(), z.string()).default({}),
  nodePools: z
    .record(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'pool names are lower-case words'), nodePoolSchema)
    // A pool's `dedicated` default depends on its name: filled in here, the one place it is decided.
    .transform((pools) =>
      Object.fromEntries(Object.entries(pools).map(([name, pool]) => [name, { ...pool, dedicated: pool.dedicated ?? name !== 'general' }])),
    ),
  /**
   * Upstream registries whose images the nodes pull through an ECR pull-through cache of the account, keyed by
   * the registry as image references name it. Docker Hub and ghcr.io need a `credentialArn`.
   * @default none: images come from their registries
   */
  pullThroughCache: z
    .partialRecord(z.enum(CACHEABLE_REGISTRY_NAMES), z.strictObject({ credentialArn: pullThroughCacheCredential.optional() }))
    .default({}),
});

const databaseSchema = z.strictObject({
  engineVersion: z
    .string()
    .regex(/^\d{2}$/, 'must be a PostgreSQL major version such as "17" (minor upgrades are automatic)')
    .default('17'),
  instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class'),
  allocatedStorageGiB: z.int().min(20).max(65536).default(50),
  maxAllocatedStorageGiB: z.int().min(20).max(65536).default(200),
  multiAz: z.boolean().default(false),
  backupRetentionDays: z.int().min(1).max(35).default(7),
  deletionProtection: z.boolean().default(true),
});

const cacheSchema = z.strictObject({
  engine: z.enum(['valkey', 'redis']).default('valkey'),
  engineVersion: z
    .string()
    .regex(/^\d+\.\d+$/, 'must be a major.minor version such as "8.0"')
    .default('8.0'),
  nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type'),
  /** Read replicas besides the primary; automatic failover needs at least one. */
  replicas: z.int().min(0).max(5).default(0),
  snapshotRetentionDays: z.int().min(0).max(35).default(1),
});

const storageSchema = z.strictObject({
  /** Buckets are `<bucketPrefix>-<purpose>`. @default mlops-<environment>-<account>-<region> */
  bucketPrefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,40}$/, 'must be lower-case letters, digits and hyphens, at most 41 characters')
    .optional(),
  noncurrentVersionRetentionDays: z.int().positive().default(90),
  /** Let `terraform destroy` delete non-empty buckets. Never in production. */
  forceDestroy: z.boolean().default(false),
});

const backupSchema = z.strictObject({
  /** Daily AWS Backup of the database and the artifact and dataset buckets. @default on in production, off elsewhere */
  enabled: z.boolean().optional(),
  /** Days each recovery point is kept (the vault lock keeps each at least 7). */
  retentionDays: z.int().min(7).max(36500).default(35),
  /** When the daily backup starts (UTC), as an AWS Backup expression. */
  schedule: z
    .string()
    .regex(/^cron\(.+\)$/, 'must be an AWS Backup cron expression such as cron(0 3 ? * * *)')
    .default('cron(0 3 ? * * *)'),
  /** A vault in another region or account that receives a copy of every recovery point. */
  copyTo: z
    .strictObject({
      vaultArn: z.string().regex(/^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:backup-vault:[\w.-]+$/, 'must be the ARN of a backup vault'),
      retentionDays: z.int().min(7).max(36500).optional(),
    })
    .optional(),
  /** `governance`: recovery points cannot be deleted early unless the lock is removed; `compliance`: nor then, after 3 days. */
  lockMode: z.enum(['none', 'governance', 'compliance']).default('governance'),
});

const deliverySchema = z.strictObject({
  /** `owner/name` of the GitHub repository whose workflows may plan and apply this environment. */
  githubRepository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name of a GitHub repository'),
  /** GitHub environment whose deployment jobs may apply (the apply role trusts only it). @default the environment's name */
  githubEnvironment: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,255}$/, 'must be a GitHub environment name')
    .optional(),
  /**
   * AWS CodeConnections connection to GitHub (authorized once by hand): with it the cluster stack creates
   * GitHub Actions runners inside the VPC (CodeBuild), which the deployment needs to reach the private
   * cluster API for the platform stack. @default none: the platform stack is applied from inside the VPC by hand
   */
  codeConnectionArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/,
      'must be a CodeConnections connection ARN',
    )
    .optional(),
  /**
   * The account's GitHub OIDC provider, where another environment's bootstrap stack creates it: IAM holds one per
   * account. @default none: this environment's bootstrap stack creates it
   */
  existingOidcProviderArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
      'must be the ARN of the GitHub OIDC provider (…:oidc-provider/token.actions.githubusercontent.com)',
    )
    .optional(),
});

/** The raw schema, before cross-field rules. */
const environmentObject = z.strictObject({
  /** Production turns on the rules below: multi-AZ everything, backups, deletion protection. */
  production: z.boolean().default(false),
  aws: awsSchema,
  owner: z.string().min(1),
  costCenter: z.string().min(1),
  /** Extra tags on every resource, besides environment, owner and cost centre. */
  tags: tagMap.default({}),
  backend: backendSchema.default({ type: 'local' }),
  /** CI/CD: who may plan and apply this environment (the bootstrap stack's roles trust exactly that). */
  delivery: deliverySchema,
  network: networkSchema,
  cluster: clusterSchema,
  database: databaseSchema,
  cache: cacheSchema,
  storage: storageSchema.default({ noncurrentVersionRetentionDays: 90, forceDestroy: false }),
  /** AWS Backup of the stateful resources: daily, into a KMS-encrypted, locked vault. */
  backup: backupSchema.default({ retentionDays: 35, schedule: 'cron(0 3 ? * * *)', lockMode: 'governance' }),
  /** The in-cluster layer: Kafka, schema registry, Airflow, MLflow, Spark. */
  platform: platformSchema,
});

export type RawEnvironment = z.infer<typeof environmentObject>;

/** Adds one issue per broken cross-field rule, each at the path a reader should edit. */
function checkCrossFieldRules(env: RawEnvironment, ctx: z.RefinementCtx): void {
  const fail = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  for (const name of REQUIRED_POOLS) {
    if (!env.cluster.nodePools[name]) fail(['cluster', 'nodePools', name], `the platform needs a '${name}' node pool`);
  }
  if (env.cluster.nodePools.general?.dedicated) {
    fail(['cluster', 'nodePools', 'general', 'dedicated'], 'the general pool must stay untainted: control components run there');
  }
  for (const [name, pool] of Object.entries(env.cluster.nodePools)) {
    const path = ['cluster', 'nodePools', name];
    if (pool.minSize > pool.desiredSize)
      fail([...path, 'minSize'], `minSize (${pool.minSize}) must be ≤ desiredSize (${pool.desiredSize})`);
    if (pool.desiredSize > pool.maxSize)
      fail([...path, 'desiredSize'], `desiredSize (${pool.desiredSize}) must be ≤ maxSize (${pool.maxSize})`);
  }

  const { endpointPublicAccess, publicAccessCidrs } = env.cluster;
  if (endpointPublicAccess && publicAccessCidrs.length === 0) {
    fail(['cluster', 'publicAccessCidrs'], 'a public API endpoint needs the CIDRs allowed to reach it');
  }
  if (!endpointPublicAccess && publicAccessCidrs.length > 0) {
    fail(['cluster', 'publicAccessCidrs'], 'only meaningful with endpointPublicAccess: true');
  }
  publicAccessCidrs.forEach((value, index) => {
    if (parseCidr(value)?.prefixLength === 0)
      fail(['cluster', 'publicAccessCidrs', index], 'must not open the API endpoint to the whole internet (0.0.0.0/0)');
  });

  checkSubnetLayout(env, fail);
  checkAwsFacts(env, fail);

  checkPullThroughCache(env, fail);
  checkAccelerators(env, fail);

  for (const addon of Object.keys(env.cluster.addonVersions)) {
    if (!(MANAGED_ADDONS as readonly string[]).includes(addon))
      fail(['cluster', 'addonVersions', addon], `is not an add-on the cluster installs (${MANAGED_ADDONS.join(', ')})`);
  }

  if (env.database.maxAllocatedStorageGiB < env.database.allocatedStorageGiB) {
    fail(['database', 'maxAllocatedStorageGiB'], `must be ≥ allocatedStorageGiB (${env.database.allocatedStorageGiB})`);
  }

  checkPlatformRules(env.platform, env.production, fail);
  const { platform } = env;
  const servedModels = Object.keys(platform.serving.models);
  checkPipelines(
    platform.pipelines,
    { aws: env.aws, teams: platform.teams, topics: platform.kafka.topics, servedModels },
    env.production,
    fail,
  );
  // Models and Spark executors on a pool of their own, with GPUs only where a pool offers them.
  const placed = [
    ...Object.entries(env.platform.serving.models).map(([name, model]) => [['platform', 'serving', 'models', name], model] as const),
    ...Object.entries(env.platform.spark.applications).map(
      ([name, app]) => [['platform', 'spark', 'applications', name, 'executor'], app.executor] as const,
    ),
  ];
  for (const [path, { nodePool, gpus }] of placed) {
    const pool = nodePool === undefined ? undefined : env.cluster.nodePools[nodePool];
    if (nodePool !== undefined && !pool)
      fail([...path, 'nodePool'], `'${nodePool}' is not a pool of cluster.nodePools (${Object.keys(env.cluster.nodePools).join(', ')})`);
    if (gpus !== undefined && pool?.accelerator !== 'nvidia')
      fail([...path, 'gpus'], 'needs a nodePool with accelerator: nvidia, where the device plugin offers nvidia.com/gpu');
  }

  if (env.production) {
    if (env.network.azCount < 2)
      fail(['network', 'azCount'], `production must span at least 2 availability zones (got ${env.network.azCount})`);
    if (env.network.natGateways !== 'perAz') fail(['network', 'natGateways'], "production needs a NAT gateway per AZ ('perAz')");
    // What runs in production changes only with a reviewed change: no add-on follows EKS's latest on its own.
    for (const addon of MANAGED_ADDONS.filter((a) => !env.cluster.addonVersions[a])) {
      fail(['cluster', 'addonVersions', addon], 'production pins every add-on to a version (aws eks describe-addon-versions)');
    }
    if (!env.database.multiAz) fail(['database', 'multiAz'], 'production databases must be multi-AZ');
    if (!env.database.deletionProtection) fail(['database', 'deletionProtection'], 'production databases must have deletion protection');
    if (env.database.backupRetentionDays < 7)
      fail(['database', 'backupRetentionDays'], `production keeps backups at least 7 days (got ${env.database.backupRetentionDays})`);
    if (env.cache.replicas < 1) fail(['cache', 'replicas'], 'production caches need at least one replica for automatic failover');
    if (env.cache.snapshotRetentionDays < 1) fail(['cache', 'snapshotRetentionDays'], 'production caches keep at least one daily snapshot');
    if (env.storage.forceDestroy) fail(['storage', 'forceDestroy'], 'production buckets must never be force-destroyed');
    if (env.backup.enabled === false) fail(['backup', 'enabled'], 'production backs up its database and buckets with AWS Backup');
    if (env.backup.lockMode === 'none') fail(['backup', 'lockMode'], 'production locks its backup vault (governance or compliance)');
  }
  const copyRegion = env.backup.copyTo?.vaultArn.split(':')[3];
  const copyAccount = env.backup.copyTo?.vaultArn.split(':')[4];
  if (copyRegion === env.aws.region && copyAccount === env.aws.accountId)
    fail(
      ['backup', 'copyTo', 'vaultArn'],
      `a copy in the environment's own region and account (${copyRegion}) survives nothing the original does not: name a vault in another region or account`,
    );
}

/** Validates one environment file's content, field rules first, then the rules across fields. */
export const environmentSchema = environmentObject.superRefine(checkCrossFieldRules);

/** A validated environment, with every default filled in. */
export type EnvironmentConfig = z.infer<typeof environmentSchema> & {
  /** The environment's name: the file name without its extension. */
  readonly name: string;
  /** The versions of each topic's value schema (topics with `schema` only), read and checked by the loader. */
  readonly topicSchemas: Readonly<Record<string, readonly SchemaVersion[]>>;
};

export type NodePoolConfig = z.infer<typeof nodePoolSchema>;
export type BackendConfig = z.infer<typeof backendSchema>;
export type DeliveryConfig = z.infer<typeof deliverySchema>;
export type BackupConfig = z.infer<typeof backupSchema>;
