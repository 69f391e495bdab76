import { FlotillaError } from '@flotilla/kit/errors';
import type { RoutedRequest } from '../../request-context.js';
import type { Guard, Verdict } from '../policy.js';
import type { JwtAuthenticator } from './jwt-authenticator.js';

/**
 * Lets a request to a `protected` route through only with a valid bearer token, whose identity it
 * puts on the context; otherwise `401 UNAUTHORIZED` with `WWW-Authenticate: Bearer`. Without an
 * authenticator, protected routes fail closed. A token verified before is answered from the
 * verified-token cache without a promise.
 */
export function auth(authenticator: JwtAuthenticator | undefined): Guard {
  return (context) => {
    if (context.route.auth !== 'protected') return undefined;
    if (authenticator === undefined) {
      return new FlotillaError('UNAUTHORIZED', { detail: 'authentication is not configured' });
    }
    const identity = authenticator.cached(context.request.headers.authorization);
    if (identity === undefined) return verify(authenticator, context);
    context.identity = identity;
    return undefined;
  };
}

async function verify(authenticator: JwtAuthenticator, context: RoutedRequest): Promise<Verdict> {
  try {
    context.identity = await authenticator.authenticate(context.request.headers.authorization);
    return undefined;
  } catch (error) {
    context.response.setHeader('www-authenticate', 'Bearer');
    return error instanceof FlotillaError ? error : new FlotillaError('UNAUTHORIZED');
  }
}
