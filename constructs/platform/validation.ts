import { Token } from 'cdktf';
import { NVIDIA_GPU_RESOURCE, NVIDIA_GPU_TAINT } from '../cluster/accelerators';
import type { Placement } from '../kubernetes/objects';

// The checks platform components share, each rule written once. A value that is a token (known only at
// apply time) passes: Terraform or the API server checks it then.

/** DNS-1123 labels: namespaces, service accounts, release and runtime names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Throws `<where>: <prop> '<value>' <rule>` unless the value is a token or passes. */
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

export function checkRoleArn(where: string, value: string, prop = 'roleArn'): void {
  check(where, prop, value, /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN');
}

export function checkBucket(where: string, prop: string, value: string): void {
  check(where, prop, value, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name, without s3://');
}

/** A placement must select a pool: an empty node selector would let the pods land anywhere. */
export function checkPlacement(where: string, placement: Placement, prop = 'placement'): void {
  if (Object.keys(placement.nodeSelector).length === 0) {
    throw new Error(`${where}: ${prop}.nodeSelector is empty; pass a node pool's placement (the general pool's for control components)`);
  }
}

/** An S3 key prefix as the components take it: no leading or trailing slash. */
export function checkKeyPrefix(where: string, prop: string, value: string, example: string): void {
  check(
    where,
    prop,
    value,
    /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/,
    `must be a key prefix without leading or trailing slashes, such as '${example}'`,
  );
}

/** Each of `secrets` (prop → value) must name a Secrets Manager secret. */
export function checkSecretNames(where: string, secrets: Record<string, string>): void {
  for (const [prop, value] of Object.entries(secrets)) {
    if (value.trim() === '') throw new Error(`${where}: ${prop} must name a Secrets Manager secret`);
  }
}

/** A Helm release name: a DNS label Helm accepts (at most 53 characters), shorter where names grow from it. */
export function checkReleaseName(where: string, value: string, maxLength = 53): void {
  check(
    where,
    'releaseName',
    value,
    new RegExp(`^[a-z0-9]([-a-z0-9]{0,${maxLength - 2}}[a-z0-9])?$`),
    `must be a lower-case DNS label of at most ${maxLength} characters`,
  );
}

/** GPUs a pod asks for: 1 to 8, and only where its placement tolerates the GPU taint, on nodes that offer them. */
export function checkGpus(where: string, prop: string, gpus: number | undefined, placement: Placement | undefined): void {
  if (gpus === undefined) return;
  if (!Number.isInteger(gpus) || gpus < 1 || gpus > 8)
    throw new Error(`${where}: ${prop} must be a whole number from 1 to 8 (got ${gpus})`);
  if (!placement?.tolerations.some((t) => t.key === NVIDIA_GPU_TAINT.key))
    throw new Error(
      `${where}: ${prop} needs the placement of a GPU pool (accelerator: nvidia): elsewhere no node offers ${NVIDIA_GPU_RESOURCE}`,
    );
}
