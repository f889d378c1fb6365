import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { Construct } from 'constructs';

/** Pod Security Standards level a namespace enforces. */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

/** Props of {@link PlatformNamespace}. */
export interface PlatformNamespaceProps {
  readonly name: string;
  /**
   * Enforced Pod Security level; `restricted` (non-root, no privilege escalation, seccomp) unless a chart
   * cannot run that way. Violations of `restricted` are always warned about and audited.
   * @default 'restricted'
   */
  readonly podSecurity?: PodSecurityLevel;
  /** @default none besides the platform's own */
  readonly labels?: Record<string, string>;
}

/** A namespace for one platform concern, with Pod Security admission labels. */
export class PlatformNamespace extends Construct {
  readonly name: string;
  readonly namespace: NamespaceV1;

  constructor(scope: Construct, id: string, props: PlatformNamespaceProps) {
    super(scope, id);
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(props.name)) {
      throw new Error(`${this.node.path}: name '${props.name}' must be a lower-case DNS label`);
    }
    const level = props.podSecurity ?? 'restricted';
    this.namespace = new NamespaceV1(this, 'Namespace', {
      metadata: {
        name: props.name,
        labels: {
          ...props.labels,
          'app.kubernetes.io/part-of': 'mlops-platform',
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });
    this.name = this.namespace.metadata.name;
  }
}
