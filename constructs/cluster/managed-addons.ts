/**
 * The EKS-managed add-ons every cluster of the platform runs, by their EKS names: the networking add-ons,
 * the EBS CSI driver (persistent volumes) and metrics-server (autoscaling). `cluster.addonVersions` pins them.
 */
export const MANAGED_ADDONS = ['vpc-cni', 'kube-proxy', 'coredns', 'aws-ebs-csi-driver', 'metrics-server'] as const;
export type ManagedAddon = (typeof MANAGED_ADDONS)[number];
