export type { BreakerState } from './breaker-state.js';
export { consulServices } from './consul-services.js';
export type { ConsumerGroupLag, ConsumerLagReader, PartitionLag } from './consumer-lag.js';
export {
  type DashboardOptions,
  defaultInstancePaths,
  type InstanceHealth,
  type InstancePaths,
  type InstanceView,
  type ServiceView,
  type TransportView,
} from './dashboard-options.js';
export type { Overview, ProcessProblem, ServiceOverview, TransportOverview } from './overview.js';
export { registerDashboard } from './register-dashboard.js';
export { supervisorProblems } from './supervisor-problems.js';
