import type { HelmValues } from '../../helm/values';
import type { KubernetesObject } from '../../kubernetes/objects';
import { externalSecret } from '../external-secrets';
import { checkLabel, checkSecretNames } from '../validation';

/** Where one receiver sends alerts; its credential (a URL or a routing key) stays in Secrets Manager. */
export type AlertReceiver =
  /** A Slack incoming webhook: the secret's `url` property. */
  | { readonly slack: { readonly secretName: string; readonly channel?: string } }
  /** A PagerDuty Events API v2 integration: the secret's `routing_key` property. */
  | { readonly pagerduty: { readonly secretName: string } }
  /** Any webhook (an SNS bridge, a dead man's switch service): the secret's `url` property. */
  | { readonly webhook: { readonly secretName: string } };

/** Who hears about what. */
export interface Alerting {
  /** By name. */
  readonly receivers: Readonly<Record<string, AlertReceiver>>;
  /** The receivers of each alert severity (`critical`, `warning`, `info`); unrouted severities go nowhere. */
  readonly routes: Readonly<Partial<Record<string, readonly string[]>>>;
  /**
   * Where the always-firing `Watchdog` alert goes, for a dead man's switch that pages when it stops arriving.
   * @default nowhere
   */
  readonly watchdog?: { readonly receiver: string; readonly repeatInterval?: string };
}

/** The Secret in the monitoring namespace holding each receiver's credential, under the receiver's name. */
export const RECEIVER_SECRET = 'alertmanager-receivers';
/** Where the Prometheus operator mounts a Secret listed in `alertmanagerSpec.secrets`. */
const MOUNTED = `/etc/alertmanager/secrets/${RECEIVER_SECRET}`;

/** Throws `<where>: alerting.…` for a receiver that is not a DNS label or has no secret, or a route to no receiver. */
export function checkAlerting(where: string, alerting: Alerting): void {
  const names = Object.keys(alerting.receivers);
  for (const [name, receiver] of Object.entries(alerting.receivers)) {
    checkLabel(where, 'alerting.receivers', name);
    checkSecretNames(where, { [`alerting.receivers.${name}.secretName`]: credentialOf(receiver)[0] });
  }
  for (const [severity, receivers] of Object.entries(alerting.routes)) {
    for (const receiver of receivers ?? []) {
      if (!names.includes(receiver))
        throw new Error(`${where}: alerting.routes.${severity}: no receiver '${receiver}' (${names.join(', ') || 'none'})`);
    }
  }
  if (alerting.watchdog && !names.includes(alerting.watchdog.receiver)) {
    throw new Error(`${where}: alerting.watchdog.receiver: no receiver '${alerting.watchdog.receiver}'`);
  }
}

/**
 * Alertmanager's routing (values `alertmanager.config`, over the chart's defaults and inhibitions): one route
 * per severity to a receiver bundling the configured receivers, the Watchdog to its own, and the credentials
 * read from files of the mounted Secret (`api_url_file`, `routing_key_file`, `url_file`), never from values.
 */
export function alertmanagerValues(alerting: Alerting): HelmValues {
  const configs = (name: string): Record<string, unknown[]> => {
    const receiver = alerting.receivers[name];
    const file = `${MOUNTED}/${name}`;
    if ('slack' in receiver)
      return {
        slack_configs: [
          { api_url_file: file, send_resolved: true, ...(receiver.slack.channel ? { channel: receiver.slack.channel } : {}) },
        ],
      };
    if ('pagerduty' in receiver) return { pagerduty_configs: [{ routing_key_file: file, send_resolved: true }] };
    return { webhook_configs: [{ url_file: file, send_resolved: true }] };
  };
  const bundle = (name: string, receivers: readonly string[]) => {
    const merged: Record<string, unknown[]> = {};
    for (const receiver of receivers)
      for (const [key, list] of Object.entries(configs(receiver))) merged[key] = [...(merged[key] ?? []), ...list];
    return { name, ...merged };
  };
  const severities = Object.entries(alerting.routes).flatMap(([severity, receivers]) =>
    receivers && receivers.length > 0 ? [[severity, receivers] as const] : [],
  );
  const { watchdog } = alerting;
  return {
    alertmanagerSpec: { secrets: [RECEIVER_SECRET] },
    config: {
      receivers: [
        { name: 'null' },
        ...severities.map(([severity, receivers]) => bundle(`severity-${severity}`, receivers)),
        ...(watchdog ? [bundle('watchdog', [watchdog.receiver])] : []),
      ],
      route: {
        receiver: 'null',
        routes: [
          {
            matchers: ['alertname = "Watchdog"'],
            receiver: watchdog ? 'watchdog' : 'null',
            ...(watchdog ? { repeat_interval: watchdog.repeatInterval ?? '5m' } : {}),
          },
          ...severities.map(([severity]) => ({ matchers: [`severity = "${severity}"`], receiver: `severity-${severity}` })),
        ],
      },
    },
  };
}

/** The ExternalSecret that puts each receiver's credential, from Secrets Manager, into {@link RECEIVER_SECRET}. */
export function receiverSecret(alerting: Alerting, namespace: string, storeName: string): KubernetesObject {
  return externalSecret({
    name: RECEIVER_SECRET,
    namespace,
    storeName,
    data: Object.fromEntries(
      Object.entries(alerting.receivers).map(([name, receiver]) => {
        const [key, property] = credentialOf(receiver);
        return [name, { key, property }];
      }),
    ),
  });
}

/** The Secrets Manager secrets the receivers read: what the secret store's identity must be allowed to read. */
export function receiverSecretNames(alerting: Alerting): string[] {
  return [...new Set(Object.values(alerting.receivers).map((receiver) => credentialOf(receiver)[0]))];
}

/** The Secrets Manager secret holding a receiver's credential, and the property of its JSON that is the credential. */
function credentialOf(receiver: AlertReceiver): [secretName: string, property: 'url' | 'routing_key'] {
  if ('slack' in receiver) return [receiver.slack.secretName, 'url'];
  if ('pagerduty' in receiver) return [receiver.pagerduty.secretName, 'routing_key'];
  return [receiver.webhook.secretName, 'url'];
}
