import { Construct } from 'constructs';
import { ManifestsRelease } from '../../helm/manifests-release';
import { irsaServiceAccount, type KubernetesObject } from '../../kubernetes/objects';
import { inferenceService, predictorEndpoint, predictorLabels, predictorUrl, type ModelSpec } from './inference-service';
import type { KServe } from './kserve';
import { checkLabel, checkRegion, checkRoleArn } from '../validation';
import type { Endpoint } from '../../kubernetes/endpoint';
import type { AvailabilityProps, AwsWorkloadProps, ComponentProps } from '../component';

/** Props of {@link ModelServing}. */
export interface ModelServingProps extends ComponentProps, AwsWorkloadProps, Pick<AvailabilityProps, 'highlyAvailable'> {
  /** Its controller, webhooks and runtimes must exist before the models. */
  readonly kserve: KServe;
  /** Must be the service account the IRSA role trusts. @default 'model-serving' */
  readonly serviceAccountName?: string;
  /** Bucket of the MLflow artifacts (a token is fine). */
  readonly artifactsBucket: string;
  /** Key prefix the role may read, without slashes at the ends; every model must be under it. @default 'mlflow' */
  readonly artifactsPrefix?: string;
  /** Models to serve, by InferenceService name. @default none */
  readonly models?: Readonly<Record<string, ModelSpec>>;
}

/**
 * The serving namespace's workloads: a service account bound to the serving IRSA role and annotated so
 * KServe's storage initializer reads S3 with it, and one InferenceService per configured model (with a
 * disruption budget from 2 replicas on), installed after KServe.
 */
export class ModelServing extends Construct {
  readonly namespace: string;
  readonly serviceAccountName: string;
  /** In-cluster URL of each model's predictor (`/v2/models/<name>/infer` for v2 runtimes), by model name. */
  readonly endpoints: Readonly<Record<string, string>>;
  /** Each model's predictor Service, by model name. */
  readonly predictors: Readonly<Record<string, Endpoint>>;
  readonly release: ManifestsRelease;

  constructor(scope: Construct, id: string, props: ModelServingProps) {
    super(scope, id);
    const where = this.node.path;
    // Highly available: every model runs at least 2 replicas, spread over zones.
    const highlyAvailable = props.highlyAvailable ?? false;
    const prefix = props.artifactsPrefix ?? 'mlflow';
    this.namespace = props.namespace;
    this.serviceAccountName = props.serviceAccountName ?? 'model-serving';
    checkLabel(where, 'namespace', props.namespace);
    checkLabel(where, 'serviceAccountName', this.serviceAccountName);
    checkRoleArn(where, props.roleArn);
    checkRegion(where, props.region);
    if (!/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/.test(prefix)) {
      throw new Error(`${where}: artifactsPrefix '${prefix}' must be a key prefix without leading or trailing slashes, such as 'mlflow'`);
    }

    const models = props.models ?? {};
    // Same text whether the bucket is a literal or a token: the role reads this prefix and nothing else.
    const readable = `s3://${props.artifactsBucket}/${prefix}/`;
    for (const [name, spec] of Object.entries(models)) {
      if (!spec.storageUri.startsWith(readable)) {
        throw new Error(
          `${where}: models.${name}.storageUri '${spec.storageUri}' must be under ${readable}: the serving role reads only there`,
        );
      }
    }

    const defaults = {
      namespace: props.namespace,
      serviceAccountName: this.serviceAccountName,
      placement: props.placement,
      highlyAvailable,
    };
    const manifests: KubernetesObject[] = [
      // Model servers never call the Kubernetes API.
      irsaServiceAccount(this.serviceAccountName, props.namespace, props.roleArn, {
        // Read by KServe's credential builder when the account carries an IRSA role: it sets S3_ENDPOINT,
        // AWS_ENDPOINT_URL, S3_USE_HTTPS and AWS_REGION on the storage initializer; the EKS webhook adds the token.
        annotations: {
          'serving.kserve.io/s3-endpoint': `s3.${props.region}.amazonaws.com`,
          'serving.kserve.io/s3-usehttps': '1',
          'serving.kserve.io/s3-region': props.region,
          'serving.kserve.io/s3-useanoncredential': 'false',
        },
      }),
      ...Object.entries(models).flatMap(([name, spec]) => [
        inferenceService(name, spec, defaults),
        // KServe creates no disruption budget of its own.
        ...(spec.minReplicas >= 2
          ? [
              {
                apiVersion: 'policy/v1',
                kind: 'PodDisruptionBudget',
                metadata: { name: `${name}-predictor`, namespace: props.namespace },
                spec: { maxUnavailable: 1, selector: { matchLabels: predictorLabels(name) } },
              },
            ]
          : []),
      ]),
    ];
    this.endpoints = Object.fromEntries(Object.keys(models).map((name) => [name, predictorUrl(name, props.namespace)]));
    this.predictors = Object.fromEntries(Object.keys(models).map((name) => [name, predictorEndpoint(name, props.namespace)]));

    this.release = new ManifestsRelease(this, 'Models', {
      releaseName: 'model-serving',
      namespace: props.namespace,
      manifests,
      dependsOn: [props.kserve.ready, ...(props.dependsOn ?? [])],
    });
  }
}
