import { Token } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { resolveAvailability } from '../../../constructs/platform/component';
import {
  checkBucket,
  checkKeyPrefix,
  checkPlacement,
  checkRegion,
  checkRoleArn,
  checkSecretNames,
} from '../../../constructs/platform/validation';

describe('resolveAvailability', () => {
  it('runs one replica by default and two where highly available, unless told otherwise', () => {
    expect(resolveAvailability('x', {})).toEqual({ replicas: 1, highlyAvailable: false });
    expect(resolveAvailability('x', { highlyAvailable: true })).toEqual({ replicas: 2, highlyAvailable: true });
    expect(resolveAvailability('x', { highlyAvailable: true, replicas: 3 })).toEqual({ replicas: 3, highlyAvailable: true });
  });

  it('refuses a single replica that should be highly available, and counts that are not counts', () => {
    expect(() => resolveAvailability('x', { highlyAvailable: true, replicas: 1 })).toThrow(
      /x: replicas must be at least 2 to be highly available \(got 1\)/,
    );
    expect(() => resolveAvailability('x', { replicas: 0 })).toThrow(/x: replicas must be a whole number from 1 to 10 \(got 0\)/);
    expect(() => resolveAvailability('x', { replicas: 6 }, 5)).toThrow(/from 1 to 5 \(got 6\)/);
  });
});

describe('shared checks', () => {
  it('name the prop, the value and the rule, and let values known only at apply time pass', () => {
    expect(() => checkRegion('x', 'Ireland')).toThrow("x: region 'Ireland' must be an AWS region such as eu-west-1");
    expect(() => checkRoleArn('x', 'role', 'jobRoleArn')).toThrow("x: jobRoleArn 'role' must be an IAM role ARN");
    expect(() => checkBucket('x', 'logsBucket', 's3://logs')).toThrow("x: logsBucket 's3://logs' must be an S3 bucket name, without s3://");
    expect(() => checkKeyPrefix('x', 'logsPrefix', '/airflow/', 'airflow')).toThrow(
      /without leading or trailing slashes, such as 'airflow'/,
    );
    expect(() => checkSecretNames('x', { databaseSecretName: ' ' })).toThrow('x: databaseSecretName must name a Secrets Manager secret');
    expect(() => checkPlacement('x', { nodeSelector: {}, tolerations: [] })).toThrow(/x: placement.nodeSelector is empty/);
    expect(() => checkRegion('x', Token.asString({ Ref: 'region' }))).not.toThrow();
    expect(() => checkRegion('x', 'eu-west-1')).not.toThrow();
  });
});
