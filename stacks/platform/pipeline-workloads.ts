import type { Endpoint } from '../../constructs/kubernetes/endpoint';
import { readOnlyContainerSecurity, type KubernetesObject, type Placement } from '../../constructs/kubernetes/objects';
import { CONNECTION_MOUNT } from '../../constructs/platform/spark';
import type { PipelineConfig } from '../../src/config/pipeline-schema';
import { TEAM_CONNECTION_SECRET, teamWorkload } from '../catalogue';

/** Where the pipeline image keeps the steps (`pipelines/` of this repository). */
export const PIPELINE_HOME = '/opt/pipeline';

/** Where a pipeline's workload runs: its name, its team's namespace and the pool. */
interface Where {
  readonly name: string;
  readonly pipeline: PipelineConfig;
  readonly namespace: string;
  readonly placement: Placement;
}

/**
 * A Deployment running a module of the pipeline image (`python3 -m jobs.<module>`) in the team's namespace as the
 * team, with its `platform-connection` Secret mounted where the steps read it, non-root on a read-only root.
 */
function pipelineDeployment(
  { name, pipeline, namespace, placement }: Where,
  component: string,
  container: Record<string, unknown> & { module: string; volumeMounts?: unknown[] },
  pod: { volumes?: unknown[]; terminationGracePeriodSeconds?: number } = {},
): KubernetesObject {
  const labels = { 'app.kubernetes.io/name': `${name}-${component}`, 'app.kubernetes.io/part-of': 'mlops-platform' };
  const { module, volumeMounts = [], ...rest } = container;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${name}-${component}`, namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: teamWorkload(pipeline.team).serviceAccounts[0],
          // Neither calls the Kubernetes API; for AWS, EKS's webhook mounts the web identity token itself.
          automountServiceAccountToken: false,
          nodeSelector: { ...placement.nodeSelector },
          tolerations: placement.tolerations.map((t) => ({ ...t })),
          securityContext: { runAsNonRoot: true, runAsUser: 185, seccompProfile: { type: 'RuntimeDefault' } },
          ...(pod.terminationGracePeriodSeconds ? { terminationGracePeriodSeconds: pod.terminationGracePeriodSeconds } : {}),
          containers: [
            {
              name: component,
              image: pipeline.image,
              command: ['python3', '-m', `jobs.${module}`],
              workingDir: PIPELINE_HOME,
              env: [{ name: 'PLATFORM_CONNECTION_DIR', value: CONNECTION_MOUNT }],
              resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              securityContext: readOnlyContainerSecurity(),
              ...rest,
              volumeMounts: [{ name: 'connection', mountPath: CONNECTION_MOUNT, readOnly: true }, ...volumeMounts],
            },
          ],
          volumes: [{ name: 'connection', secret: { secretName: TEAM_CONNECTION_SECRET } }, ...(pod.volumes ?? [])],
        },
      },
    },
  };
}

const HEARTBEAT = '/tmp/heartbeat';

/** Succeeds while the heartbeat file is younger than `seconds`. */
function heartbeatCheck(seconds: number): string[] {
  return ['python3', '-c', `import os, sys, time; sys.exit(time.time() - os.path.getmtime('${HEARTBEAT}') > ${seconds})`];
}

/** A Deployment publishing synthetic events to the pipeline's topic with the team's Kafka and schema-registry logins. */
export function generator(where: Where): KubernetesObject {
  const { topic, generator: settings } = where.pipeline;
  return pipelineDeployment(
    where,
    'generator',
    {
      module: 'produce',
      args: [
        ...['--topic', topic, '--events-per-second', String(settings!.eventsPerSecond), '--duration-seconds', '0'],
        ...['--heartbeat-file', HEARTBEAT],
      ],
      // Alive and ready while it keeps delivering: the heartbeat is touched after each acknowledged batch.
      livenessProbe: { exec: { command: heartbeatCheck(120) }, periodSeconds: 30, failureThreshold: 3 },
      readinessProbe: { exec: { command: heartbeatCheck(30) }, periodSeconds: 10 },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    },
    { volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }] },
  );
}

const LOGGER_PORT = 8080;

/** The Service of a pipeline's prediction logger, in its team's namespace. */
export function predictionLoggerEndpoint(pipeline: string, namespace: string): Endpoint {
  return { namespace, service: `${pipeline}-prediction-logger`, port: 80, targetPort: LOGGER_PORT };
}

/** Where the pipeline's InferenceService posts its request log. */
export function predictionLoggerUrl(pipeline: string, namespace: string): string {
  const { service } = predictionLoggerEndpoint(pipeline, namespace);
  return `http://${service}.${namespace}.svc.cluster.local`;
}

/**
 * The Deployment and Service that receive a pipeline's request log from KServe's agent and write it to
 * `<data>/predictions/` with the team's IRSA role.
 */
export function predictionLogger(where: Where): KubernetesObject[] {
  const endpoint = predictionLoggerEndpoint(where.name, where.namespace);
  const probe = (seconds: number) => ({ httpGet: { path: '/healthz', port: LOGGER_PORT }, periodSeconds: seconds });
  const deployment = pipelineDeployment(
    where,
    'prediction-logger',
    {
      module: 'prediction_logger',
      args: ['--port', String(LOGGER_PORT)],
      ports: [{ name: 'http', containerPort: LOGGER_PORT }],
      livenessProbe: { ...probe(30), failureThreshold: 3 },
      readinessProbe: probe(10),
    },
    // Time to write what it holds when stopped.
    { terminationGracePeriodSeconds: 30 },
  );
  return [
    deployment,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: endpoint.service, namespace: where.namespace, labels: deployment.metadata.labels },
      spec: {
        selector: (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
        ports: [{ name: 'http', port: endpoint.port, targetPort: LOGGER_PORT }],
      },
    },
  ];
}
