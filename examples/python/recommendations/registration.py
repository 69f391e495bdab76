"""Registration and discovery through the Consul HTTP API on REGISTRY_URL (the control plane or Consul)."""

import logging
import random
import time
from urllib.parse import urlsplit

import consul
import requests

log = logging.getLogger(__name__)


def _duration(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms"


class Registry:
    def __init__(self, registry_url: str) -> None:
        parts = urlsplit(registry_url)
        self._consul = consul.Consul(
            host=parts.hostname, port=parts.port or (443 if parts.scheme == "https" else 80), scheme=parts.scheme
        )

    def register(
        self,
        instance_id: str,
        name: str,
        address: str,
        port: int,
        version: str,
        check_interval: float,
        check_timeout: float,
        deregister_after: float,
        give_up_after: float = 30.0,
    ) -> None:
        """Registers this instance with its readiness check; retried while the registry is not up yet."""
        check = consul.Check.http(
            f"http://{address}:{port}/health/ready",
            interval=_duration(check_interval),
            timeout=_duration(check_timeout),
            deregister=_duration(deregister_after),
        )
        deadline = time.monotonic() + give_up_after
        delay = 0.1
        while True:
            try:
                self._consul.agent.service.register(
                    name,
                    service_id=instance_id,
                    address=address,
                    port=port,
                    tags=["python"],
                    # The gateway routes /api/<name>/* here from this entry.
                    meta={"version": version, "route-prefix": f"/api/{name}"},
                    check=check,
                )
                return
            except requests.ConnectionError as error:
                # Only an unreachable registry is worth waiting for; a refused registration is fatal.
                if time.monotonic() > deadline:
                    raise
                log.warning("registry not reachable yet, retrying", extra={"err": str(error)})
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def deregister(self, instance_id: str) -> None:
        self._consul.agent.service.deregister(instance_id)

    def pick_passing(self, name: str) -> str | None:
        """The base URL of one instance of `name` whose checks pass, at random; None if there is none."""
        _, entries = self._consul.health.service(name, passing=True)
        if not entries:
            return None
        service = random.choice(entries)["Service"]
        return f"http://{service['Address']}:{service['Port']}"
