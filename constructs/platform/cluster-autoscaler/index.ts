export * from './cluster-autoscaler';
