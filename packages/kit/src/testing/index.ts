export { publishedEvents } from './published-events.js';
export { type TestDatabase, testDatabase } from './test-database.js';
