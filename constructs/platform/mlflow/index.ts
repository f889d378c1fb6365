export * from './mlflow';
export * from './props';
export * from './users';
