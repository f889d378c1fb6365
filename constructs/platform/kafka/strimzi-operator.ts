import type { ChartImages } from '../../images/image-mirror';

import { Construct } from 'constructs';
import { HelmRelease, type HelmChart, type ValuesFiles } from '../../helm/helm-release';
import { zoneSpread } from '../../kubernetes/objects';
import { checkPlacement } from '../validation';
import type { AvailabilityProps, ChartComponentProps } from '../component';

/** Strimzi's own chart, published in its OCI registry. 1.2.0 serves only `kafka.strimzi.io/v1` and runs Kafka 4.2–4.3 (KRaft only). */
export const STRIMZI_CHART: HelmChart = { repository: 'oci://quay.io/strimzi-helm', chart: 'strimzi-kafka-operator', version: '1.2.0' };

/** The operator's image and the images it runs (Kafka, exporter, …) all come from one registry. */
const STRIMZI_IMAGES: ChartImages = (mirror) => ({ defaultImageRegistry: mirror.registry('quay.io') });

/** The labels the chart gives the operator's pods. */
const OPERATOR_POD_LABELS = { name: 'strimzi-cluster-operator', 'strimzi.io/kind': 'cluster-operator' };

/** Props of {@link StrimziOperator}. */
/**
 * The operator watches only its own namespace, so the Kafka cluster lives there too. Highly available, it
 * runs two replicas (leader election: one reconciles, one takes over).
 */
export interface StrimziOperatorProps extends Omit<ChartComponentProps, 'values'>, Pick<AvailabilityProps, 'highlyAvailable'> {
  /** `values/strimzi-kafka-operator.yaml` and its environment overlay. @default the chart's defaults */
  readonly values?: ValuesFiles;
}

/**
 * The Strimzi cluster operator (Helm chart `strimzi-kafka-operator`), watching its own namespace only.
 * The chart installs the CRDs on first install (Helm never upgrades `crds/`) and the cluster-wide roles,
 * among them `strimzi-kafka-broker` (get nodes), which the operator delegates to brokers for rack awareness.
 */
export class StrimziOperator extends Construct {
  readonly release: HelmRelease;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: StrimziOperatorProps) {
    super(scope, id);
    checkPlacement(this.node.path, props.placement);
    this.namespace = props.namespace;
    this.release = new HelmRelease(this, 'Release', {
      releaseName: 'strimzi-kafka-operator',
      namespace: props.namespace,
      chart: STRIMZI_CHART,
      images: STRIMZI_IMAGES,
      values: {
        file: props.values?.file,
        environment: props.values?.environment,
        computed: {
          // Empty list and no "any": STRIMZI_NAMESPACE comes from the pod's own namespace.
          watchAnyNamespace: false,
          watchNamespaces: [],
          // The chart's ClusterRoleBinding for brokers' node reads (rack awareness) names this account.
          serviceAccountCreate: true,
          serviceAccount: 'strimzi-cluster-operator',
          createGlobalResources: true,
          nodeSelector: props.placement.nodeSelector,
          tolerations: props.placement.tolerations,
          ...(props.highlyAvailable
            ? {
                replicas: 2,
                leaderElection: { enable: true },
                podDisruptionBudget: { enabled: true, minAvailable: 1 },
                topologySpreadConstraints: zoneSpread(OPERATOR_POD_LABELS),
              }
            : {}),
        },
        overrides: props.overrides,
      },
      dependsOn: props.dependsOn,
    });
  }
}
