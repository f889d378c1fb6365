import { ManifestsRelease } from '../../constructs/helm/manifests-release';
import { irsaAnnotations, type KubernetesObject } from '../../constructs/kubernetes/objects';
import type { FeatureStore } from '../../constructs/platform/feast';
import type { Mlflow } from '../../constructs/platform/mlflow';
import { teamDatasetPrefix, teamWorkload } from '../catalogue';
import type { PlatformContext } from './context';

/** What a team's `platform-connection` Secret says besides its logins: where the services and its data are. */
export function teamSettings(
  { environment, props }: PlatformContext,
  { mlflow, featureStore }: { mlflow: Mlflow; featureStore: FeatureStore },
): (team: string) => Record<string, string> {
  return (team) => ({
    'mlflow.tracking.uri': mlflow.trackingUri,
    'feature.server.url': featureStore.url,
    'datasets.bucket': props.buckets.datasets,
    'datasets.prefix': `${teamDatasetPrefix(team)}/`,
    'aws.region': environment.aws.region,
  });
}

/**
 * Each team's namespace objects: its service account, bound to the team's IRSA role; a ResourceQuota on what
 * the namespace may request in all; a LimitRange giving containers that set nothing the team's defaults.
 * Absent where no team is configured.
 */
export function addTeams({ scope, environment, props, namespace }: PlatformContext): ManifestsRelease | undefined {
  const teams = Object.entries(environment.platform.teams);
  if (teams.length === 0) return undefined;
  const manifests = teams.flatMap(([team, config]): KubernetesObject[] => {
    const { serviceAccounts } = teamWorkload(team);
    const metadata = (name: string) => ({ name, namespace: namespace(teamWorkload(team).namespace) });
    return [
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { ...metadata(serviceAccounts[0]), annotations: irsaAnnotations(props.teams[team].roleArn) },
      },
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: metadata('team-quota'),
        spec: {
          hard: {
            'requests.cpu': config.quota.cpu,
            'requests.memory': config.quota.memory,
            'limits.memory': config.quota.memory,
            pods: String(config.quota.pods),
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: metadata('container-defaults'),
        spec: {
          limits: [
            {
              type: 'Container',
              defaultRequest: { cpu: config.containerDefaults.cpu, memory: config.containerDefaults.memory },
              default: { memory: config.containerDefaults.memory },
            },
          ],
        },
      },
    ];
  });
  return new ManifestsRelease(scope, 'Teams', { releaseName: 'teams', namespace: namespace('platform-system'), manifests });
}
