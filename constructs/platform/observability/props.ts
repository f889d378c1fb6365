import type { AvailabilityProps, ChartComponentProps, SecretStoreProps } from '../component';
import type { Alerting } from './alerting';
import type { ScrapeTargets } from './scrape-targets';

/** Props of {@link Observability}. */
export interface ObservabilityProps extends ChartComponentProps, Pick<AvailabilityProps, 'highlyAvailable'>, SecretStoreProps {
  /** Also the chart's `fullnameOverride`, so Services are `<releaseName>-prometheus` etc. @default 'monitoring' */
  readonly releaseName?: string;
  /**
   * Namespace of the node-exporter DaemonSet. It needs host networking, the host PID namespace and host paths,
   * so its namespace must enforce Pod Security `privileged`; a namespace of its own keeps the rest `restricted`.
   * @default the release namespace (which then must be `privileged`)
   */
  readonly nodeExporterNamespace?: string;
  /** StorageClass of the Prometheus and Alertmanager volumes (encrypted EBS). @default 'gp3-encrypted' */
  readonly storageClass?: string;
  /** Days Prometheus keeps samples. @default 15 */
  readonly retentionDays?: number;
  /** Volume per Prometheus replica; Prometheus also stops at 85 % of it (`retentionSize`). @default 50 */
  readonly storageGiB?: number;
  /** Volume per Alertmanager replica (silences and notification log). @default 2 */
  readonly alertmanagerStorageGiB?: number;
  /** Secrets Manager secret (name or ARN) with `admin_user` and `admin_password` of Grafana's admin. */
  readonly grafanaAdminSecretName: string;
  /** Platform components to scrape and alert on. @default none: Kubernetes and the stack itself only */
  readonly scrapeTargets?: ScrapeTargets;
  /** Who hears about which alerts, with credentials from Secrets Manager. @default none: alerts reach no one */
  readonly alerting?: Alerting;
}
