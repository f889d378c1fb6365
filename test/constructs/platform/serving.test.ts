import { poolPlacement, poolTaints } from '../../../constructs/cluster/node-pool';
import { TerraformVariable } from 'cdktf';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { mergeValues, type HelmValues } from '../../../constructs/helm/values';
import type { KubernetesObject, Placement } from '../../../constructs/kubernetes/objects';
import {
  CertManager,
  ExampleModel,
  inferenceService,
  MLSERVER_METRICS_LABELS,
  KServe,
  ModelServing,
  type CertManagerProps,
  type ExampleModelProps,
  type ModelDefaults,
  type ModelServingProps,
  type ModelSpec,
} from '../../../constructs/platform/serving';
import { loadValuesFiles } from '../../../constructs/helm/values-files';
import { chartDefaults, chartVersion, schemaViolations, unknownKeys } from '../../support/chart-values';
import { resources, synthScope, type StackJson } from '../../support/synth';
import { vendoredChart } from '../../support/vendored';

const GENERAL: Placement = {
  nodeSelector: { 'mlops-platform/node-pool': 'general' },
  tolerations: [{ key: 'mlops-platform/node-pool', operator: 'Equal', value: 'general', effect: 'NoSchedule' }],
};
const ROLE_ARN = 'arn:aws:iam::123456789012:role/mlops-test-model-serving';
const BUCKET = 'mlops-test-123456789012-eu-west-1-artifacts';
const MODEL_URI = `s3://${BUCKET}/mlflow/1/0123456789abcdef/artifacts/model`;
const MODEL: ModelSpec = {
  storageUri: MODEL_URI,
  modelFormat: 'mlflow',
  resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
  minReplicas: 1,
  maxReplicas: 3,
};

type Built = { certManager: CertManager; kserve: KServe; serving: ModelServing; json: StackJson };

/** The whole component as the platform stack wires it. */
function build(
  options: { highlyAvailable?: boolean; env?: string; certManager?: Partial<CertManagerProps>; serving?: Partial<ModelServingProps> } = {},
): Built {
  const env = options.env ?? 'dev';
  const highlyAvailable = options.highlyAvailable ?? false;
  let built: Omit<Built, 'json'> | undefined;
  const json = synthScope((scope) => {
    const certManager = new CertManager(scope, 'CertManager', {
      namespace: 'cert-manager',
      values: loadValuesFiles('cert-manager', env),
      placement: GENERAL,
      highlyAvailable,
      ...options.certManager,
    });
    const kserve = new KServe(scope, 'KServe', {
      namespace: 'kserve',
      values: loadValuesFiles('kserve-resources', env),
      certManager,
      region: 'eu-west-1',
      placement: GENERAL,
    });
    const serving = new ModelServing(scope, 'ModelServing', {
      kserve,
      namespace: 'model-serving',
      roleArn: ROLE_ARN,
      region: 'eu-west-1',
      artifactsBucket: BUCKET,
      models: { churn: highlyAvailable ? { ...MODEL, minReplicas: 2 } : MODEL },
      placement: GENERAL,
      highlyAvailable,
      ...options.serving,
    });
    built = { certManager, kserve, serving };
  });
  return { ...built!, json };
}

