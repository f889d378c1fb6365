import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { NODE_POOL_LABEL } from '../../constructs/cluster/node-pool';
import { loadEnvironments } from '../../src/config/load';
import { resources } from '../support/synth';
import { synthesizedStack } from '../support/synthesized';

/** The environment files, read once for the whole file. */
const environments = loadEnvironments();

describe.each(environments.map((e) => e.name))('%s platform stack', (env) => {
  const stack = synthesizedStack(`mlops-${env}-platform`);
  const releases = resources(stack, 'helm_release');

  it('reaches the cluster with exec authentication, never a stored token', () => {
    const [helm] = stack.provider!.helm as { kubernetes: Record<string, unknown> }[];
    const [kubernetes] = stack.provider!.kubernetes as Record<string, unknown>[];
    for (const connection of [helm.kubernetes, kubernetes]) {
      expect(connection.token).toBeUndefined();
      expect(connection.host).toMatch(/terraform_remote_state\.cross-stack-reference-input-mlops-\w+-cluster/);
      expect(JSON.stringify(connection.exec)).toContain('"command":"aws"');
      expect(JSON.stringify(connection.exec)).toContain('"get-token"');
    }
  });

  it('pins every chart and installs atomically with a timeout', () => {
    expect(Object.keys(releases).length).toBeGreaterThan(2);
    for (const release of Object.values(releases)) {
      expect(release.version).toMatch(/^v?\d+\.\d+\.\d+$/);
      expect(release).toMatchObject({ atomic: true, wait: true, create_namespace: false, timeout: expect.any(Number) });
      if (!String(release.chart).startsWith('assets/')) expect(release.repository).toMatch(/^(https|oci):\/\//);
    }
  });

  it("syncs the DAGs from this project's repository unless the environment file names another", () => {
    const config = environments.find((e) => e.name === env)!;
    const airflow = Object.values(releases).find((r) => r.name === 'airflow')!;
    const gitSync = (parse((airflow.values as string[])[0]) as { dags: { gitSync: { repo: string; subPath: string } } }).dags.gitSync;
    expect(gitSync.repo).toBe(config.platform.airflow.dags.repository ?? `https://github.com/${config.delivery.githubRepository}.git`);
    expect(gitSync.subPath).toBe(config.platform.airflow.dags.subPath);
  });

  it('gives every namespace Pod Security labels', () => {
    const namespaces = Object.values(resources(stack, 'kubernetes_namespace_v1'));
    expect(namespaces.length).toBeGreaterThanOrEqual(7);
    for (const ns of namespaces) {
      const { name, labels } = ns.metadata as { name: string; labels: Record<string, string> };
      // Only node-exporter, which reads the host, the NVIDIA device plugin, which registers through the kubelet's
      // socket directory, and Fluent Bit, which reads the nodes' log files, may run privileged pods.
      expect(labels).toMatchObject({
        'pod-security.kubernetes.io/enforce': ['node-exporter', 'nvidia-device-plugin', 'logging'].includes(name)
          ? 'privileged'
          : 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      });
    }
  });

  it('installs releases into namespaces it created, so they come after them', () => {
    for (const release of Object.values(releases)) expect(release.namespace).toMatch(/^\$\{kubernetes_namespace_v1\./);
  });

  it('creates databases only once the secret store is ready', () => {
    const databases = Object.entries(releases).find(([id]) => id.startsWith('Databases'))![1];
    expect(databases.depends_on).toEqual([expect.stringContaining('ExternalSecrets_Store')]);
    expect(databases.wait_for_jobs).toBe(true);
  });

  it('makes encrypted gp3 the default storage class, retaining volumes in production only', () => {
    const [storageClass] = Object.values(resources(stack, 'kubernetes_storage_class_v1'));
    expect(storageClass).toMatchObject({
      storage_provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true', kmsKeyId: expect.stringContaining('cross-stack-reference-input') },
      volume_binding_mode: 'WaitForFirstConsumer',
      reclaim_policy: env === 'prod' ? 'Retain' : 'Delete',
    });
  });

  it('makes every platform namespace default-deny, with the flows between components opened port by port', () => {
    const policies = Object.entries(releases).find(([id]) => id.startsWith('NetworkPolicies'))![1];
    const objects = parse((policies.values as string[])[0]).manifests as {
      metadata: { name: string; namespace: string };
      spec: Record<string, unknown>;
    }[];
    const namespaces = Object.values(resources(stack, 'kubernetes_namespace_v1')).length;
    expect(objects.filter((p) => p.metadata.name === 'default-deny')).toHaveLength(namespaces);
    // Kafka's TLS listener and the schema registry, for Airflow tasks and Spark jobs (the namespaces' own references).
    const kafkaIngress = objects.filter(
      (p) => p.metadata.namespace.includes('Namespace-kafka') && p.metadata.name.startsWith('allow-ingress'),
    );
    expect(kafkaIngress.map((p) => JSON.stringify(p.spec))).toContainEqual(
      expect.stringMatching(/Namespace-airflow_.*Namespace-spark-jobs_.*"port":9093.*"port":8081/),
    );
  });

  it('admits load balancers and the control plane from their own subnets, not from the pods', () => {
    const policies = Object.entries(releases).find(([id]) => id.startsWith('NetworkPolicies'))![1];
    const objects = parse((policies.values as string[])[0]).manifests as {
      spec: { ingress?: { from: { ipBlock?: { cidr: string } }[] }[] };
    }[];
    const subnets = Object.values(resources(synthesizedStack(`mlops-${env}-network`), 'aws_subnet'));
    const publicCidrs = subnets
      .filter((s) => (s.tags as Record<string, string>)['kubernetes.io/role/internal-elb'] === '1')
      .map((s) => s.cidr_block);
    const controlPlaneCidrs = subnets
      .filter((s) => String((s.tags as Record<string, string>).Name).includes('-control-plane-'))
      .map((s) => s.cidr_block);
    const vpcCidr = environments.find((e) => e.name === env)!.network.vpcCidr;
    const rules = objects.flatMap((o) => o.spec.ingress ?? []).filter((r) => r.from.some((p) => p.ipBlock));
    for (const rule of rules) expect([[vpcCidr], publicCidrs, controlPlaneCidrs]).toContainEqual(rule.from.map((p) => p.ipBlock!.cidr));
    // The whole VPC, pods included, only for the Spark History Server's UI, which people reach over the VPC.
    expect(rules.filter((r) => r.from[0].ipBlock!.cidr === vpcCidr)).toHaveLength(1);
  });

  it('admits addresses (load balancers, the control plane) only on the ports of load-balancer targets and webhooks', () => {
    const policies = Object.entries(releases).find(([id]) => id.startsWith('NetworkPolicies'))![1];
    const objects = parse((policies.values as string[])[0]).manifests as {
      metadata: { namespace: string };
      spec: { ingress?: { from: { ipBlock?: { cidr: string } }[]; ports?: { port: number }[] }[] };
    }[];
    const fromVpc: Record<string, number[]> = {};
    for (const policy of objects) {
      for (const rule of policy.spec.ingress ?? []) {
        if (!rule.from.some((peer) => peer.ipBlock)) continue;
        const name = /Namespace-([a-z-]+)_Namespace/.exec(policy.metadata.namespace)![1];
        fromVpc[name] = [...(fromVpc[name] ?? []), ...rule.ports!.map((p) => p.port)];
      }
    }
    const servesModels = Object.keys(environments.find((e) => e.name === env)!.platform.serving.models).length > 0;
    expect(fromVpc).toEqual({
      // Load balancer targets: Airflow's API server, MLflow, Grafana (3000) and the model servers, where there are any.
      airflow: [8080],
      mlflow: [5000],
      monitoring: [3000, 10250],
      ...(servesModels ? { 'model-serving': [8080] } : {}),
      // Admission webhooks.
      'external-secrets': [10250],
      'cert-manager': [10250],
      kserve: [9443],
      'spark-operator': [9443],
      'aws-load-balancer-controller': [9443],
      // The Spark History Server UI.
      'spark-jobs': [18080],
      // The brokers behind the external listener's load balancers, where there is one.
      ...(environments.find((e) => e.name === env)!.platform.kafka.external ? { kafka: [9094] } : {}),
    });
  });

  it('puts the UIs behind one internal load balancer, each on its own host', () => {
    const ingress = Object.entries(releases).find(([id]) => id.startsWith('Ingress'))![1];
    const objects = parse((ingress.values as string[])[0]).manifests as {
      kind: string;
      metadata: { annotations?: Record<string, string> };
      spec: { rules?: { host: string }[] };
    }[];
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    // Then one host per served model: dev serves its example.
    expect(ingresses.map((i) => i.spec.rules![0].host)).toEqual([
      ...['airflow', 'mlflow', 'grafana'].map((ui) => `${ui}.${env}.mlops.internal`),
      ...(env === 'dev' ? ['iris.models.dev.mlops.internal'] : []),
    ]);
    for (const i of ingresses)
      expect(i.metadata.annotations).toMatchObject({
        'alb.ingress.kubernetes.io/scheme': 'internal',
        'alb.ingress.kubernetes.io/group.name': 'mlops-platform',
      });
    // HTTPS wherever a certificate is configured (always in production), HTTP only redirecting to it.
    const environment = environments.find((e) => e.name === env)!;
    const config = environment.platform.ingress;
    for (const i of ingresses) {
      const annotations = i.metadata.annotations!;
      if (config.certificateArn || environment.production) {
        expect(annotations['alb.ingress.kubernetes.io/certificate-arn']).toBe(config.certificateArn);
        expect(JSON.parse(annotations['alb.ingress.kubernetes.io/listen-ports'])).toEqual([{ HTTP: 80 }, { HTTPS: 443 }]);
        expect(annotations['alb.ingress.kubernetes.io/ssl-redirect']).toBe('443');
        expect(annotations['alb.ingress.kubernetes.io/inbound-cidrs']).toBe(config.allowedCidrs?.join(','));
      }
    }
  });

  it('publishes the example model in dev only, before the models that serve it', () => {
    const example = Object.entries(releases).find(([id]) => id.startsWith('ExampleModel'));
    const models = Object.entries(releases).find(([id]) => id.startsWith('ModelServing'))![1];
    if (env !== 'dev') {
      expect(example).toBeUndefined();
      return;
    }
    const [id, release] = example!;
    expect(release).toMatchObject({ name: 'example-model', wait_for_jobs: true });
    expect(release.depends_on).toEqual([expect.stringMatching(/^helm_release\.Mlflow_Release/)]);
    expect(models.depends_on).toContain(`helm_release.${id}`);
    const [job] = parse((release.values as string[])[0]).manifests as { spec: unknown }[];
    // The runtime's own image trains it, and the model entry reads the key it is stored under.
    expect(JSON.stringify(job.spec)).toContain('"image":"docker.io/seldonio/mlserver:1.5.0"');
    expect(JSON.stringify(job.spec)).toContain('{"name":"MODEL_URI","value":"mlflow-artifacts:/examples/iris/1"}');
    const served = parse((models.values as string[])[0]).manifests as { kind: string; spec?: { predictor?: { model?: unknown } } }[];
    const iris = served.find((o) => o.kind === 'InferenceService')!;
    expect(JSON.stringify(iris.spec!.predictor!.model)).toMatch(/"storageUri":"s3:\/\/\$\{[^}]+\}\/mlflow\/examples\/iris\/1"/);
  });

  it('places control components on the general pool', () => {
    const eso = Object.entries(releases).find(([id]) => id.startsWith('ExternalSecrets_Operator'))![1];
    expect(parse((eso.values as string[])[0]).global.nodeSelector).toEqual({ [NODE_POOL_LABEL]: 'general' });
  });
});
