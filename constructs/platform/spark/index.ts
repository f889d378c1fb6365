export * from './history-server';
export * from './s3a';
export * from './spark-application';
export * from './spark-applications';
export * from './spark-operator';
export * from './versions';
export * from './application-template';
