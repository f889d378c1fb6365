import { StorageClassV1 } from '@cdktf/provider-kubernetes/lib/storage-class-v1';
import { Construct } from 'constructs';

/** Props of {@link EncryptedStorageClass}. */
export interface EncryptedStorageClassProps {
  /** KMS key ARN the EBS CSI driver encrypts volumes with (its identity must be granted the key). */
  readonly kmsKeyArn: string;
  /** @default 'gp3-encrypted' */
  readonly name?: string;
  /** Keep volumes when their claims go: for production data (Kafka). @default false */
  readonly retainVolumes?: boolean;
}

/**
 * The cluster's default StorageClass: gp3 EBS volumes encrypted with the platform's KMS key, bound in the
 * zone of the pod that first uses them, expandable in place.
 */
export class EncryptedStorageClass extends Construct {
  readonly name: string;
  readonly storageClass: StorageClassV1;

  constructor(scope: Construct, id: string, props: EncryptedStorageClassProps) {
    super(scope, id);
    this.storageClass = new StorageClassV1(this, 'StorageClass', {
      metadata: { name: props.name ?? 'gp3-encrypted', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      storageProvisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true', kmsKeyId: props.kmsKeyArn, 'csi.storage.k8s.io/fstype': 'ext4' },
      reclaimPolicy: props.retainVolumes ? 'Retain' : 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    });
    this.name = this.storageClass.metadata.name;
  }
}
