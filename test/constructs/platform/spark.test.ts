import { poolPlacement, poolTaints } from '../../../constructs/cluster/node-pool';
import Ajv from 'ajv';
import { TerraformVariable } from 'cdktf';
import { describe, expect, it } from 'vitest';
import type { KubernetesObject, Placement } from '../../../constructs/kubernetes/objects';
import {
  AWS_SDK_BUNDLE_VERSION,
  HADOOP_VERSION,
  IRSA_CREDENTIALS_PROVIDER,
  S3A_JAR_URLS,
  sparkApplication,
  SparkApplications,
  SparkHistoryServer,
  SparkOperator,
  SPARK_IMAGE,
  SPARK_METRICS_LABELS,
  SPARK_METRICS_PATHS,
  type SparkApplicationSpec,
  type SparkHistoryServerProps,
  type SparkJobDefaults,
  type SparkOperatorProps,
} from '../../../constructs/platform/spark';
import type { PlatformConfig } from '../../../src/config/platform-schema';
import { loadValuesFiles } from '../../../constructs/helm/values-files';
import { chartVersion, unknownKeys } from '../../support/chart-values';
import { resources, synthScope, type StackJson } from '../../support/synth';
import { vendoredChart } from '../../support/vendored';

const GENERAL: Placement = { nodeSelector: { 'mlops-platform/node-pool': 'general' }, tolerations: [] };
const COMPUTE: Placement = {
  nodeSelector: { 'mlops-platform/node-pool': 'compute' },
  tolerations: [{ key: 'mlops-platform/node-pool', operator: 'Equal', value: 'compute', effect: 'NoSchedule' }],
};
const JOB_ROLE = 'arn:aws:iam::123456789012:role/mlops-test-spark-jobs';
const HISTORY_ROLE = 'arn:aws:iam::123456789012:role/mlops-test-spark-history';
const LOGS = 'mlops-test-123456789012-eu-west-1-logs';

/** The worked example of environments/dev.yaml. */
const SPARK_PI: SparkApplicationSpec = {
  image: 'spark:4.0.1',
  type: 'Scala',
  mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples.jar',
  mainClass: 'org.apache.spark.examples.SparkPi',
  arguments: ['1000'],
  driver: { cores: 1, memory: '1g' },
  executor: { cores: 1, memory: '2g', instances: 2 },
};
const JOB_DEFAULTS: SparkJobDefaults = {
  namespace: 'spark-jobs',
  serviceAccountName: 'spark',
  placement: COMPUTE,
  logsBucket: LOGS,
  region: 'eu-west-1',
};

// The configuration's type must keep fitting the construct's.
const _configFits: SparkApplicationSpec = {} as PlatformConfig['spark']['applications'][string];
void _configFits;

const at = (values: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], values);
const releaseNamed = (json: StackJson, name: string) => {
  const found = Object.entries(resources(json, 'helm_release')).find(([, r]) => r.name === name);
  if (!found) throw new Error(`no helm_release ${name}`);
  return { id: found[0], resource: found[1] };
};
const kind = (manifests: KubernetesObject[], wanted: string): KubernetesObject => {
  const found = manifests.find((m) => m.kind === wanted);
  if (!found) throw new Error(`no ${wanted}`);
  return found;
};

type Pod = {
  securityContext?: Record<string, unknown>;
  initContainers?: Container[];
  containers: Container[];
  volumes?: Record<string, unknown>[];
};
type Container = {
  name: string;
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
};

