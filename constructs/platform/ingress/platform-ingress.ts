import { Token, type ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ManifestsRelease } from '../../helm/manifests-release';
import { roleFor, type KubernetesObject } from '../../kubernetes/objects';
import { externalSecret } from '../external-secrets';
import type { ILoadBalancerController } from './load-balancer-controller';
import { DEFAULT_SECRET_STORE, type SecretStoreProps } from '../component';

/** One backend the shared load balancer routes to: an Ingress in the Service's namespace. */
export interface IngressRoute {
  /** Name of the Ingress (a DNS label), unique per namespace. */
  readonly name: string;
  readonly namespace: string;
  /** ClusterIP Service in {@link namespace}. */
  readonly service: string;
  readonly port: number;
  /** Host the rule matches; a leading wildcard (`*.models.example.com`) is allowed. @default any host */
  readonly host?: string;
  /** Path prefix. @default '/' */
  readonly path?: string;
  /** Target-group health check. @default the controller's '/' */
  readonly healthCheckPath?: string;
}

/** The OpenID Connect provider the load balancer authenticates users against. */
export interface IngressOidc {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userInfoEndpoint: string;
  /** Secrets Manager secret (name or ARN) with `client_id` and `client_secret`. */
  readonly clientSecretName: string;
}

/** Props of {@link PlatformIngress}. */
export interface PlatformIngressProps extends SecretStoreProps {
  readonly controller: ILoadBalancerController;
  /** Backends; at least one. Two routes may not share host and path. */
  readonly routes: readonly IngressRoute[];
  /** An internet-facing load balancer; requires {@link certificateArn} and {@link oidc}. @default false: internal */
  readonly internetFacing?: boolean;
  /** ACM certificate: with it the listener is HTTPS 443 and port 80 only redirects. @default none: HTTP 80 (internal only) */
  readonly certificateArn?: string;
  /** Authenticate every request at the load balancer (needs {@link certificateArn}). @default none */
  readonly oidc?: IngressOidc;
  /** Source ranges the load balancer's security group admits. @default the controller's: anywhere that can route to it */
  readonly allowedCidrs?: readonly string[];
  /** The Ingress group: every route shares one load balancer. @default 'mlops-platform' */
  readonly groupName?: string;
  /** TLS policy of the HTTPS listener. @default 'ELBSecurityPolicy-TLS13-1-2-2021-06' (TLS 1.2 and 1.3) */
  readonly sslPolicy?: string;
  /** Name of the Kubernetes Secret with `clientID`/`clientSecret` in every route namespace. @default 'alb-oidc' */
  readonly oidcSecretName?: string;
  /** The secret store, when OIDC is on. @default none */
  readonly dependsOn?: ITerraformDependable[];
}

const PREFIX = 'alb.ingress.kubernetes.io';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The platform's UIs and model endpoints behind one Application Load Balancer (an Ingress group), as
 * Ingresses of the controller's class installed once the controller answers its webhooks. Internal and
 * HTTP by default; internet-facing only with HTTPS, a TLS 1.2+ policy and OIDC authentication at the
 * load balancer, whose client credentials come from Secrets Manager through ExternalSecrets.
 */
export class PlatformIngress extends Construct {
  readonly scheme: 'internal' | 'internet-facing';
  readonly groupName: string;
  /** Ingresses, OIDC client Secrets and the Roles that let the controller read them. */
  readonly manifests: ManifestsRelease;
  readonly ingresses: KubernetesObject[];
  /** URL of each route with a host, by route name. */
  readonly urls: Record<string, string>;

