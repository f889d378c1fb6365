export * from './airflow';
export * from './pod-security';
export * from './props';
export * from './secrets';
export * from './spark-access';
