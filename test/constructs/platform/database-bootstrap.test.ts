import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '../../../constructs/kubernetes/objects';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseBootstrap, VERIFIER_SCRIPT, type DatabaseBootstrapProps } from '../../../constructs/platform/databases';
import { synthScope } from '../../support/synth';

const placement = { nodeSelector: { 'mlops-platform/node-pool': 'general' }, tolerations: [] };

function bootstrap(props: Partial<DatabaseBootstrapProps> = {}): KubernetesObject[] {
  let manifests: KubernetesObject[] = [];
  synthScope((scope) => {
    manifests = new DatabaseBootstrap(scope, 'Db', {
      namespace: 'platform-system',
      storeName: 'aws-secrets-manager',
      host: 'db.example.internal',
      port: 5432,
      masterSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds-master',
      logins: {
        airflow: { database: 'airflow', secretName: 'env/airflow/database' },
        mlflow: { database: 'mlflow', secretName: 'env/mlflow/database' },
      },
      placement,
      ...props,
    }).release.manifests;
  });
  return manifests;
}

type Container = { image: string; command: string[]; env: unknown[]; resources: unknown; securityContext: unknown };
type PodSpec = { nodeSelector: unknown; securityContext: unknown; containers: Container[] };
const jobOf = (manifests: KubernetesObject[]) =>
  manifests.find((m) => m.kind === 'Job') as KubernetesObject & { spec: { template: { spec: PodSpec } } };

describe('DatabaseBootstrap', () => {
  it('syncs the master secret and one secret per login, by name only', () => {
    const secrets = bootstrap().filter((m) => m.kind === 'ExternalSecret');
    expect(secrets.map((s) => s.metadata.name)).toEqual(['database-master', 'database-login-airflow', 'database-login-mlflow']);
    expect(JSON.stringify(secrets)).not.toMatch(/password"\s*:\s*"[^{]/);
  });

  it('runs psql over TLS as a non-root, read-only container on the general pool', () => {
    const pod = jobOf(bootstrap()).spec.template.spec;
    const [container] = pod.containers;
    expect(pod.nodeSelector).toEqual(placement.nodeSelector);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.image).toBe('postgres:17.6-alpine');
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'PGSSLMODE', value: 'require' },
        { name: 'PGHOST', value: 'db.example.internal' },
        { name: 'LOGINS', value: 'airflow mlflow' },
        { name: 'AIRFLOW_USER', valueFrom: { secretKeyRef: { name: 'database-login-airflow', key: 'username' } } },
        { name: 'MLFLOW_DATABASE', value: 'mlflow' },
      ]),
    );
    expect(container.resources).toMatchObject({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } });
  });

  it('is idempotent SQL: creates only what is missing and re-applies passwords', () => {
    const script = jobOf(bootstrap()).spec.template.spec.containers[0].command[2] as string;
    expect(script).toContain("WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user')");
    expect(script).toContain('ALTER ROLE :"user" WITH LOGIN PASSWORD :\'verifier\'');
    expect(script).toContain("WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database')");
    expect(script).toContain('CREATE EXTENSION IF NOT EXISTS pgaudit');
  });

  it('never sends a cleartext password: psql gets SCRAM verifiers, the passwords stay in the verifier container', () => {
    const pod = jobOf(bootstrap()).spec.template.spec as PodSpec & { initContainers: Container[] };
    const [psql] = pod.containers;
    const [verifiers] = pod.initContainers;
    const names = (c: Container) => (c.env as { name: string }[]).map((e) => e.name);
    // The master password authenticates psql (libpq reads it from the environment); no login's password is there.
    expect(names(psql).filter((n) => n.endsWith('PASSWORD'))).toEqual(['PGPASSWORD']);
    expect(psql.command[2]).not.toMatch(/_PASSWORD|:'password'/);
    expect(names(verifiers).filter((n) => n.endsWith('_PASSWORD'))).toEqual(['AIRFLOW_PASSWORD', 'MLFLOW_PASSWORD']);
    expect(verifiers.command).toEqual(['python3', '-c', VERIFIER_SCRIPT]);
  });

  it('computes verifiers PostgreSQL accepts as stored passwords (checked against an independent computation)', (context) => {
    const python = spawnSync('python3', ['--version']);
    if (python.status !== 0) context.skip('python3 is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'verifiers-'));
    const script = VERIFIER_SCRIPT.replaceAll('/verifiers/', `${dir}/`);
    const run = spawnSync('python3', ['-c', script], { env: { LOGINS: 'ml-flow', ML_FLOW_PASSWORD: 'pencil' }, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const verifier = readFileSync(join(dir, 'ML_FLOW'), 'utf8');
    const match = /^SCRAM-SHA-256\$4096:([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier);
    expect(match, verifier).not.toBeNull();
    const [, salt, storedKey, serverKey] = match!;
    const salted = pbkdf2Sync('pencil', Buffer.from(salt, 'base64'), 4096, 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    expect(storedKey).toBe(createHash('sha256').update(clientKey).digest('base64'));
    expect(serverKey).toBe(createHmac('sha256', salted).update('Server Key').digest('base64'));
    expect(Buffer.from(salt, 'base64')).toHaveLength(16);
  });

  it('gets a new job name when the logins change, and keeps it otherwise', () => {
    const name = (props: Partial<DatabaseBootstrapProps> = {}) => jobOf(bootstrap(props)).metadata.name;
    expect(name()).toBe(name());
    expect(name({ logins: { airflow: { database: 'airflow', secretName: 'env/airflow/database' } } })).not.toBe(name());
  });

  it.each([
    [{ logins: {} }, /logins must name at least one consumer/],
    [{ logins: { app: { database: 'App-DB', secretName: 's' } } }, /logins.app.database 'App-DB' must be a lower-case SQL identifier/],
  ])('rejects %o', (props, message) => {
    expect(() => bootstrap(props)).toThrow(message);
  });
});
