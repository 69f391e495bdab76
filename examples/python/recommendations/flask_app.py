"""The REST API in Flask: recommendations per user, health endpoints, every error as problem+json."""

import logging
import re
from collections.abc import Callable

from flask import Flask, Response, json, jsonify, request
from sqlalchemy import Engine
from werkzeug.exceptions import HTTPException

from .lifecycle import Lifecycle, readiness_checks
from .problems import Problem, problem_document, problem_headers
from .store import recommendations_for
from .users_client import UsersClient

log = logging.getLogger(__name__)

USER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
HTTP_CODES = {400: "BAD_REQUEST", 404: "ROUTE_NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


def problem_response(problem: Problem, extra: dict[str, object] | None = None) -> Response:
    status, body = problem_document(problem, request.path, extra)
    return Response(
        json.dumps(body), status=status, mimetype="application/problem+json", headers=problem_headers(problem)
    )


def _limit() -> int:
    raw = request.args.get("limit", "5")
    if not raw.isdigit() or not 1 <= int(raw) <= 50:
        raise Problem(
            "VALIDATION_FAILED",
            "1 invalid field in query",
            [{"field": "/query/limit", "message": "must be an integer from 1 to 50"}],
        )
    return int(raw)


def create_flask_app(
    name: str, engine: Engine, users: UsersClient, lifecycle: Lifecycle, consumer_alive: Callable[[], bool]
) -> Flask:
    app = Flask(__name__)

    @app.before_request
    def count_in() -> None:
        lifecycle.enter()

    @app.teardown_request
    def count_out(_: BaseException | None) -> None:
        lifecycle.leave()

    # The gateway hands /api/<name>/… on as /<name>/…: the resource is named after the service.
    @app.get(f"/{name}/<user_id>")
    def recommendations(user_id: str):
        limit = _limit()
        if not USER_ID.match(user_id):
            raise Problem(
                "VALIDATION_FAILED",
                "1 invalid field in path",
                [{"field": "/params/userId", "message": "must be 1 to 64 letters, digits, - or _"}],
            )
        if not users.user_exists(user_id):
            raise Problem("NOT_FOUND", f"no user {user_id}")
        return jsonify(userId=user_id, products=recommendations_for(engine, user_id, limit))

    @app.get("/health/live")
    def live():
        return jsonify(status="ok")

    @app.get("/health/ready")
    def ready():
        if lifecycle.shutting_down.is_set():
            raise Problem("SHUTTING_DOWN")
        checks = readiness_checks(engine, consumer_alive)
        if "failing" in checks.values():
            return problem_response(Problem("NOT_READY"), {"checks": checks})
        return jsonify(status="ok", checks=checks)

    @app.errorhandler(Problem)
    def on_problem(problem: Problem):
        return problem_response(problem)

    @app.errorhandler(HTTPException)
    def on_http_exception(error: HTTPException):
        code = HTTP_CODES.get(error.code or 500, "INTERNAL")
        return problem_response(Problem(code, error.description if code != "INTERNAL" else None))

    @app.errorhandler(Exception)
    def on_exception(error: Exception):
        log.exception("request failed", extra={"err": str(error)})
        return problem_response(Problem("INTERNAL"))

    return app
