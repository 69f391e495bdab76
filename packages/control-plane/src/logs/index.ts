export { LOG_LEVELS, type LogLevel, type LogView } from './log-record.js';
export { type LogQuery, LogStore, type LogStoreOptions } from './log-store.js';
export { registerLogRoutes } from './register-log-routes.js';