const at = (values: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as HelmValues | undefined)?.[k], values);
const releaseNamed = (json: StackJson, name: string) => {
  const found = Object.entries(resources(json, 'helm_release')).find(([, r]) => r.name === name);
  if (!found) throw new Error(`no helm_release ${name}`);
  return { id: found[0], resource: found[1] };
};
const manifest = (serving: ModelServing, kind: string, name: string): KubernetesObject => {
  const found = serving.release.manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const DEFAULTS: ModelDefaults = {
  namespace: 'model-serving',
  serviceAccountName: 'model-serving',
  placement: GENERAL,
  highlyAvailable: false,
};

describe('CertManager', () => {
  it('passes the chart schema (28 closed objects) in dev and production', () => {
    expect(schemaViolations('cert-manager', build().certManager.release.values)).toEqual([]);
    expect(schemaViolations('cert-manager', build({ highlyAvailable: true, env: 'prod' }).certManager.release.values)).toEqual([]);
  });

  it('would be caught by the schema: an unknown key in a closed object', () => {
    const { values } = build().certManager.release;
    expect(schemaViolations('cert-manager', { ...values, crds: { enabled: true, install: true } })).not.toEqual([]);
    expect(schemaViolations('cert-manager', { ...values, webhook: { ...(values.webhook as HelmValues), replicas: 2 } })).not.toEqual([]);
  });

  it('installs the published chart (its git Chart.yaml carries a placeholder) with its CRDs', () => {
    const { json, certManager } = build();
    expect(CertManager.CHART).toEqual({ repository: 'oci://quay.io/jetstack/charts', chart: 'cert-manager', version: 'v1.21.1' });
    expect(releaseNamed(json, 'cert-manager').resource).toMatchObject({
      chart: vendoredChart('cert-manager', 'v1.21.1'),
      version: 'v1.21.1',
      namespace: 'cert-manager',
      wait_for_jobs: true,
    });
    expect(at(certManager.release.values, 'crds.enabled')).toBe(true);
    expect(chartDefaults('cert-manager').crds).toEqual({ enabled: false, keep: true });
  });

  it('places every component on the general pool with resources', () => {
    const { values } = build().certManager.release;
    for (const prefix of ['', 'webhook.', 'cainjector.', 'startupapicheck.']) {
      expect(at(values, `${prefix}nodeSelector`)).toEqual(GENERAL.nodeSelector);
      expect(at(values, `${prefix}tolerations`)).toEqual(GENERAL.tolerations);
      expect(at(values, `${prefix}resources.requests.cpu`)).toBeTruthy();
      expect(at(values, `${prefix}resources.limits.memory`)).toBeTruthy();
    }
  });

  it('runs one replica of each without budgets in dev, two with budgets and zone spread in production', () => {
    const dev = build().certManager.release.values;
    const prod = build({ highlyAvailable: true, env: 'prod' }).certManager.release.values;
    for (const [prefix, component] of [
      ['', 'controller'],
      ['webhook.', 'webhook'],
      ['cainjector.', 'cainjector'],
    ]) {
      expect(at(dev, `${prefix}replicaCount`)).toBe(1);
      expect(at(dev, `${prefix}podDisruptionBudget`)).toEqual({ enabled: false });
      expect(at(dev, `${prefix}topologySpreadConstraints`)).toEqual([]);
      expect(at(prod, `${prefix}replicaCount`)).toBe(2);
      expect(at(prod, `${prefix}podDisruptionBudget`)).toEqual({ enabled: true, maxUnavailable: 1 });
      expect(at(prod, `${prefix}topologySpreadConstraints`)).toEqual([
        expect.objectContaining({
          topologyKey: 'topology.kubernetes.io/zone',
          labelSelector: { matchLabels: { 'app.kubernetes.io/instance': 'cert-manager', 'app.kubernetes.io/component': component } },
        }),
      ]);
    }
  });

  it('keeps the restricted security contexts of the chart', () => {
    const merged = mergeValues(chartDefaults('cert-manager'), build().certManager.release.values);
    for (const prefix of ['', 'webhook.', 'cainjector.', 'startupapicheck.']) {
      expect(at(merged, `${prefix}securityContext`)).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(at(merged, `${prefix}containerSecurityContext`)).toEqual({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
      });
    }
  });

  it('refuses values that drop the CRDs or resources', () => {
    expect(() => build({ certManager: { overrides: { crds: { enabled: false } } } })).toThrow(/crds.enabled must stay true/);
    expect(() => build({ certManager: { values: {} } })).toThrow(
      /CertManager: resources must set requests.cpu, requests.memory and limits.memory/,
    );
    expect(() => build({ certManager: { overrides: { webhook: { resources: null } } } })).toThrow(/webhook.resources must set/);
  });
});

describe('KServe', () => {
  it('sets only keys the kserve-resources chart knows (it has no schema)', () => {
    const { values } = build().kserve.release;
    // The chart renders the storage initializer's security context whole (toYaml) into its ClusterStorageContainer.
    expect(unknownKeys('kserve-resources', values, ['kserve.storage.containerSecurityContext'])).toEqual([]);
    expect(unknownKeys('kserve-resources', values)).toEqual(['kserve.storage.containerSecurityContext.seccompProfile']);
    expect(unknownKeys('kserve-resources', { kserve: { controller: { replicas: 2 } } })).toEqual(['kserve.controller.replicas']);
  });

  it('installs the pinned CRD chart, then the controller after cert-manager, then the runtimes', () => {
    const { json } = build();
    expect(KServe.CRD_CHART.version).toBe(chartVersion('kserve-crd'));
    expect(KServe.CHART.version).toBe(chartVersion('kserve-resources'));
    const crds = releaseNamed(json, 'kserve-crd');
    const controller = releaseNamed(json, 'kserve');
    const runtimes = releaseNamed(json, 'kserve-runtime-configs');
    const certManager = releaseNamed(json, 'cert-manager');
    expect(crds.resource).toMatchObject({
      chart: vendoredChart('kserve-crd', 'v0.20.0'),
      version: 'v0.20.0',
      namespace: 'kserve',
    });
    expect(controller.resource).toMatchObject({
      chart: vendoredChart('kserve-resources', 'v0.20.0'),
      version: 'v0.20.0',
      namespace: 'kserve',
    });
    expect(controller.resource.depends_on).toEqual(expect.arrayContaining([`helm_release.${crds.id}`, `helm_release.${certManager.id}`]));
    expect(runtimes.resource).toMatchObject({ chart: vendoredChart('kserve-runtime-configs', 'v0.20.0'), version: 'v0.20.0' });
    expect(runtimes.resource.depends_on).toEqual([`helm_release.${controller.id}`]);
    expect(parse((runtimes.resource.values as string[])[0])).toEqual({
      kserve: {
        servingruntime: { enabled: true, mlserver: { image: 'docker.io/seldonio/mlserver', tag: '1.5.0' } },
        llmisvcConfigs: { enabled: false },
      },
    });
    // What ExampleModel trains with, so its pickle matches the server's libraries.
    expect(KServe.MLSERVER_IMAGE).toBe('docker.io/seldonio/mlserver:1.5.0');
  });

  it('runs in Standard mode with no ingress, gateway or Istio, on the general pool with resources', () => {
    const { values } = build().kserve.release;
    expect(chartDefaults('kserve-resources').kserve).toMatchObject({ controller: { deploymentMode: 'Knative' } });
    expect(at(values, 'kserve.controller.deploymentMode')).toBe('Standard');
    expect(at(values, 'kserve.controller.gateway')).toMatchObject({
      disableIngressCreation: true,
      disableIstioVirtualHost: true,
      ingressGateway: { createGateway: false, enableGatewayApi: false },
    });
    expect(at(values, 'kserve.controller.nodeSelector')).toEqual(GENERAL.nodeSelector);
    expect(at(values, 'kserve.controller.tolerations')).toEqual(GENERAL.tolerations);
    for (const path of ['kserve.controller.resources', 'kserve.controller.rbacProxy.resources', 'kserve.storage.resources']) {
      expect(at(values, `${path}.requests.memory`)).toBeTruthy();
      expect(at(values, `${path}.limits.memory`)).toBeTruthy();
    }
    expect(at(values, 'kserve.storage.s3.region')).toBe('eu-west-1');
    expect(at(values, 'kserve.security.autoMountServiceAccountToken')).toBe(false);
  });

  it('refuses values that bring back Knative or an ingress, or drop resources', () => {
    const withOverrides = (overrides: HelmValues) => () =>
      synthScope((scope) => {
        const certManager = new CertManager(scope, 'CertManager', {
          namespace: 'cert-manager',
          values: loadValuesFiles('cert-manager', 'dev'),
          placement: GENERAL,
        });
        new KServe(scope, 'KServe', {
          namespace: 'kserve',
          values: loadValuesFiles('kserve-resources', 'dev'),
          overrides,
          certManager,
          region: 'eu-west-1',
          placement: GENERAL,
        });
      });
    expect(withOverrides({ kserve: { controller: { deploymentMode: 'Knative' } } })).toThrow(
      /kserve.controller.deploymentMode must be 'Standard' \(got 'Knative'\)/,
    );
    expect(withOverrides({ kserve: { controller: { gateway: { disableIngressCreation: false } } } })).toThrow(
      /disableIngressCreation true/,
    );
    expect(withOverrides({ kserve: { controller: { gateway: { ingressGateway: { createGateway: true } } } } })).toThrow(/createGateway/);
    expect(withOverrides({ kserve: { controller: { resources: null } } })).toThrow(/kserve.controller.resources must set/);
  });
});

describe('inferenceService', () => {
  it('logs every request and response to the given URL only where asked', () => {
    const logged = inferenceService(
      'churn',
      { ...MODEL, requestLog: { url: 'http://logger.team-a.svc.cluster.local', mode: 'all' } },
      DEFAULTS,
    );
    expect(at(logged, 'spec.predictor.logger')).toEqual({ mode: 'all', url: 'http://logger.team-a.svc.cluster.local' });
    expect(at(inferenceService('churn', MODEL, DEFAULTS), 'spec.predictor.logger')).toBeUndefined();
    expect(() => inferenceService('churn', { ...MODEL, requestLog: { url: 'logger:8080', mode: 'all' } }, DEFAULTS)).toThrow(
      /requestLog\.url.*must be an http:\/\/ or https:\/\/ URL/,
    );
  });

  it('builds a Standard-mode v1beta1 InferenceService on the pool, as the serving account, non-root', () => {
    expect(inferenceService('churn', MODEL, DEFAULTS)).toEqual({
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        name: 'churn',
        namespace: 'model-serving',
        labels: { 'app.kubernetes.io/part-of': 'mlops-platform' },
        annotations: { 'serving.kserve.io/deploymentMode': 'Standard' },
      },
      spec: {
        predictor: {
          minReplicas: 1,
          maxReplicas: 3,
          labels: { 'mlops-platform/metrics': 'mlserver' },
          serviceAccountName: 'model-serving',
          nodeSelector: GENERAL.nodeSelector,
          tolerations: GENERAL.tolerations,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          model: {
            modelFormat: { name: 'mlflow' },
            protocolVersion: 'v2',
            storageUri: MODEL_URI,
            resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
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
    });
  });

  it('labels for scraping exactly the predictors MLServer serves: mlflow models, and kserve-mlserver by name', () => {
    const labels = (spec: Partial<typeof MODEL>) => at(inferenceService('m', { ...MODEL, ...spec }, DEFAULTS), 'spec.predictor.labels');
    expect(labels({})).toEqual(MLSERVER_METRICS_LABELS);
    expect(labels({ modelFormat: 'xgboost', runtime: 'kserve-mlserver' })).toEqual(MLSERVER_METRICS_LABELS);
    expect(labels({ modelFormat: 'sklearn' })).toBeUndefined();
    expect(labels({ runtime: 'my-runtime' })).toBeUndefined();
  });

  it('runs on the pool given, with GPUs in its limits where it asks for them on a GPU pool', () => {
    const gpuPool = poolPlacement('gpu', poolTaints('gpu', true, [], 'nvidia'));
    const model = inferenceService('llm', { ...MODEL, placement: gpuPool, gpus: 1 }, DEFAULTS);
    expect(at(model, 'spec.predictor.nodeSelector')).toEqual(gpuPool.nodeSelector);
    expect(at(model, 'spec.predictor.tolerations')).toEqual(gpuPool.tolerations);
    expect(at(model, 'spec.predictor.model.resources.limits')).toEqual({ memory: '2Gi', 'nvidia.com/gpu': '1' });
    expect(() => inferenceService('llm', { ...MODEL, gpus: 1 }, DEFAULTS)).toThrow(/gpus needs the placement of a GPU pool/);
    expect(() => inferenceService('llm', { ...MODEL, placement: gpuPool, gpus: 0 }, DEFAULTS)).toThrow(
      /gpus must be a whole number from 1 to 8 \(got 0\)/,
    );
  });

  it('leaves protocol and runtime to KServe for other formats unless given, and spreads from 2 replicas', () => {
    const sklearn = inferenceService('iris', { ...MODEL, modelFormat: 'sklearn' }, DEFAULTS);
    expect(at(sklearn, 'spec.predictor.model')).not.toHaveProperty('protocolVersion');
    expect(at(sklearn, 'spec.predictor.model')).not.toHaveProperty('runtime');
    expect(at(sklearn, 'spec.predictor')).not.toHaveProperty('topologySpreadConstraints');
    const pinned = inferenceService(
      'iris',
      { ...MODEL, modelFormat: 'xgboost', runtime: 'kserve-mlserver', protocolVersion: 'v2', minReplicas: 2 },
      DEFAULTS,
    );
    expect(at(pinned, 'spec.predictor.model.runtime')).toBe('kserve-mlserver');
    expect(at(pinned, 'spec.predictor.topologySpreadConstraints')).toEqual([
      expect.objectContaining({ labelSelector: { matchLabels: { 'serving.kserve.io/inferenceservice': 'iris', component: 'predictor' } } }),
    ]);
  });

  it('requires at least 2 replicas in production', () => {
    const prod = { ...DEFAULTS, highlyAvailable: true };
    expect(() => inferenceService('churn', MODEL, prod)).toThrow(
      /InferenceService model-serving\/churn: minReplicas must be at least 2 to be highly available \(got 1\); raise platform.serving.models.churn.minReplicas/,
    );
    expect(() => inferenceService('churn', { ...MODEL, minReplicas: 2 }, prod)).not.toThrow();
  });

  it('rejects specs it cannot deploy, naming the field and the fix', () => {
    const attempt =
      (spec: Partial<ModelSpec>, name = 'churn') =>
      () =>
        inferenceService(name, { ...MODEL, ...spec }, DEFAULTS);
    expect(attempt({}, '1churn')).toThrow(/name '1churn' must start with a letter/);
    expect(attempt({}, 'a'.repeat(54))).toThrow(/at most 53 characters/);
    expect(attempt({ modelFormat: 'pickle' as ModelSpec['modelFormat'] })).toThrow(/modelFormat 'pickle' must be one of mlflow, sklearn/);
    expect(attempt({ storageUri: 'gs://bucket/model' })).toThrow(/storageUri 'gs:\/\/bucket\/model' must be s3:\/\/<bucket>\/<key>/);
    expect(attempt({ storageUri: `s3://${BUCKET}` })).toThrow(/must be s3:\/\/<bucket>\/<key>/);
    expect(attempt({ runtime: 'KServe_MLServer' })).toThrow(/runtime 'KServe_MLServer' must be a lower-case DNS label/);
    expect(attempt({ protocolVersion: 'v1' })).toThrow(/protocolVersion 'v1' cannot serve mlflow models/);
    expect(attempt({ minReplicas: 0 })).toThrow(/minReplicas must be a whole number from 1 to 50 \(got 0\)/);
    expect(attempt({ maxReplicas: 1.5 })).toThrow(/maxReplicas must be a whole number/);
    expect(attempt({ minReplicas: 3, maxReplicas: 2 })).toThrow(/maxReplicas \(2\) must be at least minReplicas \(3\)/);
    expect(attempt({ resources: { requests: { cpu: 'half', memory: '1Gi' }, limits: { memory: '2Gi' } } })).toThrow(
      /resources.requests.cpu 'half' must be a Kubernetes quantity/,
    );
    expect(attempt({ resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2 cores', memory: '2Gi' } } })).toThrow(
      /resources.limits.cpu '2 cores'/,
    );
    expect(() => inferenceService('churn', MODEL, { ...DEFAULTS, serviceAccountName: 'Model_Serving' })).toThrow(
      /serviceAccountName 'Model_Serving' must be a lower-case DNS label/,
    );
  });
});

describe('ModelServing', () => {
  it('creates the IRSA service account with the S3 annotations the storage initializer reads', () => {
    const { serving } = build();
    expect(serving.serviceAccountName).toBe('model-serving');
    expect(manifest(serving, 'ServiceAccount', 'model-serving')).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'model-serving',
        namespace: 'model-serving',
        annotations: {
          'eks.amazonaws.com/role-arn': ROLE_ARN,
          'serving.kserve.io/s3-endpoint': 's3.eu-west-1.amazonaws.com',
          'serving.kserve.io/s3-usehttps': '1',
          'serving.kserve.io/s3-region': 'eu-west-1',
          'serving.kserve.io/s3-useanoncredential': 'false',
        },
      },
      automountServiceAccountToken: false,
    });
  });

  it('installs the models after KServe is ready, with their endpoints', () => {
    const { serving, json } = build();
    const models = releaseNamed(json, 'model-serving');
    expect(models.resource.namespace).toBe('model-serving');
    expect(models.resource.depends_on).toEqual([`helm_release.${releaseNamed(json, 'kserve-runtime-configs').id}`]);
    expect(manifest(serving, 'InferenceService', 'churn')).toMatchObject({ spec: { predictor: { serviceAccountName: 'model-serving' } } });
    expect(serving.endpoints).toEqual({ churn: 'http://churn-predictor.model-serving.svc.cluster.local' });
    expect(serving.release.manifests.some((m) => m.kind === 'PodDisruptionBudget')).toBe(false);
  });

  it('gives production models a disruption budget over their predictor pods', () => {
    const { serving } = build({ highlyAvailable: true, env: 'prod' });
    expect(manifest(serving, 'PodDisruptionBudget', 'churn-predictor').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'serving.kserve.io/inferenceservice': 'churn', component: 'predictor' } },
    });
    expect(() => build({ highlyAvailable: true, env: 'prod', serving: { models: { churn: MODEL } } })).toThrow(
      /minReplicas must be at least 2 to be highly available \(got 1\)/,
    );
  });

  it('installs just the service account when no model is configured', () => {
    const { serving } = build({ serving: { models: {} } });
    expect(serving.release.manifests.map((m) => m.kind)).toEqual(['ServiceAccount']);
    expect(serving.endpoints).toEqual({});
  });

  it('accepts a bucket known only at apply time, and checks the prefix against it', () => {
    expect(() =>
      synthScope((scope) => {
        const bucket = new TerraformVariable(scope, 'bucket', { type: 'string' }).stringValue;
        const certManager = new CertManager(scope, 'CertManager', {
          namespace: 'cert-manager',
          values: loadValuesFiles('cert-manager', 'dev'),
          placement: GENERAL,
        });
        const kserve = new KServe(scope, 'KServe', {
          namespace: 'kserve',
          values: loadValuesFiles('kserve-resources', 'dev'),
          certManager,
          region: 'eu-west-1',
          placement: GENERAL,
        });
        new ModelServing(scope, 'ModelServing', {
          kserve,
          namespace: 'model-serving',
          roleArn: ROLE_ARN,
          region: 'eu-west-1',
          artifactsBucket: bucket,
          models: { churn: { ...MODEL, storageUri: `s3://${bucket}/mlflow/1/abc/artifacts/model` } },
          placement: GENERAL,
        });
      }),
    ).not.toThrow();
  });

  it('rejects props it cannot deploy, naming the prop and the fix', () => {
    const attempt = (serving: Partial<ModelServingProps>) => () => build({ serving });
    expect(attempt({ models: { churn: { ...MODEL, storageUri: `s3://${BUCKET}/datasets/model` } } })).toThrow(
      /models.churn.storageUri 's3:\/\/.*\/datasets\/model' must be under s3:\/\/mlops-test-123456789012-eu-west-1-artifacts\/mlflow\/: the serving role reads only there/,
    );
    expect(attempt({ models: { churn: { ...MODEL, storageUri: 's3://other-bucket/mlflow/1/abc/artifacts/model' } } })).toThrow(
      /must be under/,
    );
    expect(attempt({ artifactsPrefix: '/mlflow/' })).toThrow(/artifactsPrefix '\/mlflow\/' must be a key prefix/);
    expect(attempt({ roleArn: 'serving-role' })).toThrow(/roleArn 'serving-role' must be an IAM role ARN/);
    expect(attempt({ region: 'Ireland' })).toThrow(/region 'Ireland' must be an AWS region/);
    expect(attempt({ namespace: 'Model-Serving' })).toThrow(/namespace 'Model-Serving' must be a lower-case DNS label/);
    expect(attempt({ serviceAccountName: 'model_serving' })).toThrow(/serviceAccountName 'model_serving' must be a lower-case DNS label/);
  });
});

