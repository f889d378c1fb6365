import { Construct } from 'constructs';
import { ManifestsRelease } from '../../helm/manifests-release';
import type { KubernetesObject, Placement } from '../../kubernetes/objects';
import { sparkApplication, type SparkApplicationSpec } from './spark-application';
import type { ISparkOperator } from './spark-operator';

/** Props of {@link SparkApplications}. */
export interface SparkApplicationsProps {
  /** The operator the applications are submitted to: its job namespace and service account. */
  readonly operator: ISparkOperator;
  /** Jobs by name (the SparkApplication's name). */
  readonly applications: Readonly<Record<string, SparkApplicationSpec>>;
  /** The `compute` node pool, for drivers and executors. */
  readonly placement: Placement;
  /** Logs bucket of the event logs. */
  readonly logsBucket: string;
  readonly region: string;
  /** @default 'spark-applications' */
  readonly releaseName?: string;
}

/**
 * The configured SparkApplications, one per entry, installed as one release after the operator (its CRDs
 * and webhook must exist). Every application gets the platform's job defaults ({@link sparkApplication}).
 */
export class SparkApplications extends Construct {
  /** The SparkApplication objects, in name order. */
  readonly applications: KubernetesObject[];
  readonly release: ManifestsRelease;

  constructor(scope: Construct, id: string, props: SparkApplicationsProps) {
    super(scope, id);
    const { operator } = props;
    const defaults = {
      namespace: operator.jobNamespace,
      serviceAccountName: operator.serviceAccountName,
      placement: props.placement,
      logsBucket: props.logsBucket,
      region: props.region,
    };
    this.applications = Object.keys(props.applications)
      .sort()
      .map((name) => {
        try {
          return sparkApplication(name, props.applications[name], defaults);
        } catch (error) {
          throw new Error(`${this.node.path}: applications.${name}: ${(error as Error).message}`);
        }
      });
    this.release = new ManifestsRelease(this, 'Release', {
      releaseName: props.releaseName ?? 'spark-applications',
      namespace: operator.jobNamespace,
      manifests: this.applications,
      dependsOn: [operator.ready],
    });
  }
}
