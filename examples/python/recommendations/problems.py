"""RFC 9457 problem+json answers with the members of Flotilla's error catalogue (docs/errors.md)."""

from typing import Any

from opentelemetry import trace

# The catalogue's entries this service answers with: status, title, retryable.
CATALOGUE: dict[str, tuple[int, str, bool]] = {
    "BAD_REQUEST": (400, "Bad request", False),
    "VALIDATION_FAILED": (400, "Request validation failed", False),
    "NOT_FOUND": (404, "Resource not found", False),
    "ROUTE_NOT_FOUND": (404, "No such route", False),
    "METHOD_NOT_ALLOWED": (405, "Method not allowed", False),
    "INTERNAL": (500, "Internal error", False),
    "BAD_GATEWAY": (502, "Bad gateway", True),
    "UPSTREAM_UNAVAILABLE": (503, "Upstream service unavailable", True),
    "CIRCUIT_OPEN": (503, "Circuit breaker open", True),
    "NOT_READY": (503, "Not ready", True),
    "SHUTTING_DOWN": (503, "Server shutting down", True),
    "UPSTREAM_TIMEOUT": (504, "Upstream timed out", True),
}


class Problem(Exception):
    """Raised by a handler; becomes the problem answer for `code`."""

    def __init__(
        self,
        code: str,
        detail: str | None = None,
        errors: list[dict[str, str]] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.errors = errors
        self.retry_after = retry_after


def problem_document(problem: Problem, path: str, extra: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    """The status and body of the answer to `problem`, whichever framework sends it."""
    status, title, retryable = CATALOGUE[problem.code]
    body: dict[str, Any] = {
        "type": f"urn:flotilla:problem:{problem.code.lower().replace('_', '-')}",
        "title": title,
        "status": status,
        "code": problem.code,
        "retryable": retryable,
        "instance": path,
    }
    # A 5xx never carries a message, only the code and the trace id that finds the log.
    if status < 500 and problem.detail:
        body["detail"] = problem.detail
    if status < 500 and problem.errors:
        body["errors"] = problem.errors
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        body["traceId"] = format(context.trace_id, "032x")
    body.update(extra or {})
    return status, body


def problem_headers(problem: Problem) -> dict[str, str]:
    return {} if problem.retry_after is None else {"Retry-After": str(problem.retry_after)}
