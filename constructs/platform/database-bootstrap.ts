import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ManifestsRelease } from '../helm/manifests-release';
import { contentDigest, readOnlyContainerSecurity, type KubernetesObject, type Placement } from '../kubernetes/objects';
import { externalSecret } from './external-secret';

/** One consumer's database and login. */
export interface DatabaseLogin {
  /** Database name; the login has the same name. */
  readonly database: string;
  /** Secrets Manager secret with `username` and `password` for the login. */
  readonly secretName: string;
}

/** Props of {@link DatabaseBootstrap}. */
export interface DatabaseBootstrapProps {
  readonly namespace: string;
  /** ClusterSecretStore reading Secrets Manager. */
  readonly storeName: string;
  readonly host: string;
  readonly port: number;
  /** The RDS-managed master secret (`username`, `password`). */
  readonly masterSecretArn: string;
  /** Logins by consumer name (`airflow`, `mlflow`, …). */
  readonly logins: Record<string, DatabaseLogin>;
  readonly placement: Placement;
  /** @default 'postgres:17.6-alpine' (psql of the server's major version) */
  readonly image?: string;
  /** The secret store must be ready. */
  readonly dependsOn?: ITerraformDependable[];
}

/** psql script: create the login if missing, (re)set its password, create its database if missing. */
const SCRIPT = `set -eu
for name in $LOGINS; do
  upper=$(echo "$name" | tr 'a-z-' 'A-Z_')
  eval "user=\\$\${upper}_USER password=\\$\${upper}_PASSWORD database=\\$\${upper}_DATABASE"
  psql -v ON_ERROR_STOP=1 -v user="$user" -v password="$password" -v database="$database" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user')\\gexec
ALTER ROLE :"user" WITH LOGIN PASSWORD :'password';
GRANT :"user" TO CURRENT_USER;
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'user') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database')\\gexec
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
SQL
  echo "database $database and login $user are in place"
done
`;

/**
 * Creates one database and login per consumer on the shared RDS instance, idempotently: a Job, run with
 * the RDS-managed master secret, that (re)applies every login's password from Secrets Manager. Runs again
 * whenever the set of logins changes; Helm waits for it before dependants start.
 */
export class DatabaseBootstrap extends Construct {
  readonly release: ManifestsRelease;
  /** Depend on this: every database and login exists. */
  readonly ready: ITerraformDependable;

  constructor(scope: Construct, id: string, props: DatabaseBootstrapProps) {
    super(scope, id);
    const names = Object.keys(props.logins).sort();
    if (names.length === 0) throw new Error(`${this.node.path}: logins must name at least one consumer`);
    for (const name of names) {
      if (!/^[a-z][a-z0-9_]{0,62}$/.test(props.logins[name].database)) {
        throw new Error(`${this.node.path}: logins.${name}.database '${props.logins[name].database}' must be a lower-case SQL identifier`);
      }
      if (!/^[a-z][a-z0-9-]{0,40}$/.test(name)) throw new Error(`${this.node.path}: login name '${name}' must be a lower-case word`);
    }
    const { namespace, storeName } = props;
    const image = props.image ?? 'postgres:17.6-alpine';
    const secrets = [
      externalSecret({
        name: 'database-master',
        namespace,
        storeName,
        data: {
          username: { key: props.masterSecretArn, property: 'username' },
          password: { key: props.masterSecretArn, property: 'password' },
        },
      }),
      ...names.map((name) =>
        externalSecret({
          name: `database-login-${name}`,
          namespace,
          storeName,
          data: {
            username: { key: props.logins[name].secretName, property: 'username' },
            password: { key: props.logins[name].secretName, property: 'password' },
          },
        }),
      ),
    ];
    const fromSecret = (envName: string, secret: string, key: string) => ({
      name: envName,
      valueFrom: { secretKeyRef: { name: secret, key } },
    });
    const loginEnv = names.flatMap((name) => {
      const upper = name.toUpperCase().replace(/-/g, '_');
      return [
        fromSecret(`${upper}_USER`, `database-login-${name}`, 'username'),
        fromSecret(`${upper}_PASSWORD`, `database-login-${name}`, 'password'),
        { name: `${upper}_DATABASE`, value: props.logins[name].database },
      ];
    });
    // Jobs are immutable: a new name per set of logins makes Helm run a new one when it changes.
    // Only what is known at synthesis: secret names may be tokens, whose text changes with unrelated code.
    const digest = contentDigest({ image, logins: names.map((n) => [n, props.logins[n].database]), SCRIPT }).slice(0, 8);
    const job: KubernetesObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: `database-bootstrap-${digest}`, namespace },
      spec: {
        backoffLimit: 6,
        activeDeadlineSeconds: 900,
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'database-bootstrap' } },
          spec: {
            restartPolicy: 'OnFailure',
            automountServiceAccountToken: false,
            nodeSelector: props.placement.nodeSelector,
            tolerations: props.placement.tolerations,
            securityContext: { runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'psql',
                image,
                command: ['/bin/sh', '-c', SCRIPT],
                env: [
                  { name: 'PGHOST', value: props.host },
                  { name: 'PGPORT', value: String(props.port) },
                  { name: 'PGDATABASE', value: 'postgres' },
                  { name: 'PGSSLMODE', value: 'require' },
                  fromSecret('PGUSER', 'database-master', 'username'),
                  fromSecret('PGPASSWORD', 'database-master', 'password'),
                  { name: 'LOGINS', value: names.join(' ') },
                  ...loginEnv,
                ],
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
                securityContext: readOnlyContainerSecurity(),
              },
            ],
          },
        },
      },
    };
    this.release = new ManifestsRelease(this, 'Release', {
      releaseName: 'platform-databases',
      namespace,
      manifests: [...secrets, job],
      waitForJobs: true,
      dependsOn: props.dependsOn,
    });
    this.ready = this.release.helmRelease.release;
  }
}
