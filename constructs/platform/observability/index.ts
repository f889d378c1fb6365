export * from './alert-rules';
export * from './dashboards';
export * from './observability';
export * from './scrape-targets';
