/**
 * The one error catalogue: `FlotillaError` and its RFC 9457 problem+json form.
 *
 * @packageDocumentation
 */
export {
  codeForStatus,
  type ErrorCode,
  type ErrorDefinition,
  errorCatalogue,
  isErrorCode,
  problemType,
} from './catalogue.js';
export {
  type FieldError,
  FlotillaError,
  type FlotillaErrorOptions,
  isFlotillaError,
} from './flotilla-error.js';
export {
  fromProblem,
  PROBLEM_CONTENT_TYPE,
  type Problem,
  type ProblemContext,
  toProblem,
} from './problem.js';
