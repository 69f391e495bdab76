import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { FlotillaError } from '@flotilla/kit/errors';
import type { ClientAddress } from './http/client-address.js';
import { writeProblem } from './http/write-problem.js';
import type { Identity } from './policies/auth/jwt-authenticator.js';
import type { Route } from './routes/route.js';
import type { RequestSpan } from './tracing/request-span.js';

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Everything the policies know about one request, in one object made when it arrives: what the
 * policies found out (route, identity, body) and what the gateway adds to the answer. Every field
 * is set in the constructor, so all contexts share one shape.
 */
export class RequestContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly started: number;
  readonly requestId: string;
  readonly method: string;
  readonly url: string;
  /** The query string with its `?` (`''` without), once the path check passed. */
  query: string;
  route: Route | undefined;
  /** Only with tracing on. */
  span: RequestSpan | undefined;
  /** What a problem names so that a client's report leads to the logs: the trace id when traced. */
  traceId: string;
  /** The gateway's own answer fields (request id, RateLimit-*), a flat name/value list that wins over the upstream's. */
  readonly answerHeaders: string[];
  identity: Identity | undefined;
  /** Header fields for the upstream, a flat name/value list. */
  upstreamHeaders: string[] | undefined;
  /** The body to stream upstream; `undefined` for a bodiless request. */
  body: Readable | undefined;
  /** True once a streamed body passed the route's limit. */
  bodyTooLarge: () => boolean;
  /** Instances that refused this request, skipped when it is sent again. */
  tried: Set<string> | undefined;
  readonly #addresses: ClientAddress;
  #path: string | undefined;
  #client: string | undefined;

  constructor(request: IncomingMessage, response: ServerResponse, addresses: ClientAddress) {
    this.request = request;
    this.response = response;
    this.started = performance.now();
    const incomingId = request.headers['x-request-id'];
    this.requestId =
      typeof incomingId === 'string' && SAFE_REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    this.method = request.method ?? 'GET';
    this.url = request.url ?? '/';
    this.query = '';
    this.route = undefined;
    this.span = undefined;
    this.traceId = this.requestId;
    this.answerHeaders = ['x-request-id', this.requestId];
    this.identity = undefined;
    this.upstreamHeaders = undefined;
    this.body = undefined;
    this.bodyTooLarge = never;
    this.tried = undefined;
    this.#addresses = addresses;
    this.#path = undefined;
    this.#client = undefined;
  }

  /**
   * The path, query excluded: as checked once the path check passed, `''` when it failed (a
   * rejected path is never echoed), and before the check the target as received, cut short.
   */
  get path(): string {
    this.#path ??= pathOf(this.url);
    return this.#path;
  }

  set path(path: string) {
    this.#path = path;
  }

  /** The client's address, trusted proxies resolved; worked out once, when first asked. */
  get client(): string {
    this.#client ??= this.#addresses.of(this.peer, this.request.headers['x-forwarded-for']);
    return this.#client;
  }

  /** The socket peer: the client, or the proxy in front of the gateway. */
  get peer(): string {
    return this.request.socket.remoteAddress ?? '';
  }

  /** The method as metrics and spans name it: `_OTHER` outside the known set, as the conventions ask. */
  get methodLabel(): string {
    return KNOWN_METHODS.has(this.method) ? this.method : '_OTHER';
  }

  /** Answers with `error` as a problem, the gateway's answer fields included; returns its status. */
  refuse(error: FlotillaError): number {
    const { response, answerHeaders } = this;
    this.request.resume();
    if (!response.headersSent) {
      for (let index = 0; index < answerHeaders.length; index += 2) {
        response.setHeader(answerHeaders[index]!, answerHeaders[index + 1]!);
      }
    }
    writeProblem(response, error, this.path, this.traceId);
    return error.status;
  }
}

/** A request whose route is known: what the policies after routing see. */
export type RoutedRequest = RequestContext & { readonly route: Route };

export function isRouted(context: RequestContext): context is RoutedRequest {
  return context.route !== undefined;
}

/** The path part of a request target, cut to 200 characters for a problem's `instance`. */
export function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return path.length > 200 ? path.slice(0, 200) : path;
}

function never(): boolean {
  return false;
}
