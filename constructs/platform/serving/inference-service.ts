import { NVIDIA_GPU_RESOURCE } from '../../cluster/accelerators';
import { Token } from 'cdktf';
import { zoneSpread, type KubernetesObject, type Placement, type Resources } from '../../kubernetes/objects';
import { check, checkGpus, checkLabel } from '../validation';
import type { Endpoint } from '../../kubernetes/endpoint';

/** Model formats the KServe runtimes of `kserve-runtime-configs` serve (MLServer serves `mlflow`). */
export const MODEL_FORMATS = ['mlflow', 'sklearn', 'xgboost', 'lightgbm', 'tensorflow', 'pytorch', 'onnx', 'huggingface'] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

/** One served model, as teams configure it (`platform.serving.models.<name>`). */
export interface ModelSpec {
  /** `s3://<bucket>/<key>` of the model directory, e.g. an MLflow run's `…/artifacts/model`. */
  readonly storageUri: string;
  readonly modelFormat: ModelFormat;
  /** ClusterServingRuntime to use. @default the runtime KServe selects for the format (`kserve-mlserver` for mlflow) */
  readonly runtime?: string;
  /** Inference protocol. @default 'v2' for mlflow (MLServer speaks only v2), else the runtime's default */
  readonly protocolVersion?: 'v1' | 'v2';
  /** Of the model server container. */
  readonly resources: Resources;
  /** At least 2 where the models are highly available. */
  readonly minReplicas: number;
  /** The HPA scales on CPU up to this; equal to {@link minReplicas} for a fixed size. */
  readonly maxReplicas: number;
  /** The node pool of its replicas. @default the defaults' placement (the general pool) */
  readonly placement?: Placement;
  /** NVIDIA GPUs per replica, in the model container's limits (`nvidia.com/gpu`). @default none */
  readonly gpus?: number;
  /**
   * Where KServe's agent posts each request and response as a CloudEvent (`spec.predictor.logger`), e.g. a
   * pipeline's prediction logger. @default no request log
   */
  readonly requestLog?: { readonly url: string; readonly mode: 'all' | 'request' | 'response' };
}

/** What every platform model shares: where it runs and as whom. */
export interface ModelDefaults {
  readonly namespace: string;
  /** Service account bound to the serving IRSA role; the storage initializer downloads with it. */
  readonly serviceAccountName: string;
  readonly placement: Placement;
  /** At least 2 replicas of every model, spread over zones. */
  readonly highlyAvailable: boolean;
}

/** Labels KServe puts on the predictor pods of an InferenceService. */
export function predictorLabels(name: string): Record<string, string> {
  return { 'serving.kserve.io/inferenceservice': name, component: 'predictor' };
}

/**
 * Label on the predictor pods of models MLServer serves (the `mlflow` format's runtime, or `kserve-mlserver` by
 * name): MLServer publishes its metrics on a port of its own, {@link MLSERVER_METRICS_PORT}, which no other
 * runtime opens, so only these pods are scraped there.
 */
export const MLSERVER_METRICS_LABELS = { 'mlops-platform/metrics': 'mlserver' } as const;
/** MLServer 1.5's `metrics_port`: `/metrics` with per-model request counts and REST latency histograms. */
export const MLSERVER_METRICS_PORT = 8082;

/** Whether MLServer serves a model: named, or the runtime KServe selects for `mlflow`, the one format only MLServer serves. */
export function servedByMlserver(spec: Pick<ModelSpec, 'runtime' | 'modelFormat'>): boolean {
  return spec.runtime === 'kserve-mlserver' || (spec.runtime === undefined && spec.modelFormat === 'mlflow');
}

/** KServe's model servers listen on 8080; each predictor's Service forwards port 80 to it. */
export const PREDICTOR_PORT = 8080;

/** The Service of a model's predictor. */
export function predictorEndpoint(name: string, namespace: string): Endpoint {
  return { namespace, service: `${name}-predictor`, port: 80, targetPort: PREDICTOR_PORT };
}

export function predictorUrl(name: string, namespace: string): string {
  return `http://${name}-predictor.${namespace}.svc.cluster.local`;
}

/**
 * A `serving.kserve.io/v1beta1` InferenceService for one model: predictor on the given pool under the serving
 * service account (IRSA), non-root and Pod Security `restricted`-compatible, scaled by an HPA between
 * `minReplicas` and `maxReplicas`, spread over zones from 2 replicas on.
 */
