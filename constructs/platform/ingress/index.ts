export * from './load-balancer-controller';
export * from './platform-ingress';
