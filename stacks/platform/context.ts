import type { ITerraformDependable } from 'cdktf';
import type { Construct } from 'constructs';
import type { Placement } from '../../constructs/kubernetes/objects';
import type { EnvironmentConfig } from '../../src/config/schema';
import type { PlatformStackProps } from './props';

/** Where pods go, by node pool. */
export interface PoolPlacements {
  readonly general: Placement;
  readonly compute: Placement;
  readonly storage: Placement;
}

/** What every area of the platform stack builds on: its scope, the environment, and the stack's shared parts. */
export interface PlatformContext {
  /** The platform stack: areas add their constructs to it directly, so construct paths stay those of one stack. */
  readonly scope: Construct;
  readonly environment: EnvironmentConfig;
  readonly props: PlatformStackProps;
  readonly placement: PoolPlacements;
  /** A namespace of the catalogue, as a reference to the stack's namespace resource (so releases wait for it). */
  readonly namespace: (name: string) => string;
  /** The ClusterSecretStore of Secrets Manager, and what must be ready before anything uses it. */
  readonly secretStore: { readonly name: string; readonly ready: ITerraformDependable };
  /** `platform.ingress.hosts.<ui>`, or `<ui>.<environment>.mlops.internal`. */
  readonly host: (ui: 'airflow' | 'mlflow' | 'grafana') => string;
}