/** What Pod Security `restricted` refuses, plus the platform's rule of requests and limits everywhere. */
function restrictedViolations(pod: Pod): string[] {
  const problems: string[] = [];
  const podContext = pod.securityContext ?? {};
  const podSeccomp = (podContext.seccompProfile as { type?: string } | undefined)?.type;
  for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
    const c = container.securityContext ?? {};
    const name = container.name;
    if (c.allowPrivilegeEscalation !== false) problems.push(`${name}: allowPrivilegeEscalation`);
    if (c.privileged === true) problems.push(`${name}: privileged`);
    if (!((c.capabilities as { drop?: string[] } | undefined)?.drop ?? []).includes('ALL')) problems.push(`${name}: capabilities.drop`);
    if (c.runAsNonRoot !== true && podContext.runAsNonRoot !== true) problems.push(`${name}: runAsNonRoot`);
    if (c.runAsUser === 0 || podContext.runAsUser === 0) problems.push(`${name}: runAsUser 0`);
    const seccomp = (c.seccompProfile as { type?: string } | undefined)?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${name}: seccompProfile`);
    if (!container.resources?.requests?.cpu || !container.resources.requests.memory || !container.resources.limits?.memory) {
      problems.push(`${name}: resources`);
    }
  }
  for (const volume of pod.volumes ?? []) {
    if ('hostPath' in volume) problems.push(`volume ${String(volume.name)}: hostPath`);
  }
  return problems;
}

/**
 * The parts of the v1beta2 SparkApplication CRD (chart 2.5.2, api/v1beta2 types) the platform writes:
 * required fields, enums and types, with every object closed to the fields the API has, so a misspelt
 * field fails here instead of being pruned by the API server.
 */
const POD_FIELDS = [
  'template', 'cores', 'coreLimit', 'memory', 'memoryOverhead', 'gpu', 'image', 'configMaps', 'secrets', 'env', 'envVars', 'envFrom',
  'envSecretKeyRefs', 'labels', 'annotations', 'volumeMounts', 'affinity', 'tolerations', 'podSecurityContext', 'securityContext',
  'schedulerName', 'sidecars', 'initContainers', 'hostNetwork', 'nodeSelector', 'dnsConfig', 'terminationGracePeriodSeconds',
  'serviceAccount', 'hostAliases', 'shareProcessNamespace', 'coreRequest', 'javaOptions', 'lifecycle', 'ports', 'priorityClassName',
]; // prettier-ignore
const podSchema = (extra: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    ...Object.fromEntries(POD_FIELDS.map((field) => [field, {}])),
    cores: { type: 'integer', minimum: 1 },
    coreLimit: { type: 'string' },
    memory: { type: 'string', pattern: '^[0-9]+[kmgt]?$' },
    serviceAccount: { type: 'string', minLength: 1 },
    gpu: {
      type: 'object',
      required: ['name', 'quantity'],
      additionalProperties: false,
      properties: { name: { type: 'string' }, quantity: { type: 'integer' } },
    },
    nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
    tolerations: { type: 'array', items: { type: 'object', required: ['key', 'operator', 'effect'] } },
    initContainers: { type: 'array', items: { type: 'object', required: ['name', 'image'] } },
    volumeMounts: { type: 'array', items: { type: 'object', required: ['name', 'mountPath'] } },
    ...extra,
  },
});
const SPARK_APPLICATION_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'sparkoperator.k8s.io/v1beta2' },
    kind: { const: 'SparkApplication' },
    metadata: { type: 'object', required: ['name', 'namespace'] },
    spec: {
      type: 'object',
      required: ['type', 'sparkVersion', 'mainApplicationFile', 'driver', 'executor'],
      additionalProperties: false,
      properties: {
        ...Object.fromEntries(
          [
            'proxyUser',
            'imagePullSecrets',
            'hadoopConf',
            'sparkConfigMap',
            'hadoopConfigMap',
            'deps',
            'nodeSelector',
            'failureRetries',
          ].map((field) => [field, {}]),
        ),
        ...Object.fromEntries(
          ['retryInterval', 'pythonVersion', 'memoryOverheadFactor', 'monitoring', 'batchScheduler', 'timeToLiveSeconds'].map((field) => [
            field,
            {},
          ]),
        ),
        ...Object.fromEntries(
          ['batchSchedulerOptions', 'sparkUIOptions', 'driverIngressOptions', 'dynamicAllocation'].map((field) => [field, {}]),
        ),
        type: { enum: ['Java', 'Python', 'Scala', 'R'] },
        sparkVersion: { type: 'string', minLength: 1 },
        mode: { enum: ['cluster', 'client'] },
        image: { type: 'string', minLength: 1 },
        imagePullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
        mainClass: { type: 'string', minLength: 1 },
        mainApplicationFile: { type: 'string', minLength: 1 },
        arguments: { type: 'array', items: { type: 'string' } },
        sparkConf: { type: 'object', additionalProperties: { type: 'string' } },
        volumes: { type: 'array', items: { type: 'object', required: ['name'] } },
        restartPolicy: {
          type: 'object',
          additionalProperties: false,
          properties: {
            type: { enum: ['Never', 'Always', 'OnFailure'] },
            onSubmissionFailureRetries: { type: 'integer', minimum: 0 },
            onFailureRetries: { type: 'integer', minimum: 0 },
            onSubmissionFailureRetryInterval: { type: 'integer', minimum: 1 },
            onFailureRetryInterval: { type: 'integer', minimum: 1 },
          },
        },
        driver: podSchema({ podName: {}, kubernetesMaster: {}, serviceAnnotations: {}, serviceLabels: {} }),
        executor: podSchema({ instances: { type: 'integer', minimum: 1 }, deleteOnTermination: { type: 'boolean' } }),
      },
    },
  },
};
const validateSparkApplication = new Ajv({ allErrors: true, strict: false }).compile(SPARK_APPLICATION_SCHEMA);
const sparkApplicationViolations = (app: unknown): string[] =>
  validateSparkApplication(app) ? [] : (validateSparkApplication.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);

type OperatorBuilt = { operator: SparkOperator; json: StackJson };
function buildOperator(props: Partial<SparkOperatorProps> = {}, environment = 'dev'): OperatorBuilt {
  let operator: SparkOperator | undefined;
  const json = synthScope((scope) => {
    operator = new SparkOperator(scope, 'Spark', {
      namespace: 'spark-operator',
      values: loadValuesFiles('spark-operator', environment),
      jobRoleArn: JOB_ROLE,
      placement: GENERAL,
      ...props,
    });
  });
  return { operator: operator!, json };
}

describe('SparkOperator', () => {
  it('installs the pinned upstream chart into its namespace', () => {
    const { json } = buildOperator();
    expect(SparkOperator.CHART.version).toBe(chartVersion('spark-operator'));
    expect(releaseNamed(json, 'spark-operator').resource).toMatchObject({
      chart: vendoredChart('spark-operator', '2.5.2'),
      version: '2.5.2',
      namespace: 'spark-operator',
      atomic: true,
    });
  });

  it('sets only keys the chart knows (it has no schema)', () => {
    const free = ['controller.podSecurityContext', 'webhook.podSecurityContext'];
    expect(unknownKeys('spark-operator', buildOperator().operator.release.values, free)).toEqual([]);
    expect(unknownKeys('spark-operator', buildOperator({ highlyAvailable: true }, 'prod').operator.release.values, free)).toEqual([]);
    // The check can fail: a misspelt key is reported.
    expect(unknownKeys('spark-operator', { controller: { nodeSelectr: {} }, spark: { jobNamespace: [] } }, free)).toEqual([
      'controller.nodeSelectr',
      'spark.jobNamespace',
    ]);
  });

  it('watches the job namespace and creates the IRSA-annotated job service account there', () => {
    const { operator } = buildOperator();
    const { values } = operator.release;
    expect(operator.jobNamespace).toBe('spark-jobs');
    expect(operator.serviceAccountName).toBe('spark');
    // The chart creates no account: it would copy the job account into every namespace it watches.
    expect(values.spark).toEqual({
      jobNamespaces: ['spark-jobs'],
      serviceAccount: { create: false, name: 'spark' },
      rbac: { create: false },
    });
    const accounts = operator.accounts.manifests;
    expect(accounts.find((m) => m.kind === 'ServiceAccount')).toMatchObject({
      metadata: { name: 'spark', namespace: 'spark-jobs', annotations: { 'eks.amazonaws.com/role-arn': JOB_ROLE } },
    });
    expect(accounts.find((m) => m.kind === 'RoleBinding')).toMatchObject({
      metadata: { namespace: 'spark-jobs' },
      subjects: [{ kind: 'ServiceAccount', name: 'spark', namespace: 'spark-jobs' }],
    });
    const custom = buildOperator({ jobNamespace: 'batch', serviceAccountName: 'etl' }).operator;
    expect([custom.jobNamespace, custom.serviceAccountName]).toEqual(['batch', 'etl']);
    expect(at(custom.release.values, 'spark.jobNamespaces')).toEqual(['batch']);
  });

  it("runs teams' jobs in their namespaces as their own accounts, never the platform's job account", () => {
    const { operator } = buildOperator({ teamNamespaces: { 'team-a': 'a', 'team-b': 'b' } });
    expect(operator.jobNamespaces).toEqual(['spark-jobs', 'team-a', 'team-b']);
    expect(at(operator.release.values, 'spark.jobNamespaces')).toEqual(['spark-jobs', 'team-a', 'team-b']);
    const accounts = operator.accounts.manifests;
    // One service account, the platform's, in its own namespace; each team's drivers bound to the team's account.
    expect(accounts.filter((m) => m.kind === 'ServiceAccount').map((m) => m.metadata.namespace)).toEqual(['spark-jobs']);
    const bindings = accounts.filter((m) => m.kind === 'RoleBinding');
    expect(bindings.map((b) => [b.metadata.namespace, b.subjects])).toEqual([
      ['spark-jobs', [{ kind: 'ServiceAccount', name: 'spark', namespace: 'spark-jobs' }]],
      ['team-a', [{ kind: 'ServiceAccount', name: 'a', namespace: 'team-a' }]],
      ['team-b', [{ kind: 'ServiceAccount', name: 'b', namespace: 'team-b' }]],
    ]);
    expect(() => buildOperator({ teamNamespaces: { 'spark-jobs': 'x' } })).toThrow(/teamNamespaces\.spark-jobs must differ/);
  });

  it('runs controller and webhook on the general pool, non-root, with requests and limits', () => {
    const { values } = buildOperator().operator.release;
    for (const component of ['controller', 'webhook']) {
      expect(at(values, `${component}.nodeSelector`)).toEqual(GENERAL.nodeSelector);
      expect(at(values, `${component}.tolerations`)).toEqual([]);
      expect(at(values, `${component}.resources`)).toMatchObject({
        requests: { cpu: expect.any(String), memory: expect.any(String) },
        limits: { memory: expect.any(String) },
      });
      expect(at(values, `${component}.podSecurityContext`)).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 185,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      // The chart's own container defaults stay: no escalation, no capabilities, read-only root.
      expect(at(values, `${component}.securityContext`)).toBeUndefined();
    }
    expect(at(values, 'webhook.enable')).toBe(true);
    expect(at(values, 'webhook.failurePolicy')).toBe('Fail');
    expect(at(values, 'hook.upgradeCrd')).toBe(false);
  });

  it('is single-replica in dev and highly available in production', () => {
    const dev = buildOperator().operator.release.values;
    const prod = buildOperator({ highlyAvailable: true }, 'prod').operator.release.values;
    for (const component of ['controller', 'webhook']) {
      expect(at(dev, `${component}.replicas`)).toBe(1);
      expect(at(dev, `${component}.podDisruptionBudget.enable`)).toBe(false);
      expect(at(dev, `${component}.topologySpreadConstraints`)).toEqual([]);
      expect(at(prod, `${component}.replicas`)).toBe(2);
      expect(at(prod, `${component}.podDisruptionBudget`)).toEqual({ enable: true, minAvailable: 1 });
      expect(at(prod, `${component}.topologySpreadConstraints`)).toEqual([
        { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
      ]);
    }
  });

  it('lets overrides have the last word, but not drop resources', () => {
    const { values } = buildOperator({ overrides: { controller: { workers: 4 } } }).operator.release;
    expect(at(values, 'controller.workers')).toBe(4);
    expect(() => buildOperator({ values: {} })).toThrow(
      /controller\.resources must set requests\.cpu, requests\.memory and limits\.memory/,
    );
  });

  it('rejects bad props', () => {
    expect(() => buildOperator({ jobNamespace: 'Spark_Jobs' })).toThrow(/jobNamespace 'Spark_Jobs' must be a lower-case DNS label/);
    expect(() => buildOperator({ serviceAccountName: 'spark!' })).toThrow(/serviceAccountName 'spark!' must be a lower-case DNS label/);
    expect(() => buildOperator({ jobRoleArn: 'spark-role' })).toThrow(/jobRoleArn 'spark-role' must be an IAM role ARN/);
    expect(() => buildOperator({ jobNamespace: 'spark-operator' })).toThrow(/jobNamespace 'spark-operator' must differ from namespace/);
  });

  it('accepts a role ARN only known at apply time', () => {
    const json = synthScope((scope) => {
      const arn = new TerraformVariable(scope, 'role', { type: 'string' }).stringValue;
      new SparkOperator(scope, 'Spark', {
        namespace: 'spark-operator',
        values: loadValuesFiles('spark-operator', 'dev'),
        jobRoleArn: arn,
        placement: GENERAL,
      });
    });
    const [values] = releaseNamed(json, 'spark-job-accounts').resource.values as string[];
    expect(values).toContain('eks.amazonaws.com/role-arn: ${var.role}');
  });
});

describe('sparkApplication', () => {
  const app = sparkApplication('spark-pi', SPARK_PI, JOB_DEFAULTS);
  const spec = app.spec as Record<string, unknown>;

  it('is a structurally valid v1beta2 SparkApplication', () => {
    expect(sparkApplicationViolations(app)).toEqual([]);
    expect(app).toMatchObject({ apiVersion: 'sparkoperator.k8s.io/v1beta2', kind: 'SparkApplication' });
    expect(app.metadata).toMatchObject({ name: 'spark-pi', namespace: 'spark-jobs' });
    expect(spec).toMatchObject({
      type: 'Scala',
      mode: 'cluster',
      sparkVersion: '4.0.1',
      image: 'spark:4.0.1',
      mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples.jar',
      mainClass: 'org.apache.spark.examples.SparkPi',
      arguments: ['1000'],
      restartPolicy: { type: 'Never' },
    });
  });

  it('would be caught by the structural check: a misspelt field, a missing one, a bad type', () => {
    const broken = structuredClone(app) as unknown as { spec: Record<string, Record<string, unknown>> };
    broken.spec.driver.coreLimits = '1';
    delete broken.spec.sparkVersion;
    broken.spec.executor.instances = '2';
    expect(sparkApplicationViolations(broken)).toEqual(
      expect.arrayContaining([
        "/spec must have required property 'sparkVersion'",
        '/spec/driver must NOT have additional properties',
        '/spec/executor/instances must be integer',
      ]),
    );
  });

  it('lands driver and executors on the compute pool under the job service account, sized as configured', () => {
    const driver = spec.driver as Record<string, unknown>;
    const executor = spec.executor as Record<string, unknown>;
    for (const pod of [driver, executor]) {
      expect(pod.nodeSelector).toEqual(COMPUTE.nodeSelector);
      expect(pod.tolerations).toEqual(COMPUTE.tolerations);
      expect(pod.serviceAccount).toBe('spark');
    }
    expect(driver).toMatchObject({ cores: 1, coreLimit: '1', memory: '1g' });
    expect(executor).toMatchObject({ cores: 1, coreLimit: '1', memory: '2g', instances: 2 });
  });

  it('runs non-root pods that Pod Security restricted admits', () => {
    for (const role of ['driver', 'executor']) {
      const pod = spec[role] as Record<string, unknown>;
      // How the operator's webhook assembles the pod from the spec (Spark sets the main container's resources).
      const assembled: Pod = {
        securityContext: pod.podSecurityContext as Record<string, unknown>,
        initContainers: pod.initContainers as Container[],
        containers: [
          {
            name: `spark-kubernetes-${role}`,
            securityContext: pod.securityContext as Record<string, unknown>,
            resources: { requests: { cpu: '1', memory: '1408Mi' }, limits: { cpu: '1', memory: '1408Mi' } },
          },
        ],
        volumes: spec.volumes as Record<string, unknown>[],
      };
      expect(restrictedViolations(assembled)).toEqual([]);
      expect(pod.podSecurityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 185, fsGroup: 185 });
    }
  });

  it('logs events to S3 and reaches S3 through IRSA with the S3A jars of its Hadoop', () => {
    expect(spec.sparkConf).toEqual({
      'spark.eventLog.enabled': 'true',
      'spark.eventLog.dir': `s3a://${LOGS}/spark-events/`,
      'spark.driver.extraClassPath': '/opt/spark/s3a-jars/*',
      'spark.executor.extraClassPath': '/opt/spark/s3a-jars/*',
      'spark.hadoop.fs.s3a.aws.credentials.provider': 'software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider',
      'spark.hadoop.fs.s3a.endpoint.region': 'eu-west-1',
      'spark.ui.prometheus.enabled': 'true',
      'spark.metrics.conf.*.sink.prometheusServlet.class': 'org.apache.spark.metrics.sink.PrometheusServlet',
      'spark.metrics.conf.*.sink.prometheusServlet.path': '/metrics/prometheus',
    });
    expect(IRSA_CREDENTIALS_PROVIDER).toBe('software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider');
    expect([HADOOP_VERSION, AWS_SDK_BUNDLE_VERSION]).toEqual(['3.4.1', '2.24.6']);
    expect(S3A_JAR_URLS).toEqual([
      'https://repo1.maven.org/maven2/org/apache/hadoop/hadoop-aws/3.4.1/hadoop-aws-3.4.1.jar',
      'https://repo1.maven.org/maven2/software/amazon/awssdk/bundle/2.24.6/bundle-2.24.6.jar',
    ]);
    for (const role of ['driver', 'executor']) {
      const pod = spec[role] as { initContainers: { command: string[]; volumeMounts: unknown[] }[]; volumeMounts: unknown[] };
      expect(pod.initContainers).toHaveLength(1);
      const [fetch] = pod.initContainers;
      expect(fetch).toMatchObject({ name: 'fetch-s3a-jars', image: SPARK_IMAGE });
      expect(fetch.command.slice(-2)).toEqual(S3A_JAR_URLS);
      expect(fetch.command[2]).toContain('sha1sum -c');
      expect(fetch.volumeMounts).toEqual([{ name: 's3a-jars', mountPath: '/opt/spark/s3a-jars' }]);
      expect(pod.volumeMounts).toEqual([{ name: 's3a-jars', mountPath: '/opt/spark/s3a-jars', readOnly: true }]);
    }
    expect(spec.volumes).toEqual([{ name: 's3a-jars', emptyDir: { sizeLimit: '1Gi' } }]);
  });

  it('serves Prometheus metrics from the driver UI, on drivers labelled for the platform PodMonitor', () => {
    // The servlet sink answers at the driver path; spark.ui.prometheus.enabled adds the executors' path.
    expect(spec.sparkConf).toMatchObject({ 'spark.metrics.conf.*.sink.prometheusServlet.path': SPARK_METRICS_PATHS.driver });
    expect(SPARK_METRICS_PATHS).toEqual({ driver: '/metrics/prometheus', executors: '/metrics/executors/prometheus' });
    for (const role of ['driver', 'executor']) expect((spec[role] as { labels: unknown }).labels).toMatchObject(SPARK_METRICS_LABELS);
  });

  it('omits mainClass for Python jobs and takes the Spark version from an official image tag', () => {
    const python = sparkApplication(
      'features',
      { ...SPARK_PI, type: 'Python', mainClass: undefined, image: 'apache/spark:4.0.0-python3', mainApplicationFile: 's3a://code/job.py' },
      JOB_DEFAULTS,
    );
    expect(sparkApplicationViolations(python)).toEqual([]);
    expect(python.spec).not.toHaveProperty('mainClass');
    expect(python.spec).toMatchObject({ type: 'Python', sparkVersion: '4.0.0' });
    const custom = sparkApplication('etl', { ...SPARK_PI, image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/etl:v3' }, JOB_DEFAULTS);
    expect(custom.spec).toMatchObject({ sparkVersion: '4.0.1' });
  });

  it('takes more Spark properties, environment and a mounted connection Secret, which the CRD accepts', () => {
    const job = sparkApplication(
      'ingest',
      { ...SPARK_PI, sparkConf: { 'spark.sql.shuffle.partitions': '8' }, env: { TOPIC: 'events.raw' }, connectionSecret: 'kafka-spark' },
      JOB_DEFAULTS,
    );
    expect(sparkApplicationViolations(job)).toEqual([]);
    const spec = job.spec as { sparkConf: Record<string, string>; driver: Record<string, unknown>; executor: Record<string, unknown> };
    expect(spec.sparkConf).toMatchObject({ 'spark.sql.shuffle.partitions': '8', 'spark.eventLog.enabled': 'true' });
    for (const pod of [spec.driver, spec.executor]) {
      expect(pod.env).toEqual([{ name: 'TOPIC', value: 'events.raw' }]);
      expect(pod.secrets).toEqual([{ name: 'kafka-spark', path: '/etc/platform-connection', secretType: 'Generic' }]);
    }
  });

  it('puts executors on the pool given, with GPUs through the operator where asked, and keeps the driver on compute', () => {
    const gpuPool = poolPlacement('gpu', poolTaints('gpu', true, [], 'nvidia'));
    const job = sparkApplication('train', { ...SPARK_PI, executor: { ...SPARK_PI.executor, placement: gpuPool, gpus: 1 } }, JOB_DEFAULTS);
    expect(sparkApplicationViolations(job)).toEqual([]);
    const { driver, executor } = job.spec as { driver: Record<string, unknown>; executor: Record<string, unknown> };
    expect(executor).toMatchObject({
      nodeSelector: gpuPool.nodeSelector,
      tolerations: gpuPool.tolerations,
      gpu: { name: 'nvidia.com/gpu', quantity: 1 },
    });
    expect(driver).toMatchObject({ nodeSelector: COMPUTE.nodeSelector, tolerations: COMPUTE.tolerations });
    expect(driver).not.toHaveProperty('gpu');
    expect(() => sparkApplication('train', { ...SPARK_PI, executor: { ...SPARK_PI.executor, gpus: 1 } }, JOB_DEFAULTS)).toThrow(
      /executor.gpus needs the placement of a GPU pool/,
    );
  });

  it('rejects what would fail at submission or later', () => {
    const attempt =
      (name: string, change: Partial<SparkApplicationSpec>, defaults: Partial<SparkJobDefaults> = {}) =>
      () =>
        sparkApplication(name, { ...SPARK_PI, ...change }, { ...JOB_DEFAULTS, ...defaults });
    expect(attempt('1pi', {})).toThrow(/name '1pi' must start with a letter/);
    expect(attempt('p'.repeat(57), {})).toThrow(/at most 56 characters/);
    expect(attempt('pi', { image: 'spark:3.5.5' })).toThrow(
      /image 'spark:3\.5\.5' is Spark 3\.5\.5, but the S3A jars are pinned to Spark 4\.0\.x/,
    );
    expect(attempt('pi', { type: 'Python' })).toThrow(
      /mainClass 'org\.apache\.spark\.examples\.SparkPi' applies to Scala and Java jobs only/,
    );
    expect(attempt('pi', { mainApplicationFile: '/opt/app.jar' })).toThrow(
      /mainApplicationFile '\/opt\/app\.jar' must be a local:\/\/, s3a:\/\/ or https:\/\/ URI/,
    );
    expect(attempt('pi', { driver: { cores: 0, memory: '1g' } })).toThrow(/driver\.cores 0 must be a whole number of cores from 1 to 64/);
    expect(attempt('pi', { executor: { cores: 1, memory: '2G', instances: 2 } })).toThrow(/executor\.memory '2G' must be Spark memory/);
    expect(attempt('pi', { executor: { cores: 1, memory: '2g', instances: 0 } })).toThrow(
      /executor\.instances 0 must be a whole number from 1 to 1000/,
    );
    expect(attempt('pi', {}, { logsBucket: 'Logs_Bucket' })).toThrow(/logsBucket 'Logs_Bucket' must be an S3 bucket name/);
    expect(attempt('pi', {}, { region: 'europe' })).toThrow(/region 'europe' must be an AWS region/);
    expect(attempt('pi', { sparkConf: { 'spark.eventLog.dir': 's3a://mine/' } })).toThrow(
      /sparkConf spark\.eventLog\.dir: set by the platform/,
    );
    expect(attempt('pi', { env: { 'MY-VAR': 'x' } })).toThrow(/env 'MY-VAR' must be an environment variable name/);
    expect(attempt('pi', { connectionSecret: 'Kafka_Spark' })).toThrow(/connectionSecret 'Kafka_Spark' must be a lower-case DNS label/);
  });
});

