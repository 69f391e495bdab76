import { describe, expect, it } from 'vitest';
import { ClientAddress } from '../../http/client-address.js';
import { testContext } from '../../testing/test-context.js';
import { upstreamHeaders } from './index.js';

function fields(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (let index = 0; index < (list ?? []).length; index += 2) out[list![index]!] = list![index + 1]!;
  return out;
}

describe('upstream headers', () => {
  it('replaces what only the gateway may set and adds forwarding, request id and deadline', () => {
    const context = testContext({
      headers: {
        host: 'gw.test',
        'x-kept': 'yes',
        'x-auth-subject': 'admin',
        'x-forwarded-for': '6.6.6.6',
        connection: 'x-internal',
        'x-internal': 'secret',
      },
    });
    expect(upstreamHeaders(new ClientAddress([]))(context)).toBeUndefined();
    expect(fields(context.upstreamHeaders)).toEqual({
      'x-kept': 'yes',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'gw.test',
      forwarded: 'for=127.0.0.1;proto=http;host="gw.test"',
      'x-request-id': context.requestId,
      'x-request-timeout-ms': '2000',
    });
  });

  it('extends the forwarding chain behind a trusted proxy, brackets IPv6, and passes the identity', () => {
    const context = testContext({
      peer: '::1',
      headers: { host: 'gw.test', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' },
    });
    context.identity = { subject: 'user-42', claims: {}, claimsHeader: 'e30' };
    upstreamHeaders(new ClientAddress(['::1']))(context);
    expect(fields(context.upstreamHeaders)).toMatchObject({
      'x-forwarded-for': '203.0.113.9, ::1',
      forwarded: 'for="[::1]";proto=https;host="gw.test"',
      'x-auth-subject': 'user-42',
      'x-auth-claims': 'e30',
    });
  });
});
