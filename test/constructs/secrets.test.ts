import { describe, expect, it } from 'vitest';
import { Role } from '../../constructs/iam/role';
import { GeneratedSecret, type GeneratedSecretProps } from '../../constructs/secrets/generated-secret';
import { KmsKey } from '../../constructs/security/kms-key';
import { onlyResource, synthScope, type StackJson } from '../support/synth';

type WithEphemeral = StackJson & { ephemeral?: Record<string, Record<string, Record<string, unknown>>> };

function secret(props: Partial<GeneratedSecretProps> = {}, withGrant = false) {
  return synthScope((scope) => {
    const kmsKey = new KmsKey(scope, 'Key', { alias: 'k', description: 'k' });
    const created = new GeneratedSecret(scope, 'Db', {
      secretName: 'env/app/db',
      description: 'd',
      kmsKey,
      generated: { password: {} },
      fixed: { username: 'app' },
      ...props,
    });
    if (withGrant) created.grantRead(new Role(scope, 'Reader', { roleName: 'r', description: 'r', trustStatements: [] }), 'ReadDb');
  }) as WithEphemeral;
}

describe('GeneratedSecret', () => {
  it('generates values with ephemeral resources and writes them write-only: never in plan or state', () => {
    const json = secret({ generated: { password: {}, fernet_key: { length: 43, suffix: '=' } } });
    expect(json.ephemeral?.aws_secretsmanager_random_password).toEqual({
      Db_password: { password_length: 32, exclude_punctuation: true, include_space: false },
      Db_fernet_key: { password_length: 43, exclude_punctuation: true, include_space: false },
    });
    const version = onlyResource(json, 'aws_secretsmanager_secret_version');
    expect(version.secret_string).toBeUndefined();
    expect(version.secret_string_wo).toBe(
      '${jsonencode({ "username" = "app", "password" = ephemeral.aws_secretsmanager_random_password.Db_password.random_password, "fernet_key" = "${ephemeral.aws_secretsmanager_random_password.Db_fernet_key.random_password}=" })}',
    );
    expect(version.secret_string_wo_version).toBe(1);
    expect(onlyResource(json, 'aws_secretsmanager_secret')).toMatchObject({
      name: 'env/app/db',
      kms_key_id: expect.stringContaining('aws_kms_key'),
    });
  });

  it('rotates by raising the version', () => {
    expect(onlyResource(secret({ version: 2 }), 'aws_secretsmanager_secret_version').secret_string_wo_version).toBe(2);
  });

  it('grants read of exactly this secret and decrypt of its key', () => {
    const json = secret({}, true);
    expect(onlyResource(json, 'aws_iam_role_policy').name).toBe('ReadDb');
  });

  it.each([
    [{ generated: {} }, /generated must name at least one key/],
    [{ generated: { username: {} } }, /a key is both generated and fixed/],
    [{ generated: { password: { length: 8 } } }, /generated.password.length must be a whole number from 16 to 4096 \(got 8\)/],
    [{ fixed: { username: 'a"b' } }, /cannot be a fixed secret value/],
  ])('rejects %o', (props, message) => {
    expect(() => secret(props)).toThrow(message);
  });
});
