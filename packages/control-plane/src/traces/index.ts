export { registerTraceRoutes } from './register-trace-routes.js';
export type { SpanView } from './span-record.js';
export { type TraceQuery, TraceStore, type TraceStoreOptions, type TraceSummary } from './trace-store.js';
