"""Calls to Flotilla's users service: found through the registry, guarded by a circuit breaker."""

from urllib.parse import quote

import pybreaker
import requests

from .problems import Problem
from .registration import Registry


class UsersUnavailable(Exception):
    """No passing instance, a refused connection or a 5xx: counts against the breaker."""


class UsersTimedOut(Exception):
    """No answer within the call timeout: counts against the breaker."""


class UsersClient:
    def __init__(self, registry: Registry, service: str, timeout: float, fail_max: int, reset_timeout: float) -> None:
        self._registry = registry
        self._service = service
        self._timeout = timeout
        self._session = requests.Session()
        self.breaker = pybreaker.CircuitBreaker(fail_max=fail_max, reset_timeout=reset_timeout, name=service)

    def user_exists(self, user_id: str) -> bool:
        """True or False from users; a Problem when users cannot say (breaker open, down, too slow)."""
        try:
            return self.breaker.call(self._fetch, user_id)
        except pybreaker.CircuitBreakerError as error:
            raise Problem("CIRCUIT_OPEN", retry_after=max(1, round(self.breaker.reset_timeout))) from error
        except UsersTimedOut as error:
            raise Problem("UPSTREAM_TIMEOUT") from error
        except UsersUnavailable as error:
            raise Problem("UPSTREAM_UNAVAILABLE", retry_after=1) from error

    def _fetch(self, user_id: str) -> bool:
        try:
            base = self._registry.pick_passing(self._service)
        except Exception as error:
            raise UsersUnavailable("registry not reachable") from error
        if base is None:
            raise UsersUnavailable(f"no passing instance of {self._service}")
        try:
            response = self._session.get(f"{base}/users/{quote(user_id, safe='')}", timeout=self._timeout)
        except requests.Timeout as error:
            raise UsersTimedOut(str(error)) from error
        except requests.RequestException as error:
            raise UsersUnavailable(str(error)) from error
        if response.status_code == 404:
            return False
        if response.status_code >= 500:
            raise UsersUnavailable(f"{self._service} answered {response.status_code}")
        response.raise_for_status()
        return True
