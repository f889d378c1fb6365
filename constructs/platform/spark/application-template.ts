import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { ManifestsRelease } from '../../helm/manifests-release';
import { ImageMirror } from '../../images/image-mirror';
import { sparkApplication, type SparkJobDefaults } from './spark-application';
import { SPARK_IMAGE } from './versions';

/** Props of {@link SparkApplicationTemplate}. */
export interface SparkApplicationTemplateProps {
  /** Where the jobs run: the operator's job namespace, its service account, the compute pool, the logs bucket. */
  readonly defaults: SparkJobDefaults;
  /** Namespace of the ConfigMap: the submitters' (Airflow's). */
  readonly namespace: string;
}

/** The ConfigMap's name and key. */
export const SPARK_TEMPLATE = { configMap: 'spark-application-template', key: 'spark-application.yaml' } as const;

/**
 * The platform's SparkApplication defaults as a ready-made object, for jobs submitted at run time (from a DAG)
 * to be as safe as configured ones: placement, security contexts, identity, S3A with its jars, event log and
 * metrics. A submitter loads `spark-application.yaml` from the ConfigMap, sets `metadata.name`, `spec.image`,
 * `spec.mainApplicationFile` (and `mainClass`, `arguments`, resources), and creates it in the job namespace.
 */
export class SparkApplicationTemplate extends Construct {
  readonly release: ManifestsRelease;

  constructor(scope: Construct, id: string, props: SparkApplicationTemplateProps) {
    super(scope, id);
    const application = sparkApplication(
      'replace-me',
      {
        image: SPARK_IMAGE,
        type: 'Python',
        mainApplicationFile: 'local:///opt/spark/work-dir/replace-me.py',
        driver: { cores: 1, memory: '1g' },
        executor: { cores: 1, memory: '2g', instances: 2 },
      },
      props.defaults,
    );
    // A string to the release, so the mirror's rewriting of the manifests' images must happen here.
    const mirror = ImageMirror.of(this);
    const template = mirror ? mirror.images(application) : application;
    this.release = new ManifestsRelease(this, 'Release', {
      releaseName: SPARK_TEMPLATE.configMap,
      namespace: props.namespace,
      manifests: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: SPARK_TEMPLATE.configMap, namespace: props.namespace },
          data: { [SPARK_TEMPLATE.key]: stringify(template, { lineWidth: 0 }) },
        },
      ],
    });
  }
}