export function inferenceService(name: string, spec: ModelSpec, defaults: ModelDefaults): KubernetesObject {
  const where = `InferenceService ${defaults.namespace}/${name}`;
  validate(where, name, spec, defaults);
  const protocolVersion = spec.protocolVersion ?? (spec.modelFormat === 'mlflow' ? 'v2' : undefined);
  const spread = spec.minReplicas >= 2;
  const placement = spec.placement ?? defaults.placement;
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: {
      name,
      namespace: defaults.namespace,
      labels: { 'app.kubernetes.io/part-of': 'mlops-platform' },
      // Explicit, so a change of the controller's default never turns a model into a Knative service.
      annotations: { 'serving.kserve.io/deploymentMode': 'Standard' },
    },
    spec: {
      predictor: {
        minReplicas: spec.minReplicas,
        maxReplicas: spec.maxReplicas,
        // Added to the predictor pods, where the model-server PodMonitor selects them.
        ...(servedByMlserver(spec) ? { labels: { ...MLSERVER_METRICS_LABELS } } : {}),
        serviceAccountName: defaults.serviceAccountName,
        ...(spec.requestLog ? { logger: { mode: spec.requestLog.mode, url: spec.requestLog.url } } : {}),
        nodeSelector: { ...placement.nodeSelector },
        tolerations: placement.tolerations.map((t) => ({ ...t })),
        ...(spread ? { topologySpreadConstraints: zoneSpread(predictorLabels(name)) } : {}),
        // Pod level, so the storage initializer the controller injects is covered too.
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        model: {
          modelFormat: { name: spec.modelFormat },
          ...(spec.runtime ? { runtime: spec.runtime } : {}),
          ...(protocolVersion ? { protocolVersion } : {}),
          storageUri: spec.storageUri,
          resources: {
            requests: { ...spec.resources.requests },
            // An extended resource is requested by its limit alone.
            limits: { ...spec.resources.limits, ...(spec.gpus ? { [NVIDIA_GPU_RESOURCE]: String(spec.gpus) } : {}) },
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
        },
      },
    },
  };
}

const QUANTITY = /^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;

function validate(where: string, name: string, spec: ModelSpec, defaults: ModelDefaults): void {
  const fail = (message: string) => {
    throw new Error(`${where}: ${message}`);
  };
  // DNS-1035 (KServe's rule), short enough for `<name>-predictor` to stay a 63-character label.
  if (!/^[a-z]([-a-z0-9]{0,51}[a-z0-9])?$/.test(name)) {
    fail(`name '${name}' must start with a letter, hold lower-case letters, digits and hyphens, and be at most 53 characters`);
  }
  if (!(MODEL_FORMATS as readonly string[]).includes(spec.modelFormat)) {
    fail(`modelFormat '${spec.modelFormat}' must be one of ${MODEL_FORMATS.join(', ')}`);
  }
  check(where, 'storageUri', spec.storageUri, /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+$/, 'must be s3://<bucket>/<key>');
  if (spec.requestLog) check(where, 'requestLog.url', spec.requestLog.url, /^https?:\/\/\S+$/, 'must be an http:// or https:// URL');
  if (spec.runtime !== undefined) checkLabel(where, 'runtime', spec.runtime);
  if (spec.modelFormat === 'mlflow' && spec.protocolVersion === 'v1') {
    fail(`protocolVersion 'v1' cannot serve mlflow models: MLServer speaks only v2`);
  }
  for (const [prop, value] of [
    ['minReplicas', spec.minReplicas],
    ['maxReplicas', spec.maxReplicas],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 50) fail(`${prop} must be a whole number from 1 to 50 (got ${value})`);
  }
  if (spec.maxReplicas < spec.minReplicas) {
    fail(`maxReplicas (${spec.maxReplicas}) must be at least minReplicas (${spec.minReplicas})`);
  }
  checkGpus(where, 'gpus', spec.gpus, spec.placement);
  if (defaults.highlyAvailable && spec.minReplicas < 2) {
    fail(
      `minReplicas must be at least 2 to be highly available (got ${spec.minReplicas}); raise platform.serving.models.${name}.minReplicas`,
    );
  }
  const { requests, limits } = spec.resources;
  for (const [prop, value] of [
    ['resources.requests.cpu', requests.cpu],
    ['resources.requests.memory', requests.memory],
    ['resources.limits.memory', limits.memory],
    ...(limits.cpu === undefined ? [] : [['resources.limits.cpu', limits.cpu] as const]),
  ] as const) {
    if (!Token.isUnresolved(value) && !QUANTITY.test(value)) fail(`${prop} '${value}' must be a Kubernetes quantity such as 500m or 1Gi`);
  }
  checkLabel(where, 'namespace', defaults.namespace);
  checkLabel(where, 'serviceAccountName', defaults.serviceAccountName);
}
