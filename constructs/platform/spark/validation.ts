/** Spark memory as spark-submit takes it: `512m`, `2g`. */
export const SPARK_MEMORY = /^[1-9]\d*[mg]$/;