describe('ExampleModel', () => {
  const TRACKING = {
    namespace: 'mlflow',
    trackingUri: 'http://mlflow.mlflow.svc:5000',
    adminSecretName: 'mlflow-admin',
    artifactsPrefix: 'mlflow',
  };
  const make = (props: Partial<ExampleModelProps> = {}) => {
    let example: ExampleModel | undefined;
    const json = synthScope((scope) => {
      example = new ExampleModel(scope, 'ExampleModel', { tracking: TRACKING, image: KServe.MLSERVER_IMAGE, placement: GENERAL, ...props });
    });
    return { example: example!, json };
  };
  type Job = KubernetesObject & { spec: HelmValues };
  const jobOf = (example: ExampleModel) => example.release.manifests[0] as Job;

  it('stores the model at a fixed key of the artifacts bucket and names its registered model', () => {
    const { example } = make();
    expect(example.registeredModelName).toBe('iris-example');
    expect(example.artifactUri).toBe('mlflow-artifacts:/examples/iris/1');
    // mlflow-artifacts:/ is the server's --artifacts-destination, s3://<bucket>/<prefix>.
    expect(example.bucketKey).toBe('mlflow/examples/iris/1');
    const moved = make({
      artifactPath: 'demo/v2',
      registeredModelName: 'demo',
      tracking: { ...TRACKING, artifactsPrefix: 'tracking' },
    }).example;
    expect([moved.artifactUri, moved.bucketKey]).toEqual(['mlflow-artifacts:/demo/v2', 'tracking/demo/v2']);
  });

  it('runs one Job next to the server, signed in from the admin Secret, and waits for it', () => {
    const { example, json } = make();
    expect(example.release.manifests).toHaveLength(1);
    const job = jobOf(example);
    expect(job).toMatchObject({
      kind: 'Job',
      metadata: { namespace: 'mlflow', name: expect.stringMatching(/^example-model-[0-9a-f]{8}$/) },
    });
    const container = at(job.spec, 'template.spec.containers.0') as HelmValues;
    expect(container.image).toBe('docker.io/seldonio/mlserver:1.5.0');
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'MODEL_NAME', value: 'iris-example' },
        { name: 'MODEL_URI', value: 'mlflow-artifacts:/examples/iris/1' },
        { name: 'MLFLOW_TRACKING_URI', value: 'http://mlflow.mlflow.svc:5000' },
        { name: 'MLFLOW_TRACKING_USERNAME', valueFrom: { secretKeyRef: { name: 'mlflow-admin', key: 'admin_username' } } },
        { name: 'MLFLOW_TRACKING_PASSWORD', valueFrom: { secretKeyRef: { name: 'mlflow-admin', key: 'admin_password' } } },
      ]),
    );
    const script = (container.command as string[])[2];
    // Idempotent, trains offline (the dataset ships with scikit-learn), uploads through the proxy, registers.
    expect(script).toContain(`search_model_versions(f"name='{name}'")`);
    expect(script).toContain('load_iris(');
    expect(script).toContain('get_artifact_repository(uri).log_artifacts(path)');
    expect(script).toContain('create_model_version(name, source=uri, run_id=run.info.run_id)');
    const release = releaseNamed(json, 'example-model').resource;
    expect(release).toMatchObject({ namespace: 'mlflow', wait_for_jobs: true, timeout: 900 });
  });

  it('is restricted-Pod-Security compatible, on the given pool, with resources', () => {
    const pod = at(jobOf(make().example).spec, 'template.spec') as HelmValues;
    expect(pod).toMatchObject({
      automountServiceAccountToken: false,
      nodeSelector: GENERAL.nodeSelector,
      tolerations: GENERAL.tolerations,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(at(pod, 'containers.0.securityContext')).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(at(pod, 'containers.0.volumeMounts')).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(at(pod, 'containers.0.resources')).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } });
  });

  it('renames its Job when what it does changes, since Jobs are immutable', () => {
    const name = (props: Partial<ExampleModelProps>) => jobOf(make(props).example).metadata.name;
    expect(name({})).toBe(name({}));
    expect(name({ image: 'docker.io/seldonio/mlserver:1.6.1' })).not.toBe(name({}));
    expect(name({ artifactPath: 'examples/iris/2' })).not.toBe(name({}));
  });

  it('rejects props it cannot deploy, naming the prop and the rule', () => {
    const attempt = (props: Partial<ExampleModelProps>) => () => void make(props);
    expect(attempt({ artifactPath: '/examples/iris/' })).toThrow(/artifactPath '\/examples\/iris\/' must be a relative path/);
    expect(attempt({ registeredModelName: 'iris example' })).toThrow(/registeredModelName 'iris example' must be letters, digits/);
    expect(attempt({ image: 'docker.io/seldonio/mlserver' })).toThrow(/image 'docker.io\/seldonio\/mlserver' must name a tag/);
    expect(attempt({ tracking: { ...TRACKING, namespace: 'ML' } })).toThrow(/tracking.namespace 'ML' must be a lower-case DNS label/);
  });
});
