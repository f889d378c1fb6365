export * from './alerting';
export * from './alert-rules';
export * from './dashboards';
export * from './observability';
export * from './props';
export * from './scrape-targets';
export * from './pushgateway';
