import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { Construct } from 'constructs';
import { expireUntagged, keepNewestTagged } from './lifecycle-rules';

/** Props of {@link ImageRepository}. */
export interface ImageRepositoryProps {
  /** `mlops-<env>/pipeline`: lower-case path segments of at most 256 characters in all. */
  readonly repositoryName: string;
  /** Customer-managed KMS key of the images. @default ECR's AWS-managed KMS key */
  readonly encryptionKeyArn?: string;
  /** Tagged images kept; older ones expire. Keep more than a rollback ever reaches back. @default 100 */
  readonly keepTaggedImages?: number;
  /** Days an untagged image (an interrupted push's) is kept. @default 14 */
  readonly untaggedImageDays?: number;
  /** Let `terraform destroy` remove the repository with its images (non-production). @default false */
  readonly forceDelete?: boolean;
}

/**
 * A private ECR repository for an image this project builds: tags are immutable (a tag names one image
 * forever, so configuration that pins a tag pins the bytes), every push is scanned, images are encrypted with
 * KMS, and a lifecycle policy expires untagged images and all but the newest tagged ones.
 */
export class ImageRepository extends Construct {
  readonly repository: EcrRepository;
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`: what image references start with. */
  readonly repositoryUrl: string;
  readonly repositoryArn: string;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    const where = this.node.path;
    if (
      !/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(props.repositoryName) ||
      props.repositoryName.length > 256
    )
      throw new Error(`${where}: repositoryName '${props.repositoryName}' must be lower-case path segments of at most 256 characters`);
    const keep = props.keepTaggedImages ?? 100;
    const days = props.untaggedImageDays ?? 14;
    for (const [name, value] of [
      ['keepTaggedImages', keep],
      ['untaggedImageDays', days],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`${where}: ${name} must be a positive integer (got ${value})`);
    }

    this.repository = new EcrRepository(this, 'Repository', {
      name: props.repositoryName,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'KMS', kmsKey: props.encryptionKeyArn }],
      forceDelete: props.forceDelete ?? false,
    });
    new EcrLifecyclePolicy(this, 'Lifecycle', {
      repository: this.repository.name,
      policy: JSON.stringify({ rules: [expireUntagged(1, days), keepNewestTagged(2, keep)] }),
    });
    this.repositoryUrl = this.repository.repositoryUrl;
    this.repositoryArn = this.repository.arn;
  }
}
