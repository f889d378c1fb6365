import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ManifestsRelease } from '../../helm/manifests-release';
import { contentDigest, type KubernetesObject, type Placement } from '../../kubernetes/objects';
import { scriptCronJob, scriptJob } from '../../kubernetes/script-job';
import { externalSecret, type SecretSource } from '../external-secrets';
import type { Mlflow } from './mlflow';

/** Props of {@link MlflowUsers}. */
export interface MlflowUsersProps {
  /** The server; its admin login creates the users. */
  readonly tracking: Pick<Mlflow, 'namespace' | 'trackingUri' | 'adminSecretName' | 'release'>;
  /** Each user's password, by user name (lower-case DNS labels). */
  readonly users: Readonly<Record<string, SecretSource>>;
  /** The ClusterSecretStore reading the passwords; it must serve the server's namespace. */
  readonly storeName: string;
  readonly placement: Placement;
  /** @default 'python:3.13-alpine' (the standard library's HTTP client is all it needs) */
  readonly image?: string;
  /**
   * When the passwords are set again (cron, UTC), so a password rotated in Secrets Manager reaches MLflow once
   * External Secrets has refreshed its copy (hourly). @default '17 * * * *'
   */
  readonly syncSchedule?: string;
  /** The secret store must be ready. @default none */
  readonly dependsOn?: ITerraformDependable[];
}

/** Creates each user, or sets its password where it exists: run again, it changes nothing but rotated passwords. */
const CREATE_USERS = `
import base64, json, os, urllib.error, urllib.request
url = os.environ["MLFLOW_TRACKING_URI"]
auth = base64.b64encode(f'{os.environ["ADMIN_USERNAME"]}:{os.environ["ADMIN_PASSWORD"]}'.encode()).decode()
def call(method, path, body):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method=method,
        headers={"Authorization": "Basic " + auth, "Content-Type": "application/json"})
    return urllib.request.urlopen(request, timeout=30)
for username in sorted(os.listdir("/etc/users")):
    if username.startswith("."):
        continue
    password = open(f"/etc/users/{username}").read()
    try:
        call("POST", "/api/2.0/mlflow/users/create", {"username": username, "password": password})
        print(f"{username}: created", flush=True)
    except urllib.error.HTTPError as error:
        if error.code != 400 or b"RESOURCE_ALREADY_EXISTS" not in error.read():
            raise
        call("PATCH", "/api/2.0/mlflow/users/update-password", {"username": username, "password": password})
        print(f"{username}: password set", flush=True)
`;

/**
 * MLflow logins of the platform's users (its teams), created through MLflow's auth API by a Job signed in as
 * the admin. A user owns the experiments and registered models it creates (MANAGE); what others may do with
 * them is the server's default permission (none in production). The passwords come from Secrets Manager
 * through External Secrets; the Job is named after the user list, so adding a user runs it again, and a
 * CronJob sets them again every hour, so a rotated password reaches MLflow without an apply.
 */
export class MlflowUsers extends Construct {
  readonly release: ManifestsRelease;

  constructor(scope: Construct, id: string, props: MlflowUsersProps) {
    super(scope, id);
    const names = Object.keys(props.users);
    if (names.length === 0) throw new Error(`${this.node.path}: users is empty; leave the construct out instead`);
    const bad = names.find((n) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(n));
    if (bad !== undefined) throw new Error(`${this.node.path}: user '${bad}' is not a lower-case DNS label`);
    const { tracking } = props;
    const namespace = tracking.namespace;
    const secretName = 'mlflow-user-passwords';
    const admin = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: tracking.adminSecretName, key } } });
    const run = {
      namespace,
      placement: props.placement,
      script: CREATE_USERS,
      image: props.image,
      env: [
        { name: 'MLFLOW_TRACKING_URI', value: tracking.trackingUri },
        admin('ADMIN_USERNAME', 'admin_username'),
        admin('ADMIN_PASSWORD', 'admin_password'),
      ],
      mounts: [{ path: '/etc/users', volume: { secret: { secretName, defaultMode: 0o440 } } }],
    };
    const schedule = props.syncSchedule ?? '17 * * * *';
    if (!/^(\S+\s+){4}\S+$/.test(schedule))
      throw new Error(`${this.node.path}: syncSchedule '${schedule}' must be a five-field cron schedule`);
    const manifests: KubernetesObject[] = [
      externalSecret({ name: secretName, namespace, storeName: props.storeName, data: { ...props.users } }),
      // Now, for a new user; then on the schedule, for rotated passwords.
      scriptJob({ name: `mlflow-users-${contentDigest(names).slice(0, 12)}`, ...run }),
      scriptCronJob({ name: 'mlflow-users-sync', schedule, ...run }),
    ];
    this.release = new ManifestsRelease(this, 'Release', {
      releaseName: 'mlflow-users',
      namespace,
      manifests,
      waitForJobs: true,
      dependsOn: [tracking.release.release, ...(props.dependsOn ?? [])],
    });
  }
}
