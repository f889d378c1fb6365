import type { Mlflow } from '../../constructs/platform/mlflow';
import { CertManager, ExampleModel, KServe, ModelServing } from '../../constructs/platform/serving';
import { WORKLOADS } from '../catalogue';
import { BUCKET_PREFIXES } from '../data-stack';
import { poolPlacementOf } from './placements';
import type { PlatformContext } from './context';

/** KServe (with cert-manager for its webhook), the configured models and, where enabled, the example model. */
export function addServing({ scope, environment, props, placement, namespace }: PlatformContext, mlflow: Mlflow) {
  const { aws, production } = environment;
  const certManager = new CertManager(scope, 'CertManager', {
    namespace: namespace('cert-manager'),
    values: props.values('cert-manager'),
    placement: placement.general,
    highlyAvailable: production,
  });
  const kserve = new KServe(scope, 'KServe', {
    namespace: namespace('kserve'),
    values: props.values('kserve-resources'),
    certManager,
    region: aws.region,
    placement: placement.general,
  });
  const { serving } = environment.platform;
  // Trained with the runtime's own image, so the server unpickles it with the same library versions.
  const exampleModel = serving.publishExampleModel
    ? new ExampleModel(scope, 'ExampleModel', {
        tracking: mlflow,
        image: KServe.MLSERVER_IMAGE,
        placement: placement.general,
        dependsOn: [mlflow.release.release],
      })
    : undefined;
  const modelServing = new ModelServing(scope, 'ModelServing', {
    kserve,
    namespace: namespace(WORKLOADS.modelServing.namespace),
    serviceAccountName: WORKLOADS.modelServing.serviceAccounts[0],
    roleArn: props.roles.modelServing,
    region: aws.region,
    artifactsBucket: props.buckets.artifacts,
    artifactsPrefix: BUCKET_PREFIXES.mlflowArtifacts,
    placement: placement.general,
    highlyAvailable: production,
    models: Object.fromEntries(
      Object.entries(serving.models).map(([name, { artifactPath, nodePool, ...model }]) => [
        name,
        {
          ...model,
          storageUri: `s3://${props.buckets.artifacts}/${artifactPath}`,
          ...(nodePool ? { placement: poolPlacementOf(environment, nodePool) } : {}),
        },
      ]),
    ),
    // A model serving the example then starts with its files in place instead of retrying the download.
    dependsOn: exampleModel ? [exampleModel.ready] : undefined,
  });
  return { certManager, kserve, exampleModel, modelServing };
}
