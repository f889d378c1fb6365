import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

/** Account, partition and region of the stack a construct lives in, as Terraform expressions. */
export interface AwsContext {
  readonly accountId: string;
  readonly partition: string;
  readonly region: string;
  /** `amazonaws.com`, or the partition's own suffix. */
  readonly dnsSuffix: string;
}

const CONTEXT_ID = 'AwsContext';

/** Returns the stack's AWS context; its data sources are created once per stack, whoever asks first. */
export function awsContext(scope: Construct): AwsContext {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(CONTEXT_ID);
  return (existing instanceof AwsContextSources ? existing : new AwsContextSources(stack, CONTEXT_ID)).context;
}

class AwsContextSources extends Construct {
  readonly context: AwsContext;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const caller = new DataAwsCallerIdentity(this, 'Caller');
    const partition = new DataAwsPartition(this, 'Partition');
    const region = new DataAwsRegion(this, 'Region');
    this.context = {
      accountId: caller.accountId,
      partition: partition.partition,
      region: region.name,
      dnsSuffix: partition.dnsSuffix,
    };
  }
}
