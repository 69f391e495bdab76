/**
 * Testing a service in-process: a database of its own, the events it published, events delivered to it, a
 * clock to move and stubs of the services it calls.
 *
 * @packageDocumentation
 */
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
