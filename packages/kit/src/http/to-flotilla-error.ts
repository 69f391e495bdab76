import type { FastifyError } from 'fastify';
import { codeForStatus, type FieldError, FlotillaError } from '../errors/index.js';

/**
 * Translates what Fastify and its body parsers throw into catalogue errors. Anything unrecognised
 * is returned as is, and becomes a 500 whose details stay in the log.
 */
export function toFlotillaError(error: unknown): unknown {
  if (error instanceof FlotillaError) return error;
  const fastifyError = error as Partial<FastifyError> & { validationContext?: string };
  if (fastifyError.validation) {
    const location = fastifyError.validationContext ?? 'body';
    const errors: FieldError[] = fastifyError.validation.map((issue) => ({
      field: fieldOf(location, issue.instancePath, issue.params),
      message: issue.message ?? 'is invalid',
    }));
    return new FlotillaError('VALIDATION_FAILED', {
      detail: `${errors.length} invalid field${errors.length === 1 ? '' : 's'} in ${location}`,
      errors,
    });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new FlotillaError('UNSUPPORTED_MEDIA_TYPE', { detail: 'send application/json' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new FlotillaError('PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new FlotillaError('MALFORMED_JSON', { detail: 'the body is empty' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new FlotillaError('MALFORMED_JSON');
  }
  if (error instanceof SyntaxError && fastifyError.statusCode === 400)
    return new FlotillaError('MALFORMED_JSON');
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new FlotillaError(codeForStatus(status));
  return error;
}

function fieldOf(location: string, instancePath: string | undefined, params: unknown): string {
  const missing = (params as { missingProperty?: unknown } | undefined)?.missingProperty;
  const path = instancePath ?? '';
  return `/${location}${path}${typeof missing === 'string' ? `/${missing}` : ''}`;
}
