import { valuesAt } from '../../helm/values';
import type { ChartImages } from '../../images/image-mirror';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { HelmRelease } from '../../helm/helm-release';
import { ManifestsRelease } from '../../helm/manifests-release';
import { irsaAnnotations, zoneSpread } from '../../kubernetes/objects';
import { portAt, type Endpoint } from '../../kubernetes/endpoint';
import {
  type AvailabilityProps,
  type AwsWorkloadProps,
  type ChartComponentProps,
  DEFAULT_SECRET_STORE,
  type SecretStoreProps,
} from '../component';

/** Props of {@link ExternalSecretsOperator}. */
/** Its IRSA role may read exactly the platform's secrets. */
export interface ExternalSecretsOperatorProps
  extends Omit<ChartComponentProps, 'overrides'>, AwsWorkloadProps, Pick<AvailabilityProps, 'highlyAvailable'>, SecretStoreProps {
  /**
   * The namespaces whose ExternalSecrets may read through the store: a ClusterSecretStore serves every
   * namespace unless its conditions say otherwise, and it can read every platform secret.
   */
  readonly storeNamespaces: string[];
}

/**
 * External Secrets Operator (chart `external-secrets` 2.9.0) and the ClusterSecretStore through which every
 * platform namespace reads Secrets Manager, authenticated with the operator's own IRSA identity.
 * Depend on {@link ready} before creating ExternalSecrets.
 */
export class ExternalSecretsOperator extends Construct {
  static readonly CHART = { repository: 'https://charts.external-secrets.io', chart: 'external-secrets', version: '2.9.0' };
  /** The chart's image keys, pointed at an {@link ImageMirror}. */
  static readonly IMAGES: ChartImages = (mirror) => {
    const repository = mirror.repository('ghcr.io/external-secrets/external-secrets');
    return valuesAt({
      'image.repository': repository,
      'webhook.image.repository': repository,
      'certController.image.repository': repository,
    });
  };
  /** Name of the ClusterSecretStore for Secrets Manager. */
  readonly storeName: string;
  readonly serviceAccountName = 'external-secrets';
  readonly release: HelmRelease;
  /** The admission webhook the API server calls. */
  readonly webhook: Endpoint;
  readonly store: ManifestsRelease;
  /** Depend on this: the store exists and the operator serves it. */
  readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: ExternalSecretsOperatorProps) {
    super(scope, id);
    this.storeName = props.storeName ?? DEFAULT_SECRET_STORE;
    if (props.storeNamespaces.length === 0)
      throw new Error(`${this.node.path}: storeNamespaces must name the namespaces that read secrets`);
    const ha = props.highlyAvailable ?? false;
    const replicas = ha ? 2 : 1;
    const spread = (component: string) => (ha ? zoneSpread({ 'app.kubernetes.io/name': component }) : []);
    const perComponent = (component: string) => ({
      replicaCount: replicas,
      podDisruptionBudget: { enabled: ha, minAvailable: 1 },
      topologySpreadConstraints: spread(component),
    });

    this.release = new HelmRelease(this, 'Operator', {
      releaseName: 'external-secrets',
      namespace: props.namespace,
      chart: ExternalSecretsOperator.CHART,
      images: ExternalSecretsOperator.IMAGES,
      values: {
        ...props.values,
        computed: {
          global: { nodeSelector: props.placement.nodeSelector, tolerations: props.placement.tolerations },
          serviceAccount: { name: this.serviceAccountName, annotations: irsaAnnotations(props.roleArn) },
          ...perComponent('external-secrets'),
          webhook: perComponent('external-secrets-webhook'),
          certController: perComponent('external-secrets-cert-controller'),
        },
      },
      dependsOn: props.dependsOn,
    });
    this.webhook = {
      namespace: props.namespace,
      service: 'external-secrets-webhook',
      port: 443,
      targetPort: portAt(this.release.values, 'webhook.port', 10250),
    };

    this.store = new ManifestsRelease(this, 'Store', {
      releaseName: 'secret-stores',
      namespace: props.namespace,
      manifests: [
        {
          apiVersion: 'external-secrets.io/v1',
          kind: 'ClusterSecretStore',
          metadata: { name: this.storeName },
          spec: {
            conditions: [{ namespaces: [...new Set(props.storeNamespaces)].sort() }],
            provider: {
              aws: {
                service: 'SecretsManager',
                region: props.region,
                auth: { jwt: { serviceAccountRef: { name: this.serviceAccountName, namespace: props.namespace } } },
              },
            },
          },
        },
      ],
      dependsOn: [this.release.release],
    });
    this.ready = this.store.helmRelease.release;
  }
}
