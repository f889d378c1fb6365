/**
 * What the platform's Spark defaults are pinned to. The S3A connector is not part of the Spark distribution,
 * so its jars must match the Hadoop client Spark bundles exactly; these four numbers move together.
 */

/** Spark release of the default image and of the history server. */
export const SPARK_VERSION = '4.0.1';

/**
 * Docker Official Image of Apache Spark (`spark:4.0.1` = `4.0.1-scala2.13-java17-python3-ubuntu`): runs as
 * `spark` (uid 185), ships `wget` and `sha1sum`, and has no S3A connector.
 */
export const SPARK_IMAGE = `docker.io/library/spark:${SPARK_VERSION}`;

/** The Hadoop client bundled in Spark 4.0.x (SPARK-49550). `hadoop-aws` must be this exact version. */
export const HADOOP_VERSION = '3.4.1';

/** The AWS SDK v2 bundle `hadoop-aws` 3.4.1 declares and is tested with (HADOOP-19082). */
export const AWS_SDK_BUNDLE_VERSION = '2.24.6';

/** The `spark` user and group of the official image. */
export const SPARK_UID = 185;

/** Spark minor line the pinned S3A jars fit: images of another line bundle another Hadoop. */
export const SPARK_LINE = SPARK_VERSION.split('.').slice(0, 2).join('.');
