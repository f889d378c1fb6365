import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import type { IGrantable } from '../iam/grantable';
import type { IKmsKey } from '../security/kms-key';

/** A generated value: random letters and digits (safe in URLs, connection strings and YAML). */
export interface GeneratedField {
  /** @default 32 */
  readonly length?: number;
  /** Appended after the random part, e.g. `=` to make 43 random characters a Fernet key. @default none */
  readonly suffix?: string;
}

/** Props of {@link GeneratedSecret}. */
export interface GeneratedSecretProps {
  /** Secret name, e.g. `mlops-prod/airflow/database`. */
  readonly secretName: string;
  readonly description: string;
  readonly kmsKey: IKmsKey;
  /** Keys of the secret's JSON whose values are generated. */
  readonly generated: Record<string, GeneratedField>;
  /** Keys with fixed, non-secret values, such as a user name. @default none */
  readonly fixed?: Record<string, string>;
  /** Raise to generate new values (rotation); the values themselves never reach Terraform state. @default 1 */
  readonly version?: number;
  /** @default 30 */
  readonly recoveryWindowDays?: number;
}

/**
 * A Secrets Manager secret whose values are generated at apply time by an ephemeral
 * `aws_secretsmanager_random_password` and written through a write-only argument: they never appear in
 * code, configuration, the synthesized JSON, the plan or the state. Workloads read it through External
 * Secrets; grant access with {@link grantRead}.
 */
export class GeneratedSecret extends Construct {
  readonly secretArn: string;
  readonly secretName: string;
  private readonly kmsKey: IKmsKey;

  constructor(scope: Construct, id: string, props: GeneratedSecretProps) {
    super(scope, id);
    const where = this.node.path;
    const keys = [...Object.keys(props.generated), ...Object.keys(props.fixed ?? {})];
    if (Object.keys(props.generated).length === 0) throw new Error(`${where}: generated must name at least one key`);
    if (new Set(keys).size !== keys.length) throw new Error(`${where}: a key is both generated and fixed`);
    for (const [key, field] of Object.entries(props.generated)) {
      const length = field.length ?? 32;
      if (!Number.isInteger(length) || length < 16 || length > 4096) {
        throw new Error(`${where}: generated.${key}.length must be a whole number from 16 to 4096 (got ${length})`);
      }
    }
    this.kmsKey = props.kmsKey;
    const secret = new SecretsmanagerSecret(this, 'Secret', {
      name: props.secretName,
      description: props.description,
      kmsKeyId: props.kmsKey.keyArn,
      recoveryWindowInDays: props.recoveryWindowDays ?? 30,
    });
    this.secretArn = secret.arn;
    this.secretName = secret.name;

    // cdktf 0.21 has no ephemeral resources, and Fn.jsonencode would quote references to them as text:
    // both are written as Terraform expressions directly.
    const stack = TerraformStack.of(this);
    const prefix = this.node.path
      .split('/')
      .slice(1)
      .join('_')
      .replace(/[^A-Za-z0-9_]/g, '_');
    const entries = Object.entries(props.fixed ?? {}).map(([key, fixed]) => `${hclString(key)} = ${hclString(fixed)}`);
    for (const [key, field] of Object.entries(props.generated)) {
      const name = `${prefix}_${key.replace(/[^A-Za-z0-9_]/g, '_')}`;
      stack.addOverride(`ephemeral.aws_secretsmanager_random_password.${name}`, {
        password_length: field.length ?? 32,
        exclude_punctuation: true,
        include_space: false,
      });
      const reference = `ephemeral.aws_secretsmanager_random_password.${name}.random_password`;
      entries.push(`${hclString(key)} = ${field.suffix ? `"\${${reference}}${field.suffix}"` : reference}`);
    }
    new SecretsmanagerSecretVersion(this, 'Value', {
      secretId: secret.id,
      secretStringWo: `\${jsonencode({ ${entries.join(', ')} })}`,
      secretStringWoVersion: props.version ?? 1,
    });
  }

  /** Lets `grantee` read the secret (and decrypt it). */
  grantRead(grantee: IGrantable, policyId: string): void {
    grantee.addToPolicy(policyId, [
      { actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [this.secretArn] },
      { actions: ['kms:Decrypt'], resources: [this.kmsKey.keyArn] },
    ]);
  }
}

/** A quoted HCL string for a plain value (keys and fixed values are never expressions). */
function hclString(value: string): string {
  if (/[$%]\{|["\\\n]/.test(value))
    throw new Error(`'${value}' cannot be a fixed secret value: no quotes, backslashes, newlines or template sequences`);
  return `"${value}"`;
}
