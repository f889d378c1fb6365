import type { Airflow } from '../../constructs/platform/airflow';
import { LoadBalancerController, PlatformIngress } from '../../constructs/platform/ingress';
import type { Mlflow } from '../../constructs/platform/mlflow';
import type { Observability } from '../../constructs/platform/observability';
import { WORKLOADS } from '../catalogue';
import type { PlatformContext } from './context';

/** The UIs behind the load balancer. */
export interface RoutedComponents {
  readonly airflow: Airflow;
  readonly mlflow: Mlflow;
  readonly observability: Observability;
}

/** The AWS Load Balancer Controller and the one ALB that routes by host to the UIs and the served models. */
export function addIngress(
  { scope, environment, props, placement, namespace, secretStore, host }: PlatformContext,
  { airflow, mlflow, observability }: RoutedComponents,
): PlatformIngress {
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
    production: environment.production,
  });
  return new PlatformIngress(scope, 'Ingress', {
    controller,
    internetFacing: ingress.internetFacing,
    certificateArn: ingress.certificateArn,
    oidc: ingress.oidc,
    allowedCidrs: ingress.allowedCidrs,
    storeName: secretStore.name,
    dependsOn: [secretStore.ready],
    routes: [
      {
        name: 'airflow',
        namespace: airflow.namespace,
        service: 'airflow-api-server',
        port: 8080,
        host: host('airflow'),
        healthCheckPath: '/api/v2/monitor/health',
      },
      {
        name: 'mlflow',
        namespace: mlflow.namespace,
        service: mlflow.serviceName,
        port: mlflow.port,
        host: host('mlflow'),
        healthCheckPath: '/health',
      },
      {
        name: 'grafana',
        namespace: observability.namespace,
        service: 'monitoring-grafana',
        port: 80,
        host: host('grafana'),
        healthCheckPath: '/api/health',
      },
      // Each served model on its own host; KServe's predictor Service listens on 80.
      ...Object.entries(environment.platform.serving.models).map(([model, spec]) => ({
        name: `model-${model}`,
        namespace: namespace(WORKLOADS.modelServing.namespace),
        service: `${model}-predictor`,
        port: 80,
        host: `${model}.models.${environment.name}.mlops.internal`,
        healthCheckPath: spec.protocolVersion === 'v1' ? `/v1/models/${model}` : '/v2/health/ready',
      })),
    ],
  });
}
