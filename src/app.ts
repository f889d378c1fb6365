import type { App } from 'cdktf';
import { BootstrapStack } from '../stacks/bootstrap-stack';
import { mapRecord } from '../stacks/catalogue';
import { ClusterStack } from '../stacks/cluster-stack';
import { DataStack } from '../stacks/data-stack';
import { IdentityStack } from '../stacks/identity-stack';
import { NetworkStack } from '../stacks/network-stack';
import { PlatformStack } from '../stacks/platform-stack';
import type { EnvironmentConfig } from './config/schema';
import { loadValuesFiles } from '../constructs/helm/values-files';

/** The stacks of one environment, in deployment order. */
export interface EnvironmentStacks {
  /** State bucket, GitHub OIDC provider and delivery roles: applied once by hand, never by CI. Absent when state is local. */
  readonly bootstrap?: BootstrapStack;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly cluster: ClusterStack;
  readonly identity: IdentityStack;
  readonly platform: PlatformStack;
}

/** Adds one environment's stacks to `app`, wiring what crosses between them. */
export function addEnvironment(app: App, environment: EnvironmentConfig): EnvironmentStacks {
  const bootstrap =
    environment.backend.type === 's3'
      ? new BootstrapStack(app, environment, { existingOidcProviderArn: environment.delivery.existingOidcProviderArn })
      : undefined;
  const network = new NetworkStack(app, environment);
  const shared = { network: network.network, workloadSecurityGroupId: network.workloadSecurityGroupId };
  const data = new DataStack(app, environment, shared);
  const cluster = new ClusterStack(app, environment, { ...shared, clusterName: network.clusterName });
  const identity = new IdentityStack(app, environment, {
    cluster: cluster.cluster,
    containerLogGroupArn: cluster.containerLogs.arn,
    buckets: data.buckets,
    database: data.database,
    cache: data.cache,
  });
  const platform = new PlatformStack(app, environment, {
    cluster: cluster.cluster,
    volumeKeyArn: cluster.volumeKey.keyArn,
    containerLogGroup: cluster.containerLogs.name,
    buckets: {
      artifacts: data.buckets.artifacts.bucketName,
      datasets: data.buckets.datasets.bucketName,
      logs: data.buckets.logs.bucketName,
    },
    database: { address: data.database.address, port: data.database.port, masterSecretArn: data.database.masterSecretArn },
    cache: { address: data.cache.primaryEndpoint, port: data.cache.port, authSecretArn: data.cache.authSecretArn },
    roles: mapRecord(identity.identities, (workload) => workload.roleArn),
    secrets: mapRecord(identity.secrets, (secret) => secret.secretName),
    teams: mapRecord(identity.teams, ({ identity: role, secret }) => ({ roleArn: role.roleArn, secretName: secret.secretName })),
    producers: mapRecord(identity.producers, (secret) => secret.secretName),
    values: (chart) => loadValuesFiles(chart, environment.name),
    vpcCidr: environment.network.vpcCidr,
    loadBalancerCidrs: network.network.publicSubnetCidrs,
    controlPlaneCidrs: network.network.controlPlaneSubnetCidrs,
    vpcId: network.network.vpcId,
  });
  return { bootstrap, network, data, cluster, identity, platform };
}
