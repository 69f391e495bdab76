import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { testContext } from '../../testing/test-context.js';
import { bodyLimit, limitBody } from './index.js';

describe('body limit', () => {
  it('refuses a Content-Length above the route limit at once, closing the connection', () => {
    const context = testContext({ method: 'POST', headers: { 'content-length': '1025' } });
    expect(bodyLimit()(context)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(context.response.shouldKeepAlive).toBe(false);
  });

  it('sends a body within the limit as it came, and none for an empty or absent one', () => {
    const sized = testContext({ method: 'POST', headers: { 'content-length': '10' } });
    expect(bodyLimit()(sized)).toBeUndefined();
    expect(sized.body).toBe(sized.request);
    for (const headers of [{}, { 'content-length': '0' }]) {
      const empty = testContext({ headers });
      bodyLimit()(empty);
      expect(empty.body).toBeUndefined();
    }
  });

  it('counts a chunked body while it streams and fails it past the limit', async () => {
    const context = testContext({ method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
    expect(bodyLimit()(context)).toBeUndefined();
    expect(context.body).not.toBe(context.request);
    const limited = limitBody(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 1000);
    await expect(limited.body.toArray()).rejects.toThrow(/exceeds the limit/);
    expect(limited.exceeded()).toBe(true);
  });
});
