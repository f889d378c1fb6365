import { SPARK_UID } from './versions';

/**
 * Pod security context of every Spark pod (drivers, executors, history server): the image's `spark` user,
 * never root, the runtime's default seccomp profile. `fsGroup` lets the user read the projected IRSA token.
 */
export function sparkPodSecurityContext(): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: SPARK_UID,
    runAsGroup: SPARK_UID,
    fsGroup: SPARK_UID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Container security context meeting Pod Security `restricted`. The root filesystem is read-only only where
 * the process is known to write nowhere but its volumes: Spark drivers and executors write to the image's
 * work and temp directories, and user code may write anywhere.
 */
export function sparkContainerSecurityContext(readOnlyRootFilesystem: boolean): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: SPARK_UID,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
