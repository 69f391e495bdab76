"""OpenTelemetry: spans exported over OTLP/HTTP; W3C traceparent continued in and sent out."""

import json
import logging
import sys

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING}
_RECORD_FIELDS = set(vars(logging.makeLogRecord({})))


class JsonLines(logging.Formatter):
    """One JSON object per line, as Flotilla's own processes log, with the active trace id."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "level": record.levelname.lower(),
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "service": self._service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update({key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS})
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            line["traceId"] = format(context.trace_id, "032x")
        if record.exc_info:
            line["stack"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, separators=(",", ":"))


def setup_logging(service: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLines(service))
    logging.basicConfig(level=LEVELS[level], handlers=[handler], force=True)
    # The Kafka client and the HTTP servers are chatty at info.
    for name in ("kafka", "waitress", "uvicorn"):
        logging.getLogger(name).setLevel(logging.WARNING)


def setup_tracing(
    service: str, version: str, instance_id: str, endpoint: str | None, disabled: bool, registry_url: str
) -> TracerProvider:
    """The provider every span goes through; with no endpoint spans are made but not exported."""
    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": service, "service.version": version, "service.instance.id": instance_id}
        )
    )
    if endpoint and not disabled:
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")))
    trace.set_tracer_provider(provider)
    # Registration traffic is no request's work; discovery during a request is, and stays traced.
    RequestsInstrumentor().instrument(excluded_urls=f"{registry_url.rstrip('/')}/v1/agent/.*")
    return provider


# Health probes every second would crowd the trace store; the gateway's requests are what count.
UNTRACED_PATHS = "health/.*"


def instrument_flask(app: object) -> None:
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    FlaskInstrumentor().instrument_app(app, excluded_urls=UNTRACED_PATHS)


def instrument_fastapi(app: object) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED_PATHS)
