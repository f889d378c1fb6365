import type { Resources } from '../../kubernetes/objects';
import { sparkContainerSecurityContext } from './pod-security';
import { AWS_SDK_BUNDLE_VERSION, HADOOP_VERSION, SPARK_IMAGE } from './versions';

/** Key prefix of Spark event logs in the logs bucket: jobs write it, the history server reads and cleans it. */
export const SPARK_EVENTS_PREFIX = 'spark-events/';

/**
 * AWS SDK v2 web-identity provider: reads the token and role the EKS IRSA webhook injects
 * (`AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN`). Hadoop 3.4 takes SDK v2 providers directly; the v1 name
 * `com.amazonaws.auth.WebIdentityTokenCredentialsProvider` is only remapped to this one.
 */
export const IRSA_CREDENTIALS_PROVIDER = 'software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider';

/** Where the S3A jars are mounted in Spark containers. */
export const S3A_JARS_DIR = '/opt/spark/s3a-jars';
export const S3A_JARS_VOLUME = 's3a-jars';

const MAVEN_CENTRAL = 'https://repo1.maven.org/maven2';

/** The S3A connector matching Spark 4.0.x's Hadoop client, and the SDK bundle it is built against. */
export const S3A_JAR_URLS: readonly string[] = [
  `${MAVEN_CENTRAL}/org/apache/hadoop/hadoop-aws/${HADOOP_VERSION}/hadoop-aws-${HADOOP_VERSION}.jar`,
  `${MAVEN_CENTRAL}/software/amazon/awssdk/bundle/${AWS_SDK_BUNDLE_VERSION}/bundle-${AWS_SDK_BUNDLE_VERSION}.jar`,
];

// Each jar is checked against the SHA-1 Maven Central publishes beside it, so a truncated or corrupt
// download fails the pod instead of surfacing later as a ClassNotFoundException.
const FETCH_SCRIPT = [
  `cd ${S3A_JARS_DIR}`,
  'for url in "$@"; do',
  '  jar="${url##*/}"',
  '  wget -q --no-hsts --tries=3 --timeout=60 -O "$jar.sha1" "$url.sha1"',
  '  wget -q --no-hsts --tries=3 --timeout=120 -O "$jar" "$url"',
  '  echo "$(head -c 40 "$jar.sha1")  $jar" | sha1sum -c -',
  '  rm "$jar.sha1"',
  'done',
].join('\n');

const FETCH_RESOURCES: Resources = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } };

/**
 * Init container that downloads the S3A jars into the {@link s3aJarsVolume}. It runs the official Spark image
 * (already on the node for the default jobs, and it has `wget`) as the non-root `spark` user, so nothing is
 * baked into images and no package resolution happens in the operator's submission JVM.
 */
export function fetchS3aJarsContainer(): Record<string, unknown> {
  return {
    name: 'fetch-s3a-jars',
    image: SPARK_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    command: ['/bin/sh', '-ec', FETCH_SCRIPT, 'fetch-s3a-jars', ...S3A_JAR_URLS],
    resources: structuredClone(FETCH_RESOURCES),
    securityContext: sparkContainerSecurityContext(true),
    volumeMounts: [{ name: S3A_JARS_VOLUME, mountPath: S3A_JARS_DIR }],
  };
}

/** Scratch volume for the S3A jars (about 600 MB, almost all of it the SDK bundle). */
export function s3aJarsVolume(): Record<string, unknown> {
  return { name: S3A_JARS_VOLUME, emptyDir: { sizeLimit: '1Gi' } };
}

/** Read-only mount of the jars for the Spark container. */
export function s3aJarsMount(): Record<string, unknown> {
  return { name: S3A_JARS_VOLUME, mountPath: S3A_JARS_DIR, readOnly: true };
}

/** Java classpath entry for every jar of the volume. */
export const S3A_CLASSPATH = `${S3A_JARS_DIR}/*`;

/** Hadoop settings for S3 through IRSA, as Spark properties (`spark.hadoop.*`). */
export function s3aSparkConf(region: string): Record<string, string> {
  return {
    'spark.hadoop.fs.s3a.aws.credentials.provider': IRSA_CREDENTIALS_PROVIDER,
    // Without a region S3A 3.4 probes for one and may go cross-region; the buckets live in the stack's region.
    'spark.hadoop.fs.s3a.endpoint.region': region,
  };
}

/** `s3a://<bucket>/spark-events/`. */
export function eventLogDir(bucket: string): string {
  return `s3a://${bucket}/${SPARK_EVENTS_PREFIX}`;
}
