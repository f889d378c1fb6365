import type { App } from 'cdktf';
import { ClusterStack } from '../stacks/cluster-stack';
import { DataStack } from '../stacks/data-stack';
import { NetworkStack } from '../stacks/network-stack';
import type { EnvironmentConfig } from './config/schema';

/** The stacks of one environment, in deployment order. */
export interface EnvironmentStacks {
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly cluster: ClusterStack;
}

/** Adds one environment's stacks to `app`, wiring what crosses between them. */
export function addEnvironment(app: App, environment: EnvironmentConfig): EnvironmentStacks {
  const network = new NetworkStack(app, environment);
  const shared = { network: network.network, workloadSecurityGroupId: network.workloadSecurityGroupId };
  const data = new DataStack(app, environment, shared);
  const cluster = new ClusterStack(app, environment, { ...shared, clusterName: network.clusterName });
  return { network, data, cluster };
}
