export type { CallOutcome, LoadBalancer, ServiceInstance } from './service-instance.js';
