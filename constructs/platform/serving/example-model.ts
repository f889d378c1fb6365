import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ManifestsRelease } from '../../helm/manifests-release';
import { contentDigest, readOnlyContainerSecurity, type KubernetesObject, type Placement } from '../../kubernetes/objects';
import type { Mlflow } from '../mlflow';
import { check, checkLabel } from '../validation';

/**
 * What the example needs of the tracking server. The Job runs in its namespace, next to the server, so the
 * namespace's own-pods network policy lets it through, and signs in with its admin Secret.
 */
export type ExampleModelTracking = Pick<Mlflow, 'namespace' | 'trackingUri' | 'adminSecretName' | 'artifactsPrefix'>;

/** Props of {@link ExampleModel}. */
export interface ExampleModelProps {
  readonly tracking: ExampleModelTracking;
  /**
   * Python image with mlflow and scikit-learn. Use the image of the runtime that serves the model
   * (`KServe.MLSERVER_IMAGE` for `modelFormat: mlflow`): a pickle loads only with the library versions that wrote it.
   */
  readonly image: string;
  /** @default 'iris-example' */
  readonly registeredModelName?: string;
  /** Where the model goes, under `mlflow-artifacts:/`. @default 'examples/iris/1' */
  readonly artifactPath?: string;
  /** The `general` node pool. */
  readonly placement: Placement;
  /** The tracking server's release. @default none */
  readonly dependsOn?: ITerraformDependable[];
}

/** Runs in the runtime's image: mlflow 2 client, which the MLflow 3 server answers. */
const SCRIPT = `import os, tempfile
import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

name, uri = os.environ["MODEL_NAME"], os.environ["MODEL_URI"]
client = MlflowClient()
if client.search_model_versions(f"name='{name}'"):
    print(f"{name} is registered already, nothing to do")
    raise SystemExit(0)

features, species = load_iris(return_X_y=True, as_frame=True)
model = LogisticRegression(max_iter=1000).fit(features, species)
mlflow.set_experiment("examples")
with mlflow.start_run(run_name=name) as run:
    mlflow.log_metric("training_accuracy", model.score(features, species))
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model")
        mlflow.sklearn.save_model(model, path, signature=infer_signature(features, model.predict(features)))
        get_artifact_repository(uri).log_artifacts(path)
try:
    client.create_registered_model(name, description="Iris classifier published by the platform as a serving example")
except MlflowException as error:
    if error.error_code != "RESOURCE_ALREADY_EXISTS":
        raise
version = client.create_model_version(name, source=uri, run_id=run.info.run_id)
print(f"registered {name} version {version.version} from {uri}")
`;

/**
 * Trains a small iris classifier once, stores it (MLflow `sklearn` flavour) at a fixed path through the
 * tracking server's artifact proxy and registers it as version 1 of a model, with the run that trained it.
 * The fixed path lets an environment's config serve the model from its first deploy. Idempotent: does
 * nothing once the registered model has a version. For trying the platform out, not for production: it
 * signs in as the MLflow admin.
 */
export class ExampleModel extends Construct {
  readonly registeredModelName: string;
  /** `mlflow-artifacts:/<artifactPath>`, the registered version's source. */
  readonly artifactUri: string;
  /** Key of the model directory in the artifacts bucket: what `platform.serving.models.<name>.artifactPath` names. */
  readonly bucketKey: string;
  readonly release: ManifestsRelease;
  /** Depend on this: the model is stored and registered. */
  readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: ExampleModelProps) {
    super(scope, id);
    const where = this.node.path;
    const { tracking } = props;
    this.registeredModelName = props.registeredModelName ?? 'iris-example';
    const artifactPath = props.artifactPath ?? 'examples/iris/1';
    checkLabel(where, 'tracking.namespace', tracking.namespace);
    checkLabel(where, 'tracking.adminSecretName', tracking.adminSecretName);
    check(where, 'registeredModelName', this.registeredModelName, /^[A-Za-z0-9][\w.-]{0,99}$/, 'must be letters, digits, . _ -');
    check(where, 'artifactPath', artifactPath, /^[\w.-]+(\/[\w.-]+)*$/, 'must be a relative path without leading or trailing slashes');
    check(where, 'image', props.image, /^\S+:[\w][\w.-]{0,127}$/, 'must name a tag');
    this.artifactUri = `mlflow-artifacts:/${artifactPath}`;
    this.bucketKey = `${tracking.artifactsPrefix}/${artifactPath}`;

    const fromAdmin = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: tracking.adminSecretName, key } } });
    // Jobs are immutable: a new name whenever what it does changes.
    const digest = contentDigest({ image: props.image, name: this.registeredModelName, uri: this.artifactUri, SCRIPT }).slice(0, 8);
    const job: KubernetesObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: `example-model-${digest}`, namespace: tracking.namespace },
      spec: {
        backoffLimit: 4,
        activeDeadlineSeconds: 900,
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'example-model' } },
          spec: {
            restartPolicy: 'OnFailure',
            automountServiceAccountToken: false,
            nodeSelector: props.placement.nodeSelector,
            tolerations: props.placement.tolerations,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'train',
                image: props.image,
                command: ['python', '-c', SCRIPT],
                env: [
                  { name: 'MODEL_NAME', value: this.registeredModelName },
                  { name: 'MODEL_URI', value: this.artifactUri },
                  { name: 'MLFLOW_TRACKING_URI', value: tracking.trackingUri },
                  fromAdmin('MLFLOW_TRACKING_USERNAME', 'admin_username'),
                  fromAdmin('MLFLOW_TRACKING_PASSWORD', 'admin_password'),
                  // Caches and temporary files go to the emptyDir: the root filesystem is read-only.
                  { name: 'HOME', value: '/tmp' },
                  { name: 'MPLCONFIGDIR', value: '/tmp' },
                ],
                resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
                securityContext: readOnlyContainerSecurity(),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }],
          },
        },
      },
    };
    this.release = new ManifestsRelease(this, 'Release', {
      releaseName: 'example-model',
      namespace: tracking.namespace,
      manifests: [job],
      waitForJobs: true,
      timeoutSeconds: 900,
      dependsOn: props.dependsOn,
    });
    this.ready = this.release.helmRelease.release;
  }
}
