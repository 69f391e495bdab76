import { type IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { ClientAddress } from '../http/client-address.js';
import { RequestContext, type RoutedRequest } from '../request-context.js';
import type { Route } from '../routes/route.js';
import { testRoute } from './test-gateway.js';

export interface TestRequest {
  readonly method?: string;
  readonly url?: string;
  readonly headers?: IncomingHttpHeaders;
  readonly route?: Route;
  /** The socket peer's address. */
  readonly peer?: string;
}

/**
 * A routed request's context over an unconnected socket, for a policy's own tests: what a policy
 * writes stays in the response object, where the test reads it.
 */
export function testContext(request: TestRequest = {}): RoutedRequest {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: request.peer ?? '127.0.0.1' });
  const incoming = new IncomingMessage(socket);
  incoming.method = request.method ?? 'GET';
  incoming.url = request.url ?? '/api/users/1';
  incoming.headers = request.headers ?? {};
  const context = new RequestContext(incoming, new ServerResponse(incoming), new ClientAddress([]));
  context.path = context.url.split('?')[0]!;
  context.route = request.route ?? testRoute({ prefix: '/api/users', service: 'users' });
  return context as RoutedRequest;
}