  constructor(scope: Construct, id: string, props: PlatformIngressProps) {
    super(scope, id);
    const where = this.node.path;
    this.groupName = props.groupName ?? 'mlops-platform';
    this.scheme = props.internetFacing ? 'internet-facing' : 'internal';
    const oidcSecretName = props.oidcSecretName ?? 'alb-oidc';
    validate(where, props, this.groupName, oidcSecretName);

    const https = props.certificateArn !== undefined;
    const shared: Record<string, string> = {
      [`${PREFIX}/group.name`]: this.groupName,
      [`${PREFIX}/scheme`]: this.scheme,
      // Pod IPs: the Services stay ClusterIP.
      [`${PREFIX}/target-type`]: 'ip',
      // Requests with malformed headers never reach the apps (checkov CKV_AWS_131).
      [`${PREFIX}/load-balancer-attributes`]: 'routing.http.drop_invalid_header_fields.enabled=true',
      [`${PREFIX}/listen-ports`]: JSON.stringify(https ? [{ HTTP: 80 }, { HTTPS: 443 }] : [{ HTTP: 80 }]),
      ...(props.allowedCidrs ? { [`${PREFIX}/inbound-cidrs`]: props.allowedCidrs.join(',') } : {}),
      ...(https
        ? {
            [`${PREFIX}/certificate-arn`]: props.certificateArn,
            [`${PREFIX}/ssl-policy`]: props.sslPolicy ?? 'ELBSecurityPolicy-TLS13-1-2-2021-06',
            [`${PREFIX}/ssl-redirect`]: '443',
          }
        : {}),
      ...(props.oidc
        ? {
            [`${PREFIX}/auth-type`]: 'oidc',
            [`${PREFIX}/auth-on-unauthenticated-request`]: 'authenticate',
            [`${PREFIX}/auth-scope`]: 'openid email profile',
            [`${PREFIX}/auth-idp-oidc`]: JSON.stringify({
              issuer: props.oidc.issuer,
              authorizationEndpoint: props.oidc.authorizationEndpoint,
              tokenEndpoint: props.oidc.tokenEndpoint,
              userInfoEndpoint: props.oidc.userInfoEndpoint,
              secretName: oidcSecretName,
            }),
          }
        : {}),
    };

    this.ingresses = props.routes.map((route) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: route.name,
        namespace: route.namespace,
        annotations: { ...shared, ...(route.healthCheckPath ? { [`${PREFIX}/healthcheck-path`]: route.healthCheckPath } : {}) },
      },
      spec: {
        ingressClassName: props.controller.ingressClassName,
        rules: [
          {
            ...(route.host ? { host: route.host } : {}),
            http: {
              paths: [
                {
                  path: route.path ?? '/',
                  pathType: 'Prefix',
                  backend: { service: { name: route.service, port: { number: route.port } } },
                },
              ],
            },
          },
        ],
      },
    }));
    this.urls = Object.fromEntries(
      props.routes
        .filter((r) => r.host && !r.host.startsWith('*'))
        .map((r) => [r.name, `${https ? 'https' : 'http'}://${r.host}${r.path ?? '/'}`]),
    );

    const manifests: KubernetesObject[] = [];
    if (props.oidc) {
      // The controller reads the client Secret from each Ingress's namespace; a Role naming that one
      // Secret replaces the chart's cluster-wide read access to all Secrets.
      for (const namespace of [...new Set(props.routes.map((r) => r.namespace))]) {
        manifests.push(
          externalSecret({
            name: oidcSecretName,
            namespace,
            storeName: props.storeName ?? DEFAULT_SECRET_STORE,
            data: {
              clientID: { key: props.oidc.clientSecretName, property: 'client_id' },
              clientSecret: { key: props.oidc.clientSecretName, property: 'client_secret' },
            },
          }),
          ...roleFor(
            { name: `${oidcSecretName}-reader`, namespace },
            [{ apiGroups: [''], resources: ['secrets'], resourceNames: [oidcSecretName], verbs: ['get', 'list', 'watch'] }],
            { name: props.controller.serviceAccountName, namespace: props.controller.namespace },
          ),
        );
      }
    }
    manifests.push(...this.ingresses);
    this.manifests = new ManifestsRelease(this, 'Manifests', {
      releaseName: `${this.groupName}-ingress`,
      namespace: props.controller.namespace,
      manifests,
      dependsOn: [props.controller.release.release, ...(props.dependsOn ?? [])],
    });
  }
}

