/**
 * Liveness and readiness: the health monitor behind `/health/live` and `/health/ready`.
 *
 * @packageDocumentation
 */
export {
  type CheckResult,
  type CheckStatus,
  type HealthCheck,
  HealthMonitor,
  type HealthMonitorOptions,
  type ReadinessReport,
} from './health-monitor.js';
export { healthProbes, type ProbeAnswer, type ProbePath } from './health-probes.js';
