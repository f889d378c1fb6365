import type { ITerraformDependable } from 'cdktf';
import type { ValuesFiles } from '../helm/helm-release';
import type { HelmValues } from '../helm/values';
import type { Placement } from '../kubernetes/objects';

// The props every platform component shares, documented once; each component's props extend the ones it
// uses, and resolveAvailability is the one place their replica rules live.

/** Where a component runs and what it waits for. */
export interface ComponentProps {
  /** Namespace of the component's pods, created beforehand with its Pod Security level. */
  readonly namespace: string;
  /** Node pool of the component's pods (its `nodeSelector` and `tolerations`), usually the `general` pool. */
  readonly placement: Placement;
  /** What must exist first: CRDs, secrets, databases. @default none */
  readonly dependsOn?: ITerraformDependable[];
}

/** A component installed from an upstream chart. */
export interface ChartComponentProps extends ComponentProps {
  /** `values/<chart>.yaml` and the environment's overlay. */
  readonly values: ValuesFiles;
  /** Last-word values, above everything the construct computes. @default none */
  readonly overrides?: HelmValues;
}

/** A component that calls AWS with a workload identity (IRSA). */
export interface AwsWorkloadProps {
  /** The IRSA role its service account assumes. */
  readonly roleArn: string;
  /** Region of its AWS calls. */
  readonly region: string;
}

/** How many pods a component runs, and whether it must survive losing a node or a zone. */
export interface AvailabilityProps {
  /** Pods of the component. @default 2 where highlyAvailable, else 1 */
  readonly replicas?: number;
  /**
   * At least two replicas, a PodDisruptionBudget and spread over zones, so losing a node or a zone (or a
   * node drain) never takes the component down. @default false
   */
  readonly highlyAvailable?: boolean;
}

/** Replicas and availability with their defaults applied; throws where they contradict each other. */
export function resolveAvailability(where: string, props: AvailabilityProps, maxReplicas = 10): Required<AvailabilityProps> {
  const highlyAvailable = props.highlyAvailable ?? false;
  const replicas = props.replicas ?? (highlyAvailable ? 2 : 1);
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > maxReplicas) {
    throw new Error(`${where}: replicas must be a whole number from 1 to ${maxReplicas} (got ${replicas})`);
  }
  if (highlyAvailable && replicas < 2) {
    throw new Error(`${where}: replicas must be at least 2 to be highly available (got ${replicas}); one pod is a single point of failure`);
  }
  return { replicas, highlyAvailable };
}

/** The ClusterSecretStore External Secrets serves Secrets Manager through. */
export const DEFAULT_SECRET_STORE = 'aws-secrets-manager';

/** A component whose secrets External Secrets copies from Secrets Manager. */
export interface SecretStoreProps {
  /** The ClusterSecretStore reading Secrets Manager. @default {@link DEFAULT_SECRET_STORE} */
  readonly storeName?: string;
}
