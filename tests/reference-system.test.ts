import { describe } from 'vitest';
import { referenceSystemScenario } from './support/reference-system.js';

// Embedded transport: events travel over HTTP to subscribers found through the registry.
describe('the reference system across processes, embedded events', { timeout: 120_000 }, () => {
  referenceSystemScenario();
});
