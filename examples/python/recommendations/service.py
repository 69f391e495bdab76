"""Start-up and shutdown: the only code that reads the environment, through Settings."""

import json
import logging
import signal
import sys
import threading
import uuid

from pydantic import ValidationError

from . import VERSION
from .http_server import start_http_server
from .lifecycle import Lifecycle
from .order_consumer import OrderConsumer
from .registration import Registry
from .settings import Settings
from .store import open_engine
from .telemetry import setup_logging, setup_tracing
from .users_client import UsersClient

log = logging.getLogger("recommendations")

EXIT_CONFIG = 78


def _settings() -> Settings:
    """Every invalid or missing variable at once, then exit 78, as Flotilla's processes do."""
    try:
        return Settings()  # type: ignore[call-arg]  # required fields come from the environment
    except ValidationError as error:
        problems = [f"{'.'.join(map(str, entry['loc'])).upper()}: {entry['msg']}" for entry in error.errors()]
        print(json.dumps({"level": "error", "msg": "invalid configuration", "errors": problems}), flush=True)
        sys.exit(EXIT_CONFIG)


def run() -> None:
    settings = _settings()
    setup_logging(settings.service_name, settings.log_level)
    try:
        _serve(settings)
    except Exception as error:
        log.exception("start failed", extra={"err": str(error)})
        sys.exit(1)


def _serve(settings: Settings) -> None:
    instance_id = f"{settings.service_name}-{uuid.uuid4().hex[:8]}"
    provider = setup_tracing(
        settings.service_name,
        VERSION,
        instance_id,
        settings.otel_exporter_otlp_endpoint,
        settings.otel_sdk_disabled,
        settings.registry_url,
    )
    engine = open_engine(
        settings.sqlalchemy_url,
        settings.database_schema,
        settings.db_pool_size,
        settings.db_pool_timeout,
        settings.service_name,
    )
    registry = Registry(settings.registry_url)
    users = UsersClient(
        registry,
        settings.users_service,
        settings.users_timeout,
        settings.breaker_fail_max,
        settings.breaker_reset_timeout,
    )
    consumer = OrderConsumer(
        engine,
        settings.kafka_brokers,
        settings.events_topic,
        settings.events_group,
        settings.events_batch,
        instance_id,
    )
    lifecycle = Lifecycle()
    server = start_http_server(
        settings.http_framework,
        settings.service_name,
        settings.host,
        settings.port,
        engine,
        users,
        lifecycle,
        consumer.alive,
    )
    address = settings.advertise_address or ("127.0.0.1" if settings.host == "0.0.0.0" else settings.host)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    consumer.start()
    log.info("listening", extra={"url": f"http://{address}:{server.port}", "framework": settings.http_framework})
    registry.register(
        instance_id,
        settings.service_name,
        address,
        server.port,
        VERSION,
        settings.registry_check_interval,
        settings.registry_check_timeout,
        settings.registry_deregister_after,
    )
    log.info("registered", extra={"instance": instance_id})

    stop.wait()
    _shut_down(settings, lifecycle, registry, instance_id, consumer, server, provider, engine)


def _shut_down(settings, lifecycle, registry, instance_id, consumer, server, provider, engine) -> None:
    """Readiness fails → deregister → stop the consumer → drain requests → flush spans → close the pool."""
    log.info("shutting down")
    lifecycle.shutting_down.set()
    try:
        registry.deregister(instance_id)
        log.info("deregistered", extra={"instance": instance_id})
    except Exception as error:
        log.warning("deregistration failed", extra={"err": str(error)})
    consumer.stop(settings.shutdown_timeout)
    if not lifecycle.drain(settings.shutdown_timeout):
        log.warning("requests still in flight at the shutdown timeout")
    server.close()
    provider.shutdown()
    engine.dispose()
    log.info("stopped")
    sys.exit(0)
