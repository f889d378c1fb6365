import { Token } from 'cdktf';

/** DNS-1123 labels: namespaces, service accounts, runtime names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Throws `<where>: <prop> '<value>' <rule>` unless the value is a token (known at apply time only) or passes. */
export function check(where: string, prop: string, value: string, ok: boolean | RegExp, rule: string): void {
  if (Token.isUnresolved(value)) return;
  const passes = typeof ok === 'boolean' ? ok : ok.test(value);
  if (!passes) throw new Error(`${where}: ${prop} '${value}' ${rule}`);
}

export function checkLabel(where: string, prop: string, value: string): void {
  check(where, prop, value, DNS_LABEL, 'must be a lower-case DNS label');
}

export function checkRegion(where: string, value: string): void {
  check(where, 'region', value, /^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1');
}

export function checkRoleArn(where: string, value: string): void {
  check(where, 'roleArn', value, /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN');
}
