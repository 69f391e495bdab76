"""Serves the REST API in a thread of its own: Flask under waitress, or FastAPI under uvicorn."""

import socket
import threading
from collections.abc import Callable
from typing import Literal

from sqlalchemy import Engine

from .lifecycle import Lifecycle
from .users_client import UsersClient

Framework = Literal["flask", "fastapi"]


class HttpServer:
    def __init__(self, port: int, close: Callable[[], None]) -> None:
        self.port = port
        self.close = close


def start_http_server(
    framework: Framework,
    name: str,
    host: str,
    port: int,
    engine: Engine,
    users: UsersClient,
    lifecycle: Lifecycle,
    consumer_alive: Callable[[], bool],
) -> HttpServer:
    # Only the framework in use is imported.
    if framework == "fastapi":
        return _uvicorn(name, host, port, engine, users, lifecycle, consumer_alive)
    return _waitress(name, host, port, engine, users, lifecycle, consumer_alive)


def _waitress(name, host, port, engine, users, lifecycle, consumer_alive) -> HttpServer:
    from waitress import create_server

    from .flask_app import create_flask_app
    from .telemetry import instrument_flask

    app = create_flask_app(name, engine, users, lifecycle, consumer_alive)
    instrument_flask(app)
    server = create_server(app, host=host, port=port, threads=8)
    threading.Thread(target=server.run, name="http", daemon=True).start()
    # Waitress reports the port as it printed it: a string.
    return HttpServer(int(server.effective_port), server.close)


def _uvicorn(name, host, port, engine, users, lifecycle, consumer_alive) -> HttpServer:
    import uvicorn

    from .fastapi_app import create_fastapi_app
    from .telemetry import instrument_fastapi

    app = create_fastapi_app(name, engine, users, lifecycle, consumer_alive)
    instrument_fastapi(app)
    # Bound here, so a port of 0 is known before serving starts.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="http", daemon=True)
    thread.start()

    def close() -> None:
        server.should_exit = True
        thread.join(5)

    return HttpServer(listener.getsockname()[1], close)
