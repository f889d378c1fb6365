import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ManifestsRelease } from '../../helm/manifests-release';
import { contentDigest, readOnlyContainerSecurity, type KubernetesObject } from '../../kubernetes/objects';
import { externalSecret } from '../external-secrets';
import type { ComponentProps } from '../component';

/** One consumer's database and login. */
export interface DatabaseLogin {
  /** Database name; the login has the same name. */
  readonly database: string;
  /** Secrets Manager secret with `username` and `password` for the login. */
  readonly secretName: string;
}

/** Props of {@link DatabaseBootstrap}. */
export interface DatabaseBootstrapProps extends ComponentProps {
  /** ClusterSecretStore reading Secrets Manager. */
  readonly storeName: string;
  readonly host: string;
  readonly port: number;
  /** The RDS-managed master secret (`username`, `password`). */
  readonly masterSecretArn: string;
  /** Logins by consumer name (`airflow`, `mlflow`, …). */
  readonly logins: Record<string, DatabaseLogin>;
  /** @default 'postgres:17.6-alpine' (psql of the server's major version) */
  readonly image?: string;
  /** Computes the SCRAM verifiers. @default 'python:3.13-alpine' */
  readonly verifierImage?: string;
}

/**
 * Computes each login's SCRAM-SHA-256 verifier (RFC 5802/7677, in PostgreSQL's stored format) into
 * `/verifiers/<NAME>`: PostgreSQL stores a password given in that format as it is, so no cleartext password
 * ever reaches the server, its statement or error logs, or pg_stat_statements. The generated passwords are
 * ASCII, which SASLprep leaves unchanged.
 */
export const VERIFIER_SCRIPT = `import base64, hashlib, hmac, os
b64 = lambda raw: base64.b64encode(raw).decode()
for name in os.environ["LOGINS"].split():
    upper = name.upper().replace("-", "_")
    password = os.environ[upper + "_PASSWORD"].encode()
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password, salt, 4096)
    stored = hashlib.sha256(hmac.new(salted, b"Client Key", "sha256").digest()).digest()
    server = hmac.new(salted, b"Server Key", "sha256").digest()
    with open("/verifiers/" + upper, "w") as out:
        out.write("SCRAM-SHA-256$4096:%s$%s:%s" % (b64(salt), b64(stored), b64(server)))
`;

/**
 * psql script: pgaudit in place, then per login: create it if missing, set its password from the verifier
 * (never the password itself), create its database if missing.
 */
const SCRIPT = `set -eu
psql -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION IF NOT EXISTS pgaudit'
for name in $LOGINS; do
  upper=$(echo "$name" | tr 'a-z-' 'A-Z_')
  eval "user=\\$\${upper}_USER database=\\$\${upper}_DATABASE"
  verifier=$(cat "/verifiers/$upper")
  psql -v ON_ERROR_STOP=1 -v user="$user" -v verifier="$verifier" -v database="$database" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user')\\gexec
ALTER ROLE :"user" WITH LOGIN PASSWORD :'verifier';
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
    const upper = (name: string) => name.toUpperCase().replace(/-/g, '_');
    // Passwords go to the verifier container only; psql gets names and verifiers.
    const passwordEnv = names.map((name) => fromSecret(`${upper(name)}_PASSWORD`, `database-login-${name}`, 'password'));
    const loginEnv = names.flatMap((name) => [
      fromSecret(`${upper(name)}_USER`, `database-login-${name}`, 'username'),
      { name: `${upper(name)}_DATABASE`, value: props.logins[name].database },
    ]);
    const verifierImage = props.verifierImage ?? 'python:3.13-alpine';
    const verifiers = { name: 'verifiers', mountPath: '/verifiers' };
    const resources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } };
    // Jobs are immutable: a new name per set of logins makes Helm run a new one when it changes.
    // Only what is known at synthesis: secret names may be tokens, whose text changes with unrelated code.
    const digest = contentDigest({
      image,
      verifierImage,
      logins: names.map((n) => [n, props.logins[n].database]),
      SCRIPT,
      VERIFIER_SCRIPT,
    }).slice(0, 8);
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
            volumes: [{ name: verifiers.name, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }],
            initContainers: [
              {
                name: 'scram-verifiers',
                image: verifierImage,
                command: ['python3', '-c', VERIFIER_SCRIPT],
                env: [{ name: 'LOGINS', value: names.join(' ') }, ...passwordEnv],
                resources,
                securityContext: readOnlyContainerSecurity(),
                volumeMounts: [verifiers],
              },
            ],
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
                resources,
                securityContext: readOnlyContainerSecurity(),
                volumeMounts: [{ ...verifiers, readOnly: true }],
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
