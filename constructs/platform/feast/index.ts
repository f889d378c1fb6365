export * from './feature-store';
export * from './feature-store-config';
export * from './props';
