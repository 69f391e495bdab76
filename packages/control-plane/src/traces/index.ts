export { registerTraceRoutes } from './register-trace-routes.js';
export type { SpanRecord, SpanView } from './span-record.js';
export { type TraceQuery, TraceStore, type TraceStoreOptions, type TraceSummary } from './trace-store.js';