function validate(where: string, p: PlatformIngressProps, groupName: string, oidcSecretName: string): void {
  const fail = (message: string) => {
    throw new Error(`${where}: ${message}`);
  };
  const known = (value: string) => !Token.isUnresolved(value);
  if (p.routes.length === 0) fail('routes must name at least one backend');
  if (!/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/.test(groupName))
    fail(`groupName '${groupName}' must be lower-case letters, digits, '-' and '.'`);
  if (!DNS_LABEL.test(oidcSecretName)) fail(`oidcSecretName '${oidcSecretName}' must be a lower-case DNS label`);
  const seen = new Map<string, string>();
  for (const route of p.routes) {
    const at = `routes '${route.name}'`;
    if (!DNS_LABEL.test(route.name)) fail(`${at}: name must be a lower-case DNS label`);
    if (known(route.namespace) && !DNS_LABEL.test(route.namespace))
      fail(`${at}: namespace '${route.namespace}' must be a lower-case DNS label`);
    if (known(route.service) && !DNS_LABEL.test(route.service)) fail(`${at}: service '${route.service}' must be a lower-case DNS label`);
    if (!Number.isInteger(route.port) || route.port < 1 || route.port > 65535)
      fail(`${at}: port must be from 1 to 65535 (got ${route.port})`);
    if (route.host !== undefined && !/^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(route.host))
      fail(`${at}: host '${route.host}' must be a lower-case DNS name, optionally starting with '*.'`);
    for (const [prop, path] of [
      ['path', route.path],
      ['healthCheckPath', route.healthCheckPath],
    ] as const) {
      if (path !== undefined && !/^\/[\w\-./~%]*$/.test(path)) fail(`${at}: ${prop} '${path}' must start with '/'`);
    }
    const key = `${route.host ?? '*'}${route.path ?? '/'}`;
    const other = seen.get(key);
    if (other) fail(`routes '${other}' and '${route.name}' both match ${key}: give one of them a host (platform.ingress.hosts) or a path`);
    seen.set(key, route.name);
  }
  if (p.internetFacing) {
    if (p.certificateArn === undefined)
      fail('certificateArn is required when internetFacing is true: the load balancer serves only HTTPS to the internet');
    if (p.oidc === undefined) fail('oidc is required when internetFacing is true: every request from the internet must be authenticated');
  }
  if (p.oidc && p.certificateArn === undefined)
    fail('certificateArn is required with oidc: the load balancer authenticates only on HTTPS listeners');
  if (
    p.certificateArn !== undefined &&
    known(p.certificateArn) &&
    !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(p.certificateArn)
  )
    fail(`certificateArn '${p.certificateArn}' must be an ACM certificate ARN`);
  if (p.oidc) {
    for (const field of ['issuer', 'authorizationEndpoint', 'tokenEndpoint', 'userInfoEndpoint'] as const) {
      const url = p.oidc[field];
      if (known(url) && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(url)) fail(`oidc.${field} '${url}' must be an https:// URL`);
    }
    if (p.oidc.clientSecretName.trim() === '') fail('oidc.clientSecretName must name a Secrets Manager secret');
  }
  if (p.sslPolicy !== undefined && !/^ELBSecurityPolicy-(TLS13-1-[23]|FS-1-2|TLS-1-2)/.test(p.sslPolicy))
    fail(`sslPolicy '${p.sslPolicy}' must be a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-2021-06`);
  for (const cidr of p.allowedCidrs ?? []) {
    if (!/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(cidr) && !/^[0-9a-f:]+\/\d{1,3}$/i.test(cidr))
      fail(`allowedCidrs '${cidr}' must be a CIDR block such as 10.0.0.0/16`);
  }
  if (p.allowedCidrs?.length === 0) fail('allowedCidrs must list at least one CIDR block, or be left out');
}
