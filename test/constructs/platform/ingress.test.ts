import { TerraformVariable } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { HelmValues } from '../../../constructs/helm/values';
import { loadBalancerControllerPolicy } from '../../../constructs/iam/load-balancer-controller-policy';
import type { KubernetesObject, Placement } from '../../../constructs/kubernetes/objects';
import {
  LoadBalancerController,
  PlatformIngress,
  type IngressRoute,
  type LoadBalancerControllerProps,
  type PlatformIngressProps,
} from '../../../constructs/platform/ingress';
import { loadValuesFiles } from '../../../constructs/helm/values-files';
import { chartVersion, unknownKeys } from '../../support/chart-values';
import { resources, synthScope, type StackJson } from '../../support/synth';
import { vendoredChart } from '../../support/vendored';

const CHART = 'aws-load-balancer-controller';
/** Paths where the project adds keys the chart's defaults do not show (pod and container security contexts). */
const FREE_FORM = ['podSecurityContext', 'securityContext'];
const GENERAL: Placement = {
  nodeSelector: { 'mlops-platform/node-pool': 'general' },
  tolerations: [{ key: 'mlops-platform/node-pool', operator: 'Equal', value: 'general', effect: 'NoSchedule' }],
};
const ROLE_ARN = 'arn:aws:iam::123456789012:role/mlops-test-load-balancer-controller';
const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const OIDC = {
  issuer: 'https://login.example.com',
  authorizationEndpoint: 'https://login.example.com/oauth2/authorize',
  tokenEndpoint: 'https://login.example.com/oauth2/token',
  userInfoEndpoint: 'https://login.example.com/oauth2/userinfo',
  clientSecretName: 'mlops-test/ingress/oidc',
};
const ROUTES: IngressRoute[] = [
  { name: 'airflow', namespace: 'airflow', service: 'airflow-api-server', port: 8080, host: 'airflow.mlops.example.com' },
  { name: 'mlflow', namespace: 'mlflow', service: 'mlflow', port: 5000, host: 'mlflow.mlops.example.com', healthCheckPath: '/health' },
  { name: 'grafana', namespace: 'monitoring', service: 'kube-prometheus-stack-grafana', port: 80, host: 'grafana.mlops.example.com' },
  { name: 'models', namespace: 'kserve', service: 'model-gateway', port: 80, host: '*.models.mlops.example.com' },
];

type Built = { controller: LoadBalancerController; ingress?: PlatformIngress; json: StackJson };

function build(
  controllerProps: Partial<LoadBalancerControllerProps> = {},
  ingressProps?: Partial<PlatformIngressProps>,
  environment = 'dev',
): Built {
  let controller: LoadBalancerController | undefined;
  let ingress: PlatformIngress | undefined;
  const json = synthScope((scope) => {
    const token = (name: string) => new TerraformVariable(scope, name, { type: 'string' }).stringValue;
    controller = new LoadBalancerController(scope, 'LoadBalancerController', {
      namespace: 'aws-load-balancer-controller',
      values: loadValuesFiles(CHART, environment),
      clusterName: token('cluster_name'),
      region: 'eu-west-1',
      vpcId: token('vpc_id'),
      roleArn: ROLE_ARN,
      placement: GENERAL,
      ...controllerProps,
    });
    if (ingressProps) ingress = new PlatformIngress(scope, 'Ingress', { controller, routes: ROUTES, ...ingressProps });
  });
  return { controller: controller!, ingress, json };
}

const attemptController = (props: Partial<LoadBalancerControllerProps>) => () => void build(props);
const attemptIngress = (props: Partial<PlatformIngressProps>) => () => void build({}, props);
const annotations = (object: KubernetesObject) => object.metadata.annotations ?? {};
const ingressOf = (ingress: PlatformIngress, name: string) => ingress.ingresses.find((i) => i.metadata.name === name)!;

