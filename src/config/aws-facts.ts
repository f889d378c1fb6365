// What AWS offers, as far as an environment file can name it wrongly: regions with the availability zones a new
// account gets, and the Kubernetes versions EKS runs. A snapshot (November 2026): add a region or a version here
// when AWS adds it.

/** Regions by partition prefix, each with the number of availability zones open to new accounts. */
export const REGION_ZONES: Readonly<Record<string, number>> = {
  'us-east-1': 6,
  'us-east-2': 3,
  'us-west-1': 2,
  'us-west-2': 4,
  'ca-central-1': 3,
  'ca-west-1': 3,
  'mx-central-1': 3,
  'sa-east-1': 3,
  'eu-west-1': 3,
  'eu-west-2': 3,
  'eu-west-3': 3,
  'eu-central-1': 3,
  'eu-central-2': 3,
  'eu-north-1': 3,
  'eu-south-1': 3,
  'eu-south-2': 3,
  'il-central-1': 3,
  'me-south-1': 3,
  'me-central-1': 3,
  'af-south-1': 3,
  'ap-east-1': 3,
  'ap-south-1': 3,
  'ap-south-2': 3,
  'ap-southeast-1': 3,
  'ap-southeast-2': 3,
  'ap-southeast-3': 3,
  'ap-southeast-4': 3,
  'ap-southeast-5': 3,
  'ap-southeast-7': 3,
  'ap-northeast-1': 3,
  'ap-northeast-2': 4,
  'ap-northeast-3': 3,
  'us-gov-west-1': 3,
  'us-gov-east-1': 3,
  'cn-north-1': 3,
  'cn-northwest-1': 3,
};

/** Kubernetes minor versions EKS runs, in standard or extended support. */
export const EKS_KUBERNETES_VERSIONS = ['1.31', '1.32', '1.33', '1.34', '1.35', '1.36'] as const;
