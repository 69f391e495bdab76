import { Readable } from 'node:stream';
import { FlotillaError } from '@flotilla/kit/errors';
import type { Guard } from '../policy.js';

/**
 * Holds a request body to its route's `bodyLimit`: a `Content-Length` above it is refused with
 * `413 PAYLOAD_TOO_LARGE` at once (the connection closed rather than a body that large read to keep
 * it); a
 * chunked body is counted while it streams upstream and cut when it passes the limit. Sets the
 * body the upstream call sends.
 */
export function bodyLimit(): Guard {
  return (context) => {
    const { request, route } = context;
    const contentLength = request.headers['content-length'];
    if (contentLength !== undefined && Number(contentLength) > route.bodyLimit) {
      context.response.shouldKeepAlive = false;
      return new FlotillaError('PAYLOAD_TOO_LARGE', { detail: `the body exceeds ${route.bodyLimit} bytes` });
    }
    if (request.headers['transfer-encoding'] !== undefined) {
      const limited = limitBody(request, route.bodyLimit);
      context.body = limited.body;
      context.bodyTooLarge = limited.exceeded;
    } else if (contentLength !== undefined && contentLength !== '0') {
      context.body = request;
    }
    return undefined;
  };
}

/** `source` as a stream that fails once more than `limit` bytes went through. */
export function limitBody(source: Readable, limit: number): { body: Readable; exceeded: () => boolean } {
  let exceeded = false;
  async function* body(): AsyncIterable<Buffer> {
    let total = 0;
    for await (const chunk of source as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limit) {
        exceeded = true;
        throw new Error('request body exceeds the limit');
      }
      yield chunk;
    }
  }
  return { body: Readable.from(body(), { objectMode: false }), exceeded: () => exceeded };
}
