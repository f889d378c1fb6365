export * from './cert-manager';
export * from './inference-service';
export * from './kserve';
export * from './model-serving';
