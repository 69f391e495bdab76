import { Readable } from 'node:stream';

/**
 * The request body as a stream that fails once more than `limit` bytes went through, so a
 * chunked body is bounded while it streams (a `Content-Length` above the limit is refused before).
 */
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
