export { staticBalancer } from './static-balancer.js';
export { type TestDatabase, testDatabase } from './test-database.js';