type JobsBuilt = { operator: SparkOperator; jobs: SparkApplications; json: StackJson };
function buildJobs(applications: Record<string, SparkApplicationSpec>): JobsBuilt {
  let operator: SparkOperator | undefined;
  let jobs: SparkApplications | undefined;
  const json = synthScope((scope) => {
    operator = new SparkOperator(scope, 'Operator', {
      namespace: 'spark-operator',
      values: loadValuesFiles('spark-operator', 'dev'),
      jobRoleArn: JOB_ROLE,
      placement: GENERAL,
    });
    jobs = new SparkApplications(scope, 'Jobs', { operator, applications, placement: COMPUTE, logsBucket: LOGS, region: 'eu-west-1' });
  });
  return { operator: operator!, jobs: jobs!, json };
}

describe('SparkApplications', () => {
  it('installs one SparkApplication per entry in the job namespace, after the operator', () => {
    const { jobs, json } = buildJobs({ 'spark-pi': SPARK_PI, etl: { ...SPARK_PI, arguments: [] } });
    expect(jobs.applications.map((a) => [a.metadata.namespace, a.metadata.name])).toEqual([
      ['spark-jobs', 'etl'],
      ['spark-jobs', 'spark-pi'],
    ]);
    for (const app of jobs.applications) expect(sparkApplicationViolations(app)).toEqual([]);
    expect(jobs.release.helmRelease.values.manifests).toEqual(jobs.applications);
    // After the operator and the job accounts, which come after the operator.
    const operator = releaseNamed(json, 'spark-operator');
    const accounts = releaseNamed(json, 'spark-job-accounts');
    const release = releaseNamed(json, 'spark-applications').resource;
    expect(release.namespace).toBe('spark-jobs');
    expect(release.depends_on).toContain(`helm_release.${accounts.id}`);
    expect(accounts.resource.depends_on).toContain(`helm_release.${operator.id}`);
  });

  it('uses the operator’s service account and names the entry of a bad application', () => {
    const { jobs } = buildJobs({ 'spark-pi': SPARK_PI });
    expect(at(jobs.applications[0], 'spec.driver.serviceAccount')).toBe('spark');
    expect(() => buildJobs({ Bad: SPARK_PI })).toThrow(/Jobs: applications\.Bad: .*name 'Bad' must start with a letter/);
  });
});

