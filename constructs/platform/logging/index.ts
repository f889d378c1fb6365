export * from './container-logs';
