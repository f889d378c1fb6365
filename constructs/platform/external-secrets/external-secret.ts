import type { KubernetesObject } from '../../kubernetes/objects';

/** Where one key of a Kubernetes Secret comes from: a Secrets Manager secret and, for JSON secrets, a property. */
export interface SecretSource {
  /** Secrets Manager secret name or ARN. */
  readonly key: string;
  /** Property of the secret's JSON value. @default the whole value */
  readonly property?: string;
  /** Another store to read this key from. @default the ExternalSecret's store */
  readonly store?: { readonly name: string; readonly kind: 'SecretStore' | 'ClusterSecretStore' };
}

/** Props of {@link externalSecret}. */
export interface ExternalSecretProps {
  /** Name of the Kubernetes Secret to create (and of the ExternalSecret). */
  readonly name: string;
  readonly namespace: string;
  /** The ClusterSecretStore to read from. */
  readonly storeName: string;
  /** Keys of the Kubernetes Secret, each from one source. */
  readonly data: Record<string, SecretSource>;
  /**
   * Go templates that build the Secret's keys from `data` (`{{ .password }}`), for values a chart wants
   * assembled, such as a connection URI. With a template, only the templated keys are written.
   * @default the data keys as they are
   */
  readonly template?: Record<string, string>;
  /** @default '1h' */
  readonly refreshInterval?: string;
}

/**
 * An External Secrets `ExternalSecret`: keeps a Kubernetes Secret in sync with Secrets Manager, so charts
 * are only ever given a secret's name. The Secret is owned by the ExternalSecret and goes with it.
 */
export function externalSecret(props: ExternalSecretProps): KubernetesObject {
  if (Object.keys(props.data).length === 0)
    throw new Error(`ExternalSecret ${props.namespace}/${props.name}: data must name at least one key`);
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: props.name, namespace: props.namespace },
    spec: {
      refreshInterval: props.refreshInterval ?? '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: props.storeName },
      target: {
        name: props.name,
        creationPolicy: 'Owner',
        deletionPolicy: 'Retain',
        ...(props.template ? { template: { engineVersion: 'v2', mergePolicy: 'Replace', data: props.template } } : {}),
      },
      data: Object.entries(props.data).map(([secretKey, source]) => ({
        secretKey,
        remoteRef: { key: source.key, ...(source.property ? { property: source.property } : {}) },
        ...(source.store ? { sourceRef: { storeRef: source.store } } : {}),
      })),
    },
  };
}