type HistoryBuilt = { history: SparkHistoryServer; json: StackJson };
function buildHistory(props: Partial<SparkHistoryServerProps> = {}): HistoryBuilt {
  let history: SparkHistoryServer | undefined;
  const json = synthScope((scope) => {
    history = new SparkHistoryServer(scope, 'History', {
      namespace: 'spark-jobs',
      logsBucket: LOGS,
      region: 'eu-west-1',
      roleArn: HISTORY_ROLE,
      placement: GENERAL,
      retentionDays: 7,
      ...props,
    });
  });
  return { history: history!, json };
}
const deploymentOf = (history: SparkHistoryServer) =>
  kind(history.release.manifests, 'Deployment') as KubernetesObject & {
    spec: { replicas: number; template: { spec: Pod & Record<string, unknown> } };
  };

describe('SparkHistoryServer', () => {
  it('serves the UI on a ClusterIP Service at port 18080 in the job namespace', () => {
    const { history, json } = buildHistory();
    expect(history.url).toBe('http://spark-history-server.spark-jobs.svc:18080');
    expect(kind(history.release.manifests, 'Service')).toMatchObject({
      metadata: { name: 'spark-history-server', namespace: 'spark-jobs' },
      spec: { type: 'ClusterIP', ports: [{ port: 18080, targetPort: 'http' }] },
    });
    expect(releaseNamed(json, 'spark-history-server').resource.namespace).toBe('spark-jobs');
  });

  it('reads and cleans s3a://<logs>/spark-events/ with its own read-only IRSA service account', () => {
    const { history } = buildHistory();
    expect(kind(history.release.manifests, 'ServiceAccount')).toMatchObject({
      metadata: { name: 'spark-history', namespace: 'spark-jobs', annotations: { 'eks.amazonaws.com/role-arn': HISTORY_ROLE } },
      automountServiceAccountToken: false,
    });
    const pod = deploymentOf(history).spec.template.spec;
    expect(pod.serviceAccountName).toBe('spark-history');
    const [server] = pod.containers as (Container & { image: string; env: { name: string; value: string }[] })[];
    expect(server.image).toBe('docker.io/library/spark:4.0.1');
    const env = Object.fromEntries(server.env.map((e) => [e.name, e.value]));
    expect(env.SPARK_DAEMON_CLASSPATH).toBe('/opt/spark/s3a-jars/*');
    expect(env.SPARK_DAEMON_MEMORY).toBe('1g');
    expect(env.SPARK_HISTORY_OPTS.split(' ')).toEqual([
      `-Dspark.history.fs.logDirectory=s3a://${LOGS}/spark-events/`,
      '-Dspark.history.ui.port=18080',
      '-Dspark.history.fs.update.interval=30s',
      '-Dspark.history.fs.cleaner.enabled=true',
      '-Dspark.history.fs.cleaner.interval=1d',
      '-Dspark.history.fs.cleaner.maxAge=7d',
      `-Dspark.hadoop.fs.s3a.aws.credentials.provider=${IRSA_CREDENTIALS_PROVIDER}`,
      '-Dspark.hadoop.fs.s3a.endpoint.region=eu-west-1',
    ]);
    expect(pod.initContainers?.map((c) => c.name)).toEqual(['fetch-s3a-jars']);
  });

  it('runs on the general pool, non-root with a read-only root filesystem, probed and sized', () => {
    const pod = deploymentOf(buildHistory().history).spec.template.spec;
    expect(pod.nodeSelector).toEqual(GENERAL.nodeSelector);
    expect(pod.tolerations).toEqual([]);
    expect(restrictedViolations(pod)).toEqual([]);
    for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
      expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    }
    const [server] = pod.containers as Record<string, unknown>[];
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(at(server, `${probe}.httpGet`)).toEqual({ path: '/api/v1/version', port: 'http' });
    }
    expect(server.resources).toEqual({ requests: { cpu: '250m', memory: '1536Mi' }, limits: { cpu: '1', memory: '1536Mi' } });
  });

  it('is one replica in dev and two, spread over zones with a disruption budget, in production', () => {
    const dev = buildHistory().history;
    expect(deploymentOf(dev).spec.replicas).toBe(1);
    expect(deploymentOf(dev).spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(dev.release.manifests.some((m) => m.kind === 'PodDisruptionBudget')).toBe(false);

    const prod = buildHistory({ highlyAvailable: true }).history;
    expect(deploymentOf(prod).spec.replicas).toBe(2);
    expect(deploymentOf(prod).spec.template.spec.topologySpreadConstraints).toEqual([
      expect.objectContaining({ topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: expect.any(Object) } }),
    ]);
    expect(kind(prod.release.manifests, 'PodDisruptionBudget')).toMatchObject({ spec: { maxUnavailable: 1 } });
  });

  it('rejects bad props', () => {
    expect(() => buildHistory({ retentionDays: 0 })).toThrow(/retentionDays 0 must be a whole number of days from 1 to 365/);
    expect(() => buildHistory({ heapMemory: '1GB' })).toThrow(/heapMemory '1GB' must be JVM memory/);
    expect(() => buildHistory({ highlyAvailable: true, replicas: 1 })).toThrow(
      /replicas must be at least 2 to be highly available \(got 1\)/,
    );
    expect(() => buildHistory({ roleArn: 'history' })).toThrow(/roleArn 'history' must be an IAM role ARN/);
    expect(() => buildHistory({ serviceAccountName: 'History' })).toThrow(/serviceAccountName 'History' must be a lower-case DNS label/);
    expect(() => buildHistory({ name: '1history' })).toThrow(/name '1history' must be a DNS-1035 label/);
  });
});
