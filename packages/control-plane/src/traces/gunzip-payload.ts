import { createGunzip } from 'node:zlib';
import { FlotillaError } from '@flotilla/kit/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A `preParsing` hook for OTLP exports: gzip bodies are inflated, any other encoding refused. */
export async function gunzipPayload(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: NodeJS.ReadableStream,
): Promise<NodeJS.ReadableStream> {
  const encoding = request.headers['content-encoding'];
  if (encoding === undefined || encoding === 'identity') return payload;
  if (encoding !== 'gzip') {
    throw new FlotillaError('UNSUPPORTED_MEDIA_TYPE', {
      detail: 'content-encoding must be gzip or identity',
    });
  }
  // Fastify compares content-length with what the stream reports as its encoded length.
  const gunzip = createGunzip() as ReturnType<typeof createGunzip> & { receivedEncodedLength: number };
  gunzip.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    gunzip.receivedEncodedLength += chunk.length;
  });
  return payload.pipe(gunzip);
}
