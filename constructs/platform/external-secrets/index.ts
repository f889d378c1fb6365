export * from './external-secret';
export * from './external-secrets-operator';
