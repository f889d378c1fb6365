export * from './mlflow';
export * from './props';
