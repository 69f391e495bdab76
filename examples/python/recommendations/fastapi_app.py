"""The same REST API in FastAPI (HTTP_FRAMEWORK=fastapi): async handlers, every error as problem+json."""

import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from . import VERSION
from .lifecycle import Lifecycle, readiness_checks
from .problems import Problem, problem_document, problem_headers
from .store import recommendations_for
from .users_client import UsersClient

log = logging.getLogger(__name__)

HTTP_CODES = {400: "BAD_REQUEST", 404: "ROUTE_NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


def problem_response(request: Request, problem: Problem, extra: dict[str, Any] | None = None) -> JSONResponse:
    status, body = problem_document(problem, request.url.path, extra)
    return JSONResponse(body, status, headers=problem_headers(problem), media_type="application/problem+json")


def create_fastapi_app(
    name: str, engine: Engine, users: UsersClient, lifecycle: Lifecycle, consumer_alive: Callable[[], bool]
) -> FastAPI:
    app = FastAPI(title=name, version=VERSION)

    @app.middleware("http")
    async def count_in_flight(request: Request, call_next):
        lifecycle.enter()
        try:
            return await call_next(request)
        finally:
            lifecycle.leave()

    # The gateway hands /api/<name>/… on as /<name>/…: the resource is named after the service.
    @app.get(f"/{name}/{{user_id}}")
    async def recommendations(
        user_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")],
        limit: Annotated[int, Query(ge=1, le=50)] = 5,
    ) -> dict[str, Any]:
        # The users call (requests) and the pool (SQLAlchemy, psycopg) block: they run in the
        # thread pool, and the event loop goes on serving other requests meanwhile.
        if not await run_in_threadpool(users.user_exists, user_id):
            raise Problem("NOT_FOUND", f"no user {user_id}")
        products = await run_in_threadpool(recommendations_for, engine, user_id, limit)
        return {"userId": user_id, "products": products}

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready")
    async def ready(request: Request):
        if lifecycle.shutting_down.is_set():
            raise Problem("SHUTTING_DOWN")
        checks = await run_in_threadpool(readiness_checks, engine, consumer_alive)
        if "failing" in checks.values():
            return problem_response(request, Problem("NOT_READY"), {"checks": checks})
        return {"status": "ok", "checks": checks}

    @app.exception_handler(Problem)
    async def on_problem(request: Request, problem: Problem) -> JSONResponse:
        return problem_response(request, problem)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": "/" + "/".join(str(part) for part in entry["loc"]), "message": entry["msg"]}
            for entry in error.errors()
        ]
        where = sorted({str(entry["loc"][0]) for entry in error.errors()})
        detail = f"{len(errors)} invalid field{'s' if len(errors) > 1 else ''} in {', '.join(where)}"
        return problem_response(request, Problem("VALIDATION_FAILED", detail, errors))

    @app.exception_handler(HTTPException)
    async def on_http_exception(request: Request, error: HTTPException) -> JSONResponse:
        code = HTTP_CODES.get(error.status_code, "INTERNAL")
        return problem_response(request, Problem(code, str(error.detail) if code != "INTERNAL" else None))

    @app.exception_handler(Exception)
    async def on_exception(request: Request, error: Exception) -> JSONResponse:
        log.exception("request failed", extra={"err": str(error)})
        return problem_response(request, Problem("INTERNAL"))

    return app
