import { Token } from 'cdktf';

/** Kubernetes names that must be DNS-1123 labels (namespaces, service accounts). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Spark memory as spark-submit takes it: `512m`, `2g`. */
export const SPARK_MEMORY = /^[1-9]\d*[mg]$/;

/** Throws `<where>: <prop> '<value>' <rule>` unless the value is a token (known at apply time only) or passes. */
export function check(where: string, prop: string, value: string, ok: boolean | RegExp, rule: string): void {
  if (Token.isUnresolved(value)) return;
  const passes = typeof ok === 'boolean' ? ok : ok.test(value);
  if (!passes) throw new Error(`${where}: ${prop} '${value}' ${rule}`);
}

export function checkRoleArn(where: string, prop: string, value: string): void {
  check(
    where,
    prop,
    value,
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
  );
}

export function checkRegion(where: string, value: string): void {
  check(where, 'region', value, /^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1');
}

export function checkBucket(where: string, prop: string, value: string): void {
  check(
    where,
    prop,
    value,
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'must be an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)',
  );
}

export function checkNamespace(where: string, prop: string, value: string): void {
  check(where, prop, value, DNS_LABEL, 'must be a lower-case DNS label');
}
