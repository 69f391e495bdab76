import type { FlotillaError } from '@flotilla/kit/errors';
import type { RequestContext, RoutedRequest } from '../request-context.js';

/** Returned by a guard that wrote the whole answer itself (a CORS preflight). */
export const ANSWERED: unique symbol = Symbol('answered');

/** A guard's decision: pass the request on (`undefined`), refuse it with a problem, or it is answered. */
export type Verdict = FlotillaError | typeof ANSWERED | undefined;

/**
 * A policy that decides about a request before it goes upstream (shedding, path check, CORS, auth,
 * rate limit, body limit, header rewriting). It returns a promise only when it has to wait (a token
 * not verified before, a shared rate limit), so the usual request passes without one.
 */
export type Guard<Context extends RequestContext = RoutedRequest> = (
  context: Context,
) => Verdict | Promise<Verdict>;

/** Sends a routed request upstream and resolves with the status it was answered with. */
export type Send = (context: RoutedRequest) => Promise<number>;

/** A policy around the upstream call (error mapping, breaker, retry), as cockatiel's policies wrap a call. */
export type Wrapper = (next: Send) => Send;

/** `send` inside `wrappers`, the first outermost; built once, at start. */
export function wrap(wrappers: readonly Wrapper[], send: Send): Send {
  return wrappers.reduceRight((inner, wrapper) => wrapper(inner), send);
}

/**
 * Runs `guards` in order, from `from`, up to the first that decides. Synchronous while they are:
 * only a guard that returned a promise is waited for.
 */
export function decide<Context extends RequestContext>(
  guards: readonly Guard<Context>[],
  context: Context,
  from = 0,
): Verdict | Promise<Verdict> {
  for (let index = from; index < guards.length; index++) {
    const verdict = guards[index]!(context);
    if (verdict instanceof Promise) {
      return verdict.then((settled) =>
        settled === undefined ? decide(guards, context, index + 1) : settled,
      );
    }
    if (verdict !== undefined) return verdict;
  }
  return undefined;
}
