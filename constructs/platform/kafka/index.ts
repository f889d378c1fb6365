export * from './kafka-cluster';
export * from './kafka-node-pools';
export * from './kafka-topics';
export * from './kafka-users';
export * from './schema-registry';
export * from './strimzi-api';
export * from './strimzi-operator';
export * from './kafka-client-credentials';
