// Over 250 lines on purpose: the client is one composition (discovery, deadline, bulkhead,
// breaker per instance, retry with a budget, tracing) whose order is the design; its parts are
// the resilience policies it wraps, each in a file of its own.
import { type Span, trace } from '@opentelemetry/api';
import { CircuitState, wrap } from 'cockatiel';
import { Agent } from 'undici';
import type { LoadBalancer, ServiceInstance } from '../discovery/index.js';
import { FlotillaError } from '../errors/index.js';
import { DEADLINE_HEADER, urlHost } from '../http/index.js';
import {
  type BreakerState,
  breakerPolicy,
  breakerStateName,
  bulkheadPolicy,
  defaultResilienceSettings,
  type Fallback,
  type ResilienceSettings,
  RetryBudget,
  retryPolicy,
  timeoutPolicy,
  toPolicyError,
  withFallback,
} from '../resilience/index.js';
import { injectTraceContext, type Logger, SpanKind, type Tracing } from '../telemetry/index.js';
import type { ClientMetrics } from './client-metrics.js';
import { fromErrorResponse, fromTransportError, outcomeOfThrown } from './to-upstream-error.js';

/** How a client finds and calls its target. */
export interface ServiceClientOptions {
  /** Picks an instance of the target per attempt (discovery, or a static list in tests). */
  readonly balancer: LoadBalancer;
  /** Timeouts, retries, breaker and bulkhead; the defaults where left out. */
  readonly settings?: Partial<ResilienceSettings>;
  /** Where retries, breaker changes and failures are logged. */
  readonly logger?: Logger;
  /** Call counts and durations per target and outcome. */
  readonly metrics?: ClientMetrics;
  /** One span per call, with a client span per attempt whose context travels in `traceparent`. */
  readonly tracing?: Tracing;
}

/** Options of one call. */
export interface CallOptions<T> {
  /** Headers sent with the request, beside those the client sets (trace context, deadline). */
  readonly headers?: Readonly<Record<string, string>>;
  /** When the caller stops waiting (epoch ms), e.g. `request.deadline`; the call ends by then. */
  readonly deadline?: number | undefined;
  /** Makes a non-idempotent request (POST, PATCH) safe to retry; sent as `Idempotency-Key`. */
  readonly idempotencyKey?: string;
  /** Run with the error when the upstream failed or was not called (breaker open, bulkhead full). */
  readonly fallback?: Fallback<T>;
}

/** The state of a client's breaker, as `/breakers` shows it. */
export interface BreakerSnapshot {
  /** The called service. */
  readonly target: string;
  /** closed: calls go through; open: they fail fast; half-open: one trial call goes through. */
  readonly state: BreakerState;
  /** When the breaker entered this state (ISO 8601). */
  readonly since: string;
}

/**
 * An untyped client of one service: the JSON answer, or a `FlotillaError` carrying the upstream's
 * problem. A service gets one per target from `context.client(name)`; `typedClient` gives it the
 * types of the target's contract.
 *
 * @example
 * ```ts
 * const user = await context.client('users').get<{ email: string }>(`/users/${id}`, {
 *   deadline: request.deadline,
 * });
 * ```
 */
export interface ServiceClient {
  /** The called service's name. */
  readonly target: string;
  /** Any method; `body` is sent as JSON. */
  request<T>(method: string, path: string, options?: CallOptions<T> & { body?: unknown }): Promise<T>;
  /** GET `path`. */
  get<T>(path: string, options?: CallOptions<T>): Promise<T>;
  /** POST `body` as JSON to `path`; retried only with an `idempotencyKey`. */
  post<T>(path: string, body: unknown, options?: CallOptions<T>): Promise<T>;
  /** PUT `body` as JSON to `path`. */
  put<T>(path: string, body: unknown, options?: CallOptions<T>): Promise<T>;
  /** PATCH `body` as JSON to `path`; retried only with an `idempotencyKey`. */
  patch<T>(path: string, body: unknown, options?: CallOptions<T>): Promise<T>;
  /** DELETE `path`. */
  delete<T>(path: string, options?: CallOptions<T>): Promise<T>;
  /** The target's breaker now. */
  breaker(): BreakerSnapshot;
  /** Closes the keep-alive connections. */
  close(): Promise<void>;
}

interface Attempt {
  readonly instance: ServiceInstance;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  readonly budgetMs: number;
  readonly signal: AbortSignal;
}