describe('LoadBalancerController', () => {
  it('installs the pinned upstream chart with values the chart knows', () => {
    const { controller, json } = build();
    expect(LoadBalancerController.CHART.version).toBe(chartVersion(CHART));
    const release = Object.values(resources(json, 'helm_release')).find((r) => r.name === CHART);
    expect(release).toMatchObject({ chart: vendoredChart(CHART, '3.5.0'), version: '3.5.0', namespace: CHART });
    expect(release).not.toHaveProperty('repository');
    expect(unknownKeys(CHART, controller.release.values, FREE_FORM)).toEqual([]);
    expect(unknownKeys(CHART, build({ highlyAvailable: true }, undefined, 'prod').controller.release.values, FREE_FORM)).toEqual([]);
  });

  it('would be caught by the known-keys check: a misspelt key', () => {
    const { values } = build().controller.release;
    expect(unknownKeys(CHART, { ...values, enableServiceMutatorWebhooks: false }, FREE_FORM)).toEqual(['enableServiceMutatorWebhooks']);
    expect(
      unknownKeys(CHART, { ...values, serviceAccount: { ...(values.serviceAccount as HelmValues), automount: true } }, FREE_FORM),
    ).toEqual(['serviceAccount.automount']);
  });

  it('is wired to the cluster, region, VPC and its IRSA role', () => {
    const { controller, json } = build();
    const { values } = controller.release;
    const rendered = parse(
      (Object.values(resources(json, 'helm_release')).find((r) => r.name === CHART)!.values as string[])[0],
    ) as HelmValues;
    expect(rendered.clusterName).toBe('${var.cluster_name}');
    expect(rendered.vpcId).toBe('${var.vpc_id}');
    expect(values.region).toBe('eu-west-1');
    expect(values.serviceAccount).toEqual({
      create: true,
      name: 'aws-load-balancer-controller',
      automountServiceAccountToken: true,
      annotations: { 'eks.amazonaws.com/role-arn': ROLE_ARN },
    });
  });

  it('keeps load balancers private, targets pod IPs and leaves plain Services alone', () => {
    const { controller } = build();
    const { values } = controller.release;
    expect(values).toMatchObject({
      defaultLoadBalancerScheme: 'internal',
      defaultTargetType: 'ip',
      enableServiceMutatorWebhook: false,
      enableCertManager: false,
      keepTLSSecret: true,
      createIngressClassResource: true,
      ingressClass: 'alb',
      clusterSecretsPermissions: { allowAllSecrets: false },
    });
    expect(controller.ingressClassName).toBe('alb');
  });

  it('runs on the general pool, restricted, with requests and limits', () => {
    const { values } = build().controller.release;
    expect(values.nodeSelector).toEqual(GENERAL.nodeSelector);
    expect(values.tolerations).toEqual(GENERAL.tolerations);
    expect(values.podSecurityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(values.securityContext).toEqual({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(values.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
  });

  it('runs one replica without budget or spread outside production, two with both in production', () => {
    expect(build().controller.release.values).toMatchObject({ replicaCount: 1, podDisruptionBudget: {}, topologySpreadConstraints: [] });
    const prod = build({ highlyAvailable: true }, undefined, 'prod').controller.release.values;
    expect(prod.replicaCount).toBe(2);
    expect(prod.podDisruptionBudget).toEqual({ maxUnavailable: 1 });
    expect(prod.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': CHART, 'app.kubernetes.io/instance': CHART } },
      },
    ]);
  });

  it('rejects props and values it cannot deploy, naming the prop and the fix', () => {
    expect(attemptController({ highlyAvailable: true, replicas: 1 })).toThrow(
      /replicas must be at least 2 to be highly available \(got 1\)/,
    );
    expect(attemptController({ replicas: 0 })).toThrow(/replicas must be a whole number from 1 to 5 \(got 0\)/);
    expect(attemptController({ namespace: 'Kube_System' })).toThrow(/namespace 'Kube_System' must be a lower-case DNS label/);
    expect(attemptController({ serviceAccountName: 'lb_controller' })).toThrow(
      /serviceAccountName 'lb_controller' must be a lower-case DNS label/,
    );
    expect(attemptController({ clusterName: 'my cluster' })).toThrow(/clusterName 'my cluster' must be an EKS cluster name/);
    expect(attemptController({ region: 'Ireland' })).toThrow(/region 'Ireland' must be an AWS region/);
    expect(attemptController({ vpcId: 'my-vpc' })).toThrow(/vpcId 'my-vpc' must be a VPC id/);
    expect(attemptController({ roleArn: 'lb-role' })).toThrow(/roleArn 'lb-role' must be an IAM role ARN/);
    expect(attemptController({ values: {} })).toThrow(/resources must set requests.cpu, requests.memory and limits.memory/);
    expect(attemptController({ overrides: { createIngressClassResource: false } })).toThrow(/createIngressClassResource must stay true/);
    expect(attemptController({ overrides: { defaultLoadBalancerScheme: 'internet-facing' } })).toThrow(
      /defaultLoadBalancerScheme must stay 'internal' \(got internet-facing\)/,
    );
  });
});

describe('PlatformIngress', () => {
  it('routes each UI through one internal HTTP load balancer by default', () => {
    const { ingress, controller, json } = build({}, {});
    expect(ingress!.scheme).toBe('internal');
    expect(ingress!.ingresses.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([
      'airflow/airflow',
      'mlflow/mlflow',
      'monitoring/grafana',
      'kserve/models',
    ]);
    const airflow = ingressOf(ingress!, 'airflow');
    expect(annotations(airflow)).toEqual({
      'alb.ingress.kubernetes.io/group.name': 'mlops-platform',
      'alb.ingress.kubernetes.io/scheme': 'internal',
      'alb.ingress.kubernetes.io/target-type': 'ip',
      'alb.ingress.kubernetes.io/load-balancer-attributes': 'routing.http.drop_invalid_header_fields.enabled=true',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP":80}]',
    });
    expect(airflow.spec).toEqual({
      ingressClassName: 'alb',
      rules: [
        {
          host: 'airflow.mlops.example.com',
          http: {
            paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'airflow-api-server', port: { number: 8080 } } } }],
          },
        },
      ],
    });
    expect(annotations(ingressOf(ingress!, 'mlflow'))['alb.ingress.kubernetes.io/healthcheck-path']).toBe('/health');
    expect(ingress!.manifests.manifests.map((m) => m.kind)).toEqual(['Ingress', 'Ingress', 'Ingress', 'Ingress']);
    expect(ingress!.urls).toEqual({
      airflow: 'http://airflow.mlops.example.com/',
      mlflow: 'http://mlflow.mlops.example.com/',
      grafana: 'http://grafana.mlops.example.com/',
    });
    // The Ingresses wait for the controller: its validating webhook must answer first.
    const release = Object.entries(resources(json, 'helm_release')).find(([, r]) => r.name === 'mlops-platform-ingress')!;
    const controllerId = Object.entries(resources(json, 'helm_release')).find(([, r]) => r.name === CHART)![0];
    expect(release[1].depends_on).toEqual([`helm_release.${controllerId}`]);
    expect(release[1].namespace).toBe(controller.namespace);
  });

  it('goes internet-facing only with HTTPS, a TLS 1.2+ policy and OIDC at the load balancer', () => {
    const { ingress } = build({}, { internetFacing: true, certificateArn: CERTIFICATE, oidc: OIDC, allowedCidrs: ['203.0.113.0/24'] });
    expect(ingress!.scheme).toBe('internet-facing');
    const grafana = annotations(ingressOf(ingress!, 'grafana'));
    expect(grafana).toMatchObject({
      'alb.ingress.kubernetes.io/scheme': 'internet-facing',
      'alb.ingress.kubernetes.io/listen-ports': '[{"HTTP":80},{"HTTPS":443}]',
      'alb.ingress.kubernetes.io/certificate-arn': CERTIFICATE,
      'alb.ingress.kubernetes.io/ssl-policy': 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      'alb.ingress.kubernetes.io/ssl-redirect': '443',
      'alb.ingress.kubernetes.io/inbound-cidrs': '203.0.113.0/24',
      'alb.ingress.kubernetes.io/auth-type': 'oidc',
      'alb.ingress.kubernetes.io/auth-on-unauthenticated-request': 'authenticate',
    });
    expect(JSON.parse(grafana['alb.ingress.kubernetes.io/auth-idp-oidc'])).toEqual({
      issuer: OIDC.issuer,
      authorizationEndpoint: OIDC.authorizationEndpoint,
      tokenEndpoint: OIDC.tokenEndpoint,
      userInfoEndpoint: OIDC.userInfoEndpoint,
      secretName: 'alb-oidc',
    });
    // Group members must agree on load-balancer settings: every Ingress carries the same ones.
    const shared = (i: KubernetesObject) =>
      Object.entries(annotations(i)).filter(([key]) => key !== 'alb.ingress.kubernetes.io/healthcheck-path');
    expect(new Set(ingress!.ingresses.map((i) => JSON.stringify(shared(i)))).size).toBe(1);
    expect(ingress!.urls.mlflow).toBe('https://mlflow.mlops.example.com/');
  });

  it('gives each route namespace the OIDC client Secret from Secrets Manager and a Role reading only it', () => {
    const { ingress } = build({}, { internetFacing: true, certificateArn: CERTIFICATE, oidc: OIDC });
    const inMlflow = ingress!.manifests.manifests.filter((m) => m.metadata.namespace === 'mlflow');
    expect(inMlflow.map((m) => m.kind)).toEqual(['ExternalSecret', 'Role', 'RoleBinding', 'Ingress']);
    expect(inMlflow[0].spec).toMatchObject({
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' },
      target: { name: 'alb-oidc' },
      data: [
        { secretKey: 'clientID', remoteRef: { key: OIDC.clientSecretName, property: 'client_id' } },
        { secretKey: 'clientSecret', remoteRef: { key: OIDC.clientSecretName, property: 'client_secret' } },
      ],
    });
    expect(inMlflow[1].rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['alb-oidc'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(inMlflow[2].subjects).toEqual([{ kind: 'ServiceAccount', name: CHART, namespace: CHART }]);
    expect(ingress!.manifests.manifests.filter((m) => m.kind === 'ExternalSecret')).toHaveLength(4);
  });

  it('uses HTTPS on an internal load balancer when given a certificate', () => {
    const { ingress } = build({}, { certificateArn: CERTIFICATE });
    const first = annotations(ingress!.ingresses[0]);
    expect(first['alb.ingress.kubernetes.io/scheme']).toBe('internal');
    expect(first['alb.ingress.kubernetes.io/ssl-redirect']).toBe('443');
    expect(first['alb.ingress.kubernetes.io/auth-type']).toBeUndefined();
  });

  it('rejects exposure without TLS or authentication, and routes it cannot serve', () => {
    expect(attemptIngress({ internetFacing: true, oidc: OIDC })).toThrow(/certificateArn is required when internetFacing is true/);
    expect(attemptIngress({ internetFacing: true, certificateArn: CERTIFICATE })).toThrow(/oidc is required when internetFacing is true/);
    expect(attemptIngress({ oidc: OIDC })).toThrow(/certificateArn is required with oidc/);
    expect(attemptIngress({ certificateArn: 'my-cert' })).toThrow(/certificateArn 'my-cert' must be an ACM certificate ARN/);
    expect(attemptIngress({ certificateArn: CERTIFICATE, oidc: { ...OIDC, tokenEndpoint: 'http://login.example.com/token' } })).toThrow(
      /oidc.tokenEndpoint 'http:\/\/login.example.com\/token' must be an https:\/\/ URL/,
    );
    expect(attemptIngress({ certificateArn: CERTIFICATE, oidc: { ...OIDC, clientSecretName: ' ' } })).toThrow(
      /oidc.clientSecretName must name a Secrets Manager secret/,
    );
    expect(attemptIngress({ certificateArn: CERTIFICATE, sslPolicy: 'ELBSecurityPolicy-2016-08' })).toThrow(
      /sslPolicy 'ELBSecurityPolicy-2016-08' must be a TLS 1.2\+ policy/,
    );
    expect(attemptIngress({ allowedCidrs: ['office'] })).toThrow(/allowedCidrs 'office' must be a CIDR block/);
    expect(attemptIngress({ allowedCidrs: [] })).toThrow(/allowedCidrs must list at least one CIDR block/);
    expect(attemptIngress({ routes: [] })).toThrow(/routes must name at least one backend/);
    expect(attemptIngress({ groupName: 'MLOps' })).toThrow(/groupName 'MLOps' must be lower-case/);
    const route = ROUTES[0];
    expect(attemptIngress({ routes: [{ ...route, name: 'Airflow' }] })).toThrow(/routes 'Airflow': name must be a lower-case DNS label/);
    expect(attemptIngress({ routes: [{ ...route, port: 0 }] })).toThrow(/routes 'airflow': port must be from 1 to 65535 \(got 0\)/);
    expect(attemptIngress({ routes: [{ ...route, host: 'https://airflow.example.com' }] })).toThrow(
      /host 'https:\/\/airflow.example.com' must be/,
    );
    expect(attemptIngress({ routes: [{ ...route, path: 'ui' }] })).toThrow(/routes 'airflow': path 'ui' must start with '\/'/);
    expect(
      attemptIngress({
        routes: [
          { ...route, host: undefined },
          { ...ROUTES[1], host: undefined },
        ],
      }),
    ).toThrow(/routes 'airflow' and 'mlflow' both match \*\/: give one of them a host/);
  });
});

describe('loadBalancerControllerPolicy', () => {
  const statements = loadBalancerControllerPolicy();

  it('translates the upstream statements with their tag conditions, without WAF and Shield', () => {
    expect(statements).toHaveLength(19);
    expect(new Set(statements.map((s) => s.sid)).size).toBe(19);
    for (const s of statements) expect(s.effect).toBe('Allow');
    expect(statements.flatMap((s) => s.actions ?? []).filter((a) => /^(waf|shield)/.test(a))).toEqual([]);
    const modify = statements.find((s) => s.sid === 'ModifyOwnLoadBalancers')!;
    expect(modify.condition).toEqual([{ test: 'Null', variable: 'aws:ResourceTag/elbv2.k8s.aws/cluster', values: ['false'] }]);
    expect(statements.find((s) => s.sid === 'CreateElbServiceLinkedRole')!.condition).toEqual([
      { test: 'StringEquals', variable: 'iam:AWSServiceName', values: ['elasticloadbalancing.amazonaws.com'] },
    ]);
    expect(statements.find((s) => s.sid === 'RegisterTargets')!.resources).toEqual(['arn:aws:elasticloadbalancing:*:*:targetgroup/*/*']);
    expect(loadBalancerControllerPolicy('aws-cn').find((s) => s.sid === 'TagNewSecurityGroup')!.resources).toEqual([
      'arn:aws-cn:ec2:*:*:security-group/*',
    ]);
  });

  it('names every action and keeps Resource "*" only for reads IAM cannot scope', () => {
    expect(statements.flatMap((s) => s.actions ?? []).filter((a) => a.includes('*'))).toEqual([]);
    expect(statements.filter((s) => s.resources?.includes('*')).map((s) => s.sid)).toEqual(['Describe', 'ListCertificates']);
    expect(statements.find((s) => s.sid === 'CreateSecurityGroup')!.resources).toEqual([
      'arn:aws:ec2:*:*:security-group/*',
      'arn:aws:ec2:*:*:vpc/*',
    ]);
  });
});
