import { describe, expect, it } from 'vitest';
import { Role } from '../../constructs/iam/role';
import { KmsKey } from '../../constructs/security/kms-key';
import { dataSources, onlyResource, resources, synthScope } from '../support/synth';

describe('KmsKey', () => {
  it('rotates yearly, keeps the longest deletion window and lets IAM decide access', () => {
    const json = synthScope((scope) => void new KmsKey(scope, 'Key', { alias: 'mlops-test', description: 'test' }));
    expect(onlyResource(json, 'aws_kms_key')).toMatchObject({
      enable_key_rotation: true,
      rotation_period_in_days: 365,
      deletion_window_in_days: 30,
    });
    expect(onlyResource(json, 'aws_kms_alias').name).toBe('alias/mlops-test');
    const [root] = Object.values(dataSources(json, 'aws_iam_policy_document'))[0].statement as Record<string, unknown>[];
    expect(root).toMatchObject({ actions: ['kms:*'], principals: [{ type: 'AWS', identifiers: [expect.stringMatching(/:root$/)] }] });
  });

  it('grants without wildcard actions', () => {
    const json = synthScope((scope) => {
      const key = new KmsKey(scope, 'Key', { alias: 'k', description: 'k' });
      key.grantEncryptDecrypt(new Role(scope, 'User', { roleName: 'user', description: 'u', trustStatements: [] }), 'UseKey');
    });
    const grant = Object.entries(dataSources(json, 'aws_iam_policy_document')).find(([id]) => id.includes('UseKey'))![1];
    const actions = (grant.statement as { actions: string[] }[]).flatMap((s) => s.actions);
    expect(actions.some((a) => a.includes('*'))).toBe(false);
  });

  it('rejects a deletion window AWS does not allow', () => {
    expect(() => synthScope((scope) => void new KmsKey(scope, 'Key', { alias: 'k', description: 'k', deletionWindowDays: 3 }))).toThrow(
      /deletionWindowDays must be between 7 and 30 \(got 3\)/,
    );
  });
});

describe('Role', () => {
  it('attaches managed policies by name with the stack partition', () => {
    const json = synthScope(
      (scope) =>
        void new Role(scope, 'R', {
          roleName: 'r',
          description: 'r',
          trustStatements: [],
          managedPolicies: ['service-role/AmazonEBSCSIDriverPolicy'],
        }),
    );
    expect(Object.values(resources(json, 'aws_iam_role_policy_attachment'))[0].policy_arn).toMatch(
      /^arn:\$\{data\.aws_partition\..*\}:iam::aws:policy\/service-role\/AmazonEBSCSIDriverPolicy$/,
    );
  });
});
