import { describe, expect, it } from 'vitest';
import { synthesizedStackNames, synthesizedText } from '../support/synthesized';

/** Keys whose value would be a secret if it were a literal. */
const SECRET_KEY = /(password|passwd|secret_string|auth_token|token|private_key|access_key|secret_key)$/i;
/** Terraform expressions are fine: they name where a secret comes from, never the secret itself. */
const EXPRESSION = /^\$\{[\s\S]*\}$/;
const SECRET_PATTERNS: [string, RegExp][] = [
  ['AWS access key id', /\b(AKIA|ASIA)[A-Z0-9]{16}\b/],
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  // 40 base64 characters with a digit among them (IAM action names reach 40 letters, never with digits).
  ['AWS secret access key', /(?<![A-Za-z0-9/+])(?=[A-Za-z/+]*\d)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/],
];

function literalSecrets(value: unknown, path: string[] = []): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => literalSecrets(v, [...path, String(i)]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => literalSecrets(v, [...path, k]));
  const key = path[path.length - 1] ?? '';
  if (typeof value === 'string' && SECRET_KEY.test(key) && !EXPRESSION.test(value)) return [path.join('.')];
  return [];
}

describe('synthesized output', () => {
  it.each(synthesizedStackNames())('%s holds no literal secret', (stack) => {
    const json = JSON.parse(synthesizedText(stack)) as unknown;
    expect(literalSecrets(json)).toEqual([]);
    // cdktf's "//" metadata (construct paths) is not configuration and would look like key material, nor are
    // the paths of files cdktf copies into the stack (`assets/<id>/<content hash>/<file>`).
    const text = JSON.stringify(json, (key, value: unknown) =>
      key === '//' || (typeof value === 'string' && /^assets\/[\w-]+\/[0-9A-F]{32}\/[\w.-]+$/.test(value)) ? undefined : value,
    );
    for (const [what, pattern] of SECRET_PATTERNS) expect(pattern.test(text), `${stack} contains what looks like an ${what}`).toBe(false);
  });

  it('would notice one', () => {
    expect(literalSecrets({ resource: { aws_db_instance: { db: { password: 'hunter2hunter2' } } } })).toEqual([
      'resource.aws_db_instance.db.password',
    ]);
    expect(literalSecrets({ x: { auth_token: '${data.aws_secretsmanager_random_password.t.random_password}' } })).toEqual([]);
    expect(SECRET_PATTERNS[0][1].test('key AKIAABCDEFGHIJKLMNOP here')).toBe(true);
    expect(SECRET_PATTERNS[2][1].test('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')).toBe(true);
    expect(SECRET_PATTERNS[2][1].test('GetInstanceTypesFromInstanceRequirements')).toBe(false);
  });
});
