import { valueAt, type HelmValues } from '../helm/values';

/**
 * Where a component listens: the Service its clients and the load balancer address, and the pods' port that
 * network policies admit (a Service forwards its port to the pods' target port). Components expose their
 * endpoints as properties, so flows and routes are built from what the component configured, never from
 * literals that a changed value would silently contradict.
 */
export interface Endpoint {
  /** Namespace of the component's pods and Service. */
  readonly namespace: string;
  /** The ClusterIP Service. */
  readonly service: string;
  /** The Service's port. */
  readonly port: number;
  /** The pods' port behind it. @default port */
  readonly targetPort?: number;
}

/** The port network policies must admit for `endpoint`: the pods'. */
export function podPort(endpoint: Endpoint): number {
  return endpoint.targetPort ?? endpoint.port;
}

/** The port at `path` of a release's merged values, or the chart's default where the values leave it. */
export function portAt(values: HelmValues, path: string, chartDefault: number): number {
  const value = valueAt(values, path);
  if (value === undefined) return chartDefault;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) {
    throw new Error(`values: ${path} must be a TCP port number (got ${JSON.stringify(value)})`);
  }
  return value as number;
}
