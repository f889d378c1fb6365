import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { HelmRelease } from '../../helm/helm-release';
import { requireResources, valuesAt, type HelmValues } from '../../helm/values';
import type { ChartImages, ImageMirror } from '../../images/image-mirror';

import type { CertManager } from './cert-manager';
import { checkRegion } from '../validation';
import type { Endpoint } from '../../kubernetes/endpoint';
import type { ChartComponentProps } from '../component';

/** Props of {@link KServe}. */
/** `values` and `overrides` are kserve-resources'. */
export interface KServeProps extends ChartComponentProps {
  /** Issues the controller's webhook certificate; its release must exist first. */
  readonly certManager: CertManager;
  /** AWS region of the model buckets: the storage initializer's default S3 region. */
  readonly region: string;
}

const REPOSITORY = 'oci://ghcr.io/kserve/charts';
const VERSION = 'v0.20.0';
/** MLServer, the runtime of `mlflow` models (and of v2 sklearn, xgboost and lightgbm), pinned. */
const MLSERVER = { image: 'docker.io/seldonio/mlserver', tag: '1.5.0' } as const;

/** `kserve-resources`' image keys (`kserve.<path>.image`) and their repositories. */
const RESOURCES_IMAGES = {
  agent: 'kserve/agent',
  router: 'kserve/router',
  storage: 'kserve/storage-initializer',
  controller: 'kserve/kserve-controller',
  'servingruntime.art': 'kserve/art-explainer',
  'localmodel.controller': 'kserve/kserve-localmodel-controller',
  'localmodel.agent': 'kserve/kserve-localmodelnode-agent',
};

/** `kserve-runtime-configs`' runtimes (`kserve.servingruntime.<runtime>.image`) and their repositories. */
const RUNTIME_IMAGES = {
  tensorflow: 'tensorflow/serving',
  mlserver: MLSERVER.image,
  sklearnserver: 'kserve/sklearnserver',
  xgbserver: 'kserve/xgbserver',
  huggingfaceserver: 'kserve/huggingfaceserver',
  // ECR cannot cache nvcr.io: the image mirror leaves it as it is.
  tritonserver: 'nvcr.io/nvidia/tritonserver',
  pmmlserver: 'kserve/pmmlserver',
  predictiveserver: 'kserve/predictiveserver',
  paddleserver: 'kserve/paddleserver',
  lgbserver: 'kserve/lgbserver',
  autogluonserver: 'kserve/autogluonserver',
  torchserve: 'pytorch/torchserve-kfs',
  vllmserver: 'vllm/vllm-openai',
  art: 'kserve/art-explainer',
};

/** `images` of {@link RESOURCES_IMAGES} or {@link RUNTIME_IMAGES} at `kserve.<prefix><key>.image`, through the mirror. */
const imagesAt =
  (prefix: string, images: Record<string, string>, extra: (mirror: ImageMirror) => Record<string, string> = () => ({})): ChartImages =>
  (mirror) =>
    valuesAt({
      ...Object.fromEntries(Object.entries(images).map(([key, image]) => [`kserve.${prefix}${key}.image`, mirror.repository(image)])),
      ...extra(mirror),
    });

/**
 * KServe (charts `kserve-crd`, `kserve-resources` and `kserve-runtime-configs` v0.20.0) in Standard mode:
 * InferenceServices become plain Deployments, Services and HPAs, with no Knative and no Istio. KServe
 * creates no Ingress or Gateway: models are reached through their ClusterIP Service. The controller's
 * webhook certificate comes from cert-manager. Depend on {@link ready} before creating InferenceServices.
 */
