/** The only API version Strimzi 1.x serves for its custom resources. */
export const STRIMZI_API_VERSION = 'kafka.strimzi.io/v1';

/** Label that ties a node pool, topic or user to its Kafka cluster. */
export const CLUSTER_LABEL = 'strimzi.io/cluster';
