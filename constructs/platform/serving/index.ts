export * from './cert-manager';
export * from './example-model';
export * from './inference-service';
export * from './kserve';
export * from './model-serving';
