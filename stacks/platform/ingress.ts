import type { Airflow } from '../../constructs/platform/airflow';
import { LoadBalancerController, PlatformIngress } from '../../constructs/platform/ingress';
import type { Mlflow } from '../../constructs/platform/mlflow';
import type { Observability } from '../../constructs/platform/observability';
import type { ModelServing } from '../../constructs/platform/serving';
import { WORKLOADS } from '../catalogue';
import type { PlatformContext } from './context';

/** The UIs behind the load balancer. */
export interface RoutedComponents {
  readonly airflow: Airflow;
  readonly mlflow: Mlflow;
  readonly observability: Observability;
  readonly modelServing: ModelServing;
}

/** The AWS Load Balancer Controller and the one ALB that routes by host to the UIs and the served models. */
export function addIngress(
  { scope, environment, props, placement, namespace, secretStore, host }: PlatformContext,
  { airflow, mlflow, observability, modelServing }: RoutedComponents,
): { loadBalancerController: LoadBalancerController; ingress: PlatformIngress } {
  const { ingress } = environment.platform;
  const controller = new LoadBalancerController(scope, 'LoadBalancerController', {
    namespace: namespace(WORKLOADS.loadBalancerController.namespace),
    values: props.values('aws-load-balancer-controller'),
    clusterName: props.cluster.clusterName,
    region: environment.aws.region,
    vpcId: props.vpcId,
    roleArn: props.roles.loadBalancerController,
    serviceAccountName: WORKLOADS.loadBalancerController.serviceAccounts[0],
    placement: placement.general,
    highlyAvailable: environment.production,
  });
  const platformIngress = new PlatformIngress(scope, 'Ingress', {
    controller,
    internetFacing: ingress.internetFacing,
    certificateArn: ingress.certificateArn,
    oidc: ingress.oidc,
    allowedCidrs: ingress.allowedCidrs,
    storeName: secretStore.name,
    dependsOn: [secretStore.ready],
    routes: [
      { name: 'airflow', ...airflow.apiServer, host: host('airflow'), healthCheckPath: '/api/v2/monitor/health' },
      { name: 'mlflow', ...mlflow.endpoint, host: host('mlflow'), healthCheckPath: '/health' },
      { name: 'grafana', ...observability.grafana, host: host('grafana'), healthCheckPath: '/api/health' },
      // Each served model on its own host.
      ...Object.entries(modelServing.predictors).map(([model, predictor]) => ({
        name: `model-${model}`,
        ...predictor,
        host: `${model}.models.${environment.name}.mlops.internal`,
        healthCheckPath: environment.platform.serving.models[model].protocolVersion === 'v1' ? `/v1/models/${model}` : '/v2/health/ready',
      })),
    ],
  });
  return { loadBalancerController: controller, ingress: platformIngress };
}
