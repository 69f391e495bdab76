import type { ServerResponse } from 'node:http';
import { type Dispatcher, errors } from 'undici';
import { connectionListed, isHopByHop } from '../http/hop-by-hop.js';

/**
 * Streams one upstream answer into the client's response through undici's handler interface, the
 * leanest it offers: no Readable or Response object per request, raw header buffers rather than a
 * parsed object, and the head written by one `writeHead` with a flat name/value list.
 * `answerHeaders` (request id, RateLimit-*) are the gateway's: an upstream field of the same name
 * is dropped. Resolves with the status once the body is handed to the client socket; rejects with
 * undici's error (the caller maps it), `status` telling whether the head had gone out.
 */
export class ResponseRelay implements Dispatcher.DispatchHandler {
  status = 0;
  /** The answer said when to try again (Retry-After). */
  retryAfter = false;
  readonly #response: ServerResponse;
  readonly #answerHeaders: readonly string[];
  #resolve: (status: number) => void = noop;
  #reject: (error: Error) => void = noop;
  #abort: ((reason?: Error) => void) | undefined;
  #resume: (() => void) | undefined;
  #headersDeadline: NodeJS.Timeout | undefined;
  #expired: Error | undefined;

  constructor(response: ServerResponse, answerHeaders: readonly string[]) {
    this.#response = response;
    this.#answerHeaders = answerHeaders;
  }

  send(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      // undici checks `headersTimeout` on a coarse timer (about 1 s of slack), so a sub-second
      // route timeout could fire at twice its value. A native timer keeps the deadline to the ms.
      if (options.headersTimeout) {
        this.#headersDeadline = setTimeout(() => {
          this.#expired = new errors.HeadersTimeoutError();
          // Not yet on a socket (still connecting): it is aborted the moment it gets one.
          if (this.#abort) this.#abort(this.#expired);
          else this.#reject(this.#expired);
        }, options.headersTimeout);
      }
      dispatcher.dispatch(options, this);
    });
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.#abort = abort;
    if (this.#expired) abort(this.#expired);
    else if (this.#response.destroyed) abort(new Error('the client closed the connection'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx interim answers are not relayed (Node's ServerResponse has no API for arbitrary ones).
    if (statusCode < 200) return true;
    clearTimeout(this.#headersDeadline);
    const answer = this.#answerHeaders;
    const headers: string[] = [];
    let connection: string | undefined;
    for (let index = 0; index < rawHeaders.length; index += 2) {
      const name = rawHeaders[index]!.toString('latin1').toLowerCase();
      const value = rawHeaders[index + 1]!.toString('latin1');
      if (name === 'connection') connection = connection === undefined ? value : `${connection},${value}`;
      else if (!isHopByHop(name, undefined) && !setByGateway(answer, name)) headers.push(name, value);
      if (name === 'retry-after') this.retryAfter = true;
    }
    const listed = connectionListed(connection);
    const relayed =
      listed === undefined ? headers : headers.filter((_, at) => !listed.has(headers[at & ~1]!));
    for (const field of answer) relayed.push(field);
    this.#response.writeHead(statusCode, relayed);
    this.status = statusCode;
    this.#resume = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    const response = this.#response;
    if (response.write(chunk)) return true;
    if (response.destroyed) {
      this.#abort?.(new Error('the client closed the connection'));
      return false;
    }
    // Backpressure: undici stops reading the upstream until the client socket drains or goes.
    const resume = this.#resume!;
    const gone = () => {
      response.off('drain', drained);
      this.#abort?.(new Error('the client closed the connection'));
    };
    const drained = () => {
      response.off('close', gone);
      resume();
    };
    response.once('drain', drained);
    response.once('close', gone);
    return false;
  }

  onComplete(): void {
    clearTimeout(this.#headersDeadline);
    this.#response.end();
    this.#resolve(this.status);
  }

  onError(error: Error): void {
    clearTimeout(this.#headersDeadline);
    this.#reject(error);
  }
}

function setByGateway(answer: readonly string[], name: string): boolean {
  for (let index = 0; index < answer.length; index += 2) if (answer[index] === name) return true;
  return false;
}

function noop(): void {}