// RFC 9110 §9.2.2: repeating these has the effect of doing them once.
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * The one way a service calls another. Per call: the caller's deadline and the call's own timeout
 * bound everything; a bulkhead caps concurrency; the target's breaker fails fast when it is down;
 * retries (idempotent requests only, retryable errors only, within the retry budget) go to another
 * instance each time; each attempt has its own timeout and carries the remaining budget in
 * `x-request-timeout-ms`. Connections are kept alive in one undici pool per instance.
 */
export function createServiceClient(target: string, options: ServiceClientOptions): ServiceClient {
  const settings: ResilienceSettings = { ...defaultResilienceSettings, ...options.settings };
  const { balancer, logger, metrics, tracing } = options;
  const agent = new Agent({ connections: settings.connections, keepAliveTimeout: 30_000 });
  const budget = new RetryBudget({
    ratio: settings.retryBudgetRatio,
    minPerSecond: settings.retryBudgetMinPerSecond,
  });
  const bulkhead = bulkheadPolicy({ maxConcurrent: settings.maxConcurrent, maxQueue: settings.maxQueue });
  const breaker = breakerPolicy({
    threshold: settings.breakerThreshold,
    failureRate: settings.breakerFailureRate,
    windowMs: settings.breakerWindowMs,
    minimumRps: settings.breakerMinimumRps,
    halfOpenAfterMs: settings.breakerHalfOpenAfterMs,
  });
  let stateSince = Date.now();
  const showState = (state: CircuitState) => {
    for (const name of ['closed', 'open', 'half-open', 'isolated'] as const) {
      metrics?.breakerState.set({ target, state: name }, name === breakerStateName(state) ? 1 : 0);
    }
  };
  showState(CircuitState.Closed);
  breaker.onStateChange((state) => {
    stateSince = Date.now();
    showState(state);
    logger?.[state === CircuitState.Open ? 'warn' : 'info'](
      { target, state: breakerStateName(state) },
      `circuit to ${target} ${breakerStateName(state)}`,
    );
  });
  bulkhead.onReject(() => metrics?.bulkheadRejections.inc({ target }));
  const breakerRetryAfterSeconds = () =>
    Math.max(1, Math.ceil((stateSince + settings.breakerHalfOpenAfterMs - Date.now()) / 1000));

  /** One try on one instance: a client span around it when tracing, its context sent as traceparent. */
  async function attempt(planned: Attempt): Promise<unknown> {
    if (!tracing) return send(planned, undefined);
    const { instance, method, path } = planned;
    return tracing.withSpan(
      method,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': method,
          'server.address': instance.address,
          'server.port': instance.port,
          'url.path': path,
          'peer.service': target,
          'flotilla.instance.id': instance.id,
        },
      },
      (span) => send({ ...planned, headers: injectTraceContext({ ...planned.headers }) }, span),
    );
  }

  async function send(
    { instance, method, path, body, headers, budgetMs, signal }: Attempt,
    span: Span | undefined,
  ): Promise<unknown> {
    const host = urlHost(instance.address);
    const tracker = balancer.track(instance);
    metrics?.attempts.inc({ target });
    let response: Awaited<ReturnType<Agent['request']>>;
    let text: string;
    try {
      response = await agent.request({
        origin: `http://${host}:${instance.port}`,
        path,
        method: method as 'GET',
        headers: { ...headers, [DEADLINE_HEADER]: String(Math.max(1, Math.floor(budgetMs))) },
        body: body === undefined ? null : JSON.stringify(body),
        signal,
      });
      text = await response.body.text();
    } catch (error) {
      tracker.done(outcomeOfThrown(error));
      throw fromTransportError(error, target);
    }
    span?.setAttribute('http.response.status_code', response.statusCode);
    tracker.done(response.statusCode >= 500 ? 'failure' : 'success');
    const parsed = parseJson(text);
    if (response.statusCode >= 400) {
      const retryAfter = response.headers['retry-after'];
      throw fromErrorResponse(
        response.statusCode,
        parsed.ok ? parsed.value : undefined,
        typeof retryAfter === 'string' ? retryAfter : undefined,
        target,
      );
    }
    if (!parsed.ok) {
      throw new FlotillaError('BAD_GATEWAY', {
        detail: `${target} answered with invalid JSON`,
        extensions: { upstream: target },
      });
    }
    return parsed.value;
  }

  async function guarded(method: string, path: string, body: unknown, call: CallOptions<unknown>) {
    budget.deposit();
    const deadline = Math.min(Date.now() + settings.timeoutMs, call.deadline ?? Number.POSITIVE_INFINITY);
    const remaining = () => deadline - Date.now();
    if (remaining() <= 0) {
      throw new FlotillaError('DEADLINE_EXCEEDED', { detail: `no time left to call ${target}` });
    }
    const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (call.idempotencyKey !== undefined) headers['idempotency-key'] = call.idempotencyKey;
    const idempotent =
      IDEMPOTENT_METHODS.has(method) ||
      Object.keys(headers).some((name) => name.toLowerCase() === 'idempotency-key');
    const retry = retryPolicy({
      maxRetries: idempotent ? settings.maxRetries : 0,
      initialDelayMs: settings.retryBaseDelayMs,
      maxDelayMs: settings.retryMaxDelayMs,
      budget,
      // A retry that the upstream asked to delay past our deadline would only waste the budget.
      allow: (error) => (error.retryAfterSeconds ?? 0) * 1000 < remaining(),
      onBudgetExhausted: () => metrics?.retryBudgetExhausted.inc({ target }),
    });
    retry.onRetry(() => {
      metrics?.retries.inc({ target });
      trace.getActiveSpan()?.addEvent('retry', { 'flotilla.retry.tried': tried.size });
    });
    const tried = new Set<string>();
    const oneAttempt = async (signal: AbortSignal) => {
      const instance = await balancer.pick(target, tried);
      if (!instance) {
        throw new FlotillaError('UPSTREAM_UNAVAILABLE', {
          detail: `no passing instance of ${target}`,
          extensions: { upstream: target },
        });
      }
      tried.add(instance.id);
      const budgetMs = Math.min(settings.attemptTimeoutMs, remaining());
      try {
        return await timeoutPolicy(budgetMs).execute(({ signal: attemptSignal }) =>
          attempt({
            instance,
            method,
            path,
            body,
            headers,
            budgetMs,
            signal: AbortSignal.any([signal, attemptSignal]),
          }),
        );
      } catch (error) {
        // A timed-out attempt becomes UPSTREAM_TIMEOUT here, so the retry policy sees a retryable code.
        throw toPolicyError(error, { target });
      }
    };
    const policies = wrap(timeoutPolicy(remaining()), bulkhead, breaker, retry);
    try {
      return await policies.execute(({ signal }) => oneAttempt(signal));
    } catch (error) {
      const mapped = toPolicyError(error, { target, breakerRetryAfterSeconds });
      if (
        mapped instanceof FlotillaError &&
        (mapped.code === 'CIRCUIT_OPEN' || mapped.code === 'BULKHEAD_FULL')
      ) {
        trace.getActiveSpan()?.addEvent(mapped.code === 'CIRCUIT_OPEN' ? 'breaker open' : 'bulkhead full');
      }
      throw mapped;
    }
  }

  async function request<T>(method: string, path: string, call: CallOptions<T> & { body?: unknown } = {}) {
    if (!tracing) return measured<T>(method, path, call);
    return tracing.withSpan(
      `call ${target} ${method.toUpperCase()}`,
      {
        attributes: { 'peer.service': target, 'http.request.method': method.toUpperCase(), 'url.path': path },
      },
      () => measured<T>(method, path, call),
    );
  }

  async function measured<T>(method: string, path: string, call: CallOptions<T> & { body?: unknown }) {
    const started = performance.now();
    let outcome = 'success';
    try {
      return (await withFallback(async () => {
        try {
          return (await guarded(method.toUpperCase(), path, call.body, call as CallOptions<unknown>)) as T;
        } catch (error) {
          outcome = error instanceof FlotillaError ? error.code : 'INTERNAL';
          throw error;
        }
      }, call.fallback)) as T;
    } finally {
      metrics?.calls.inc({ target, outcome });
      metrics?.duration.observe({ target, outcome }, (performance.now() - started) / 1000);
    }
  }

  return {
    target,
    request,
    get: (path, call) => request('GET', path, call),
    post: (path, body, call) => request('POST', path, { ...call, body }),
    put: (path, body, call) => request('PUT', path, { ...call, body }),
    patch: (path, body, call) => request('PATCH', path, { ...call, body }),
    delete: (path, call) => request('DELETE', path, call),
    breaker: () => ({
      target,
      state: breakerStateName(breaker.state),
      since: new Date(stateSince).toISOString(),
    }),
    close: () => agent.close(),
  };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}
