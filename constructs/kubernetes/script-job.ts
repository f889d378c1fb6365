import { readOnlyContainerSecurity, type KubernetesObject, type Placement } from './objects';

/** Props of {@link scriptJob}. */
export interface ScriptJobProps {
  readonly name: string;
  readonly namespace: string;
  readonly placement: Placement;
  /** A Python program for `python3 -c`: the standard library only. */
  readonly script: string;
  readonly env: Record<string, unknown>[];
  /** Volumes, each mounted read-only at its path. */
  readonly mounts: { readonly path: string; readonly volume: Record<string, unknown> }[];
  /** @default 'python:3.13-alpine' */
  readonly image?: string;
}

/**
 * A Job that runs a short Python program once (retried until it succeeds): non-root as `nobody` with a
 * read-only root filesystem and no service-account token, small and bounded, as Pod Security `restricted`
 * wants. Mounted files are readable by its group (`fsGroup`), so Secrets may keep mode 0440.
 */
export function scriptJob(props: ScriptJobProps): KubernetesObject {
  const volumes = props.mounts.map((m, index) => ({ name: `mount-${index}`, ...m.volume }));
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: props.name, namespace: props.namespace },
    spec: {
      backoffLimit: 6,
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': props.name.replace(/-[0-9a-f]{12}$/, '') } },
        spec: {
          restartPolicy: 'OnFailure',
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65534,
            runAsGroup: 65534,
            fsGroup: 65534,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          nodeSelector: props.placement.nodeSelector,
          tolerations: props.placement.tolerations,
          containers: [
            {
              name: 'run',
              image: props.image ?? 'python:3.13-alpine',
              command: ['python3', '-c', props.script],
              env: props.env,
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
              securityContext: readOnlyContainerSecurity(),
              volumeMounts: props.mounts.map((m, index) => ({ name: `mount-${index}`, mountPath: m.path, readOnly: true })),
            },
          ],
          volumes,
        },
      },
    },
  };
}

/**
 * The same program on a schedule (cron, UTC): a CronJob whose runs never overlap, keeping the last success and
 * the last three failures to read.
 */
export function scriptCronJob(props: ScriptJobProps & { readonly schedule: string }): KubernetesObject {
  const job = scriptJob(props);
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: job.metadata,
    spec: {
      schedule: props.schedule,
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      jobTemplate: { spec: { ...(job.spec as Record<string, unknown>), backoffLimit: 2 } },
    },
  };
}
