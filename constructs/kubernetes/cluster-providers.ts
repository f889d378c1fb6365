import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { IEksCluster } from '../cluster/eks-cluster';

/** Props of {@link ClusterProviders}. */
export interface ClusterProvidersProps {
  readonly cluster: Pick<IEksCluster, 'clusterName' | 'endpoint' | 'certificateAuthorityData'>;
  readonly region: string;
  /** Role to assume for the token, when the deploy identity works through one. @default the caller's credentials */
  readonly roleArn?: string;
}

/**
 * The kubernetes and helm providers of a stack that installs into the cluster. They authenticate with
 * `aws eks get-token` on every call (exec), never with a token that could expire in the middle of an apply.
 * Needs the AWS CLI where Terraform runs.
 */
export class ClusterProviders extends Construct {
  constructor(scope: Construct, id: string, props: ClusterProvidersProps) {
    super(scope, id);
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'aws',
      args: [
        'eks',
        'get-token',
        '--cluster-name',
        props.cluster.clusterName,
        '--region',
        props.region,
        ...(props.roleArn ? ['--role-arn', props.roleArn] : []),
      ],
    };
    const connection = { host: props.cluster.endpoint, clusterCaCertificate: Fn.base64decode(props.cluster.certificateAuthorityData) };
    new KubernetesProvider(this, 'Kubernetes', { ...connection, exec: [exec] });
    new HelmProvider(this, 'Helm', { kubernetes: { ...connection, exec } });
  }
}
