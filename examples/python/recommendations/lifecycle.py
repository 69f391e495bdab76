"""What readiness and the shutdown sequence read, shared by both HTTP front ends."""

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine

from .store import ping

log = logging.getLogger(__name__)


class Lifecycle:
    """Whether shutdown has begun, and the requests in flight that it waits for."""

    def __init__(self) -> None:
        self.shutting_down = threading.Event()
        self._in_flight = 0
        self._idle = threading.Condition()

    def enter(self) -> None:
        with self._idle:
            self._in_flight += 1

    def leave(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def drain(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)


def readiness_checks(engine: Engine, consumer_alive: Callable[[], bool]) -> dict[str, str]:
    """Per dependency `ok` or `failing`: the database answers a ping, the event consumer runs."""
    checks: dict[str, str] = {}
    try:
        ping(engine)
        checks["database"] = "ok"
    except Exception as error:
        log.warning("database ping failed", extra={"err": str(error)})
        checks["database"] = "failing"
    checks["events"] = "ok" if consumer_alive() else "failing"
    return checks
