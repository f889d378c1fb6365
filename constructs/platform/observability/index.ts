export * from './alert-rules';
export * from './kafka-dashboard';
export * from './observability';
export * from './scrape-targets';
