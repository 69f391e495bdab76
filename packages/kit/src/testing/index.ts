export { type DeliverEventOptions, type DeliveredEvent, deliverEvent } from './deliver-event.js';
export { publishedEvents } from './published-events.js';
export {
  type RouteParams,
  type StubHandler,
  type StubRequest,
  type StubRoute,
  type StubRoutes,
  type StubService,
  stubService,
} from './stub-service.js';
export { type TestClock, testClock } from './test-clock.js';
export { type TestDatabase, testDatabase } from './test-database.js';