export class KServe extends Construct {
  static readonly CRD_CHART = { repository: REPOSITORY, chart: 'kserve-crd', version: VERSION };
  static readonly CHART = { repository: REPOSITORY, chart: 'kserve-resources', version: VERSION };
  /** Since v0.17 the ClusterServingRuntimes (sklearn, xgboost, MLServer for mlflow…) ship in their own chart. */
  static readonly RUNTIMES_CHART = { repository: REPOSITORY, chart: 'kserve-runtime-configs', version: VERSION };
  /**
   * The image of the `kserve-mlserver` runtime. Train pickled models (sklearn, mlflow's sklearn flavour) with
   * its Python packages, or the server may fail to unpickle them (numpy and scikit-learn versions).
   */
  static readonly MLSERVER_IMAGE = `${MLSERVER.image}:${MLSERVER.tag}`;
  readonly namespace: string;
  readonly crds: HelmRelease;
  readonly release: HelmRelease;
  /** The admission webhook the API server calls (port fixed by the chart). */
  readonly webhook: Endpoint;
  readonly runtimes: HelmRelease;
  /** Depend on this: CRDs, controller, admission webhooks and serving runtimes are in place. */
  readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: KServeProps) {
    super(scope, id);
    const where = this.node.path;
    checkRegion(where, props.region);
    this.namespace = props.namespace;

    this.crds = new HelmRelease(this, 'Crds', {
      releaseName: 'kserve-crd',
      namespace: props.namespace,
      chart: KServe.CRD_CHART,
      values: {},
      dependsOn: props.dependsOn,
    });

    const computed: HelmValues = {
      kserve: {
        controller: { nodeSelector: props.placement.nodeSelector, tolerations: props.placement.tolerations },
        // Region of every S3 download unless the service account says otherwise (IRSA supplies credentials).
        storage: { s3: { region: props.region } },
      },
    };
    this.release = new HelmRelease(this, 'Release', {
      releaseName: 'kserve',
      namespace: props.namespace,
      chart: KServe.CHART,
      // The chart gives the proxy's image whole, tag included: the tag is the chart's, repeated here.
      images: imagesAt('', RESOURCES_IMAGES, (mirror) => ({
        'kserve.controller.rbacProxyImage': mirror.image('quay.io/brancz/kube-rbac-proxy:v0.18.0'),
      })),
      values: { ...props.values, computed, overrides: props.overrides },
      dependsOn: [this.crds.release, props.certManager.release.release],
    });
    this.webhook = { namespace: props.namespace, service: 'kserve-webhook-server-service', port: 443, targetPort: 9443 };
    checkMerged(where, this.release.values);

    // Its ClusterServingRuntimes pass through the controller's validating webhook: the controller comes first.
    this.runtimes = new HelmRelease(this, 'Runtimes', {
      releaseName: 'kserve-runtime-configs',
      namespace: props.namespace,
      chart: KServe.RUNTIMES_CHART,
      images: imagesAt('servingruntime.', RUNTIME_IMAGES),
      // `kserve.servingruntime.<runtime>.{image,tag}` as in the chart since v0.17 (not vendored: see the tests).
      values: {
        computed: { kserve: { servingruntime: { enabled: true, mlserver: { ...MLSERVER } }, llmisvcConfigs: { enabled: false } } },
      },
      dependsOn: [this.release.release],
    });
    this.ready = this.runtimes.release;
  }
}

/** What the values files and overrides must not undo. */
function checkMerged(where: string, values: HelmValues): void {
  const kserve = (values.kserve ?? {}) as {
    controller?: {
      deploymentMode?: string;
      resources?: unknown;
      rbacProxy?: { resources?: unknown };
      gateway?: { disableIngressCreation?: boolean; ingressGateway?: { createGateway?: boolean; enableGatewayApi?: boolean } };
    };
    storage?: { resources?: unknown };
  };
  const controller = kserve.controller ?? {};
  if (controller.deploymentMode !== 'Standard') {
    throw new Error(
      `${where}: kserve.controller.deploymentMode must be 'Standard' (got '${controller.deploymentMode}'): the cluster has no Knative`,
    );
  }
  const gateway = controller.gateway ?? {};
  if (gateway.disableIngressCreation !== true || gateway.ingressGateway?.createGateway || gateway.ingressGateway?.enableGatewayApi) {
    throw new Error(
      `${where}: kserve.controller.gateway must keep disableIngressCreation true and createGateway/enableGatewayApi false: models stay ClusterIP until the platform ALB`,
    );
  }
  requireResources(where, values, ['kserve.controller', 'kserve.controller.rbacProxy', 'kserve.storage']);
}
