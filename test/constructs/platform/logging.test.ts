import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadValuesFiles } from '../../../constructs/helm/values-files';
import { ContainerLogs, type ContainerLogsProps } from '../../../constructs/platform/logging';
import { resources, synthScope } from '../../support/synth';
import { vendoredChart } from '../../support/vendored';

const ROLE = 'arn:aws:iam::123456789012:role/mlops-test-container-logs';

/** The parts of the chart's values these tests read. */
interface FluentBitValues {
  cloudWatchLogs: Record<string, unknown>;
  serviceAccount: unknown;
  tolerations: unknown;
  filter: unknown;
  input: { db: string };
  volumeMounts: unknown[];
  containerSecurityContext: unknown;
}

function build(props: Partial<ContainerLogsProps> = {}) {
  const json = synthScope((scope) => {
    new ContainerLogs(scope, 'Logs', {
      namespace: 'logging',
      values: loadValuesFiles('aws-for-fluent-bit', 'dev'),
      logGroupName: '/aws/eks/mlops-test/containers',
      region: 'eu-west-1',
      roleArn: ROLE,
      ...props,
    });
  });
  const [release] = Object.values(resources(json, 'helm_release'));
  return { release, values: parse((release.values as string[])[0]) as FluentBitValues };
}

describe('ContainerLogs', () => {
  it("writes every node's container logs to the given group, as its own IRSA identity", () => {
    const { release, values } = build();
    expect(release).toMatchObject({ chart: vendoredChart('aws-for-fluent-bit', '0.2.0'), namespace: 'logging' });
    expect(values.cloudWatchLogs).toMatchObject({
      enabled: true,
      region: 'eu-west-1',
      logGroupName: '/aws/eks/mlops-test/containers',
      // Terraform owns the group, its retention and key.
      autoCreateGroup: false,
    });
    expect(values.cloudWatchLogs.logRetentionDays ?? null).toBeNull();
    expect(values.serviceAccount).toEqual({
      create: true,
      name: 'aws-for-fluent-bit',
      annotations: { 'eks.amazonaws.com/role-arn': ROLE },
    });
    // Every node, dedicated and GPU pools included.
    expect(values.tolerations).toEqual([{ operator: 'Exists' }]);
  });

  it('parses JSON lines into fields and keeps one stream per container', () => {
    const { values } = build();
    expect(values.filter).toMatchObject({ mergeLog: 'On', mergeLogKey: 'data' });
    expect(values.cloudWatchLogs.logStreamTemplate).toBe(
      "$kubernetes['namespace_name'].$kubernetes['pod_name'].$kubernetes['container_name']",
    );
  });

  it("reads the nodes' logs read-only and keeps its read positions on the node, with no privilege", () => {
    const { values } = build();
    expect(values.volumeMounts).toContainEqual({ name: 'varlog', mountPath: '/var/log', readOnly: true });
    expect(values.input.db.startsWith('/var/fluent-bit/state/')).toBe(true);
    expect(values.volumeMounts).toContainEqual({ name: 'state', mountPath: '/var/fluent-bit/state' });
    expect(values.containerSecurityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('rejects bad props', () => {
    expect(() => build({ region: 'europe' })).toThrow(/region/);
    expect(() => build({ roleArn: 'mlops-role' })).toThrow(/roleArn/);
    expect(() => build({ logGroupName: ' ' })).toThrow(/logGroupName must name a CloudWatch log group/);
  });
});
