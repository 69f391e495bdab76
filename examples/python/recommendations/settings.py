"""The service's configuration: environment variables, then a `.env` file in the working directory."""

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0}


def _seconds(value: object) -> object:
    """Durations as the rest of Flotilla writes them (`300ms`, `2s`, `1m`), held in seconds."""
    if isinstance(value, str):
        match = _DURATION.match(value.strip())
        if not match:
            raise ValueError("must be a duration such as 300ms, 2s or 1m")
        return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    return value


def _kafka_brokers(value: str) -> str:
    if not value.startswith("kafka://") or not value.removeprefix("kafka://").strip("/"):
        raise ValueError("must be kafka://host:port[,host:port…]")
    return value


def _postgres(value: str) -> str:
    if urlsplit(value).scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise ValueError("must be a postgres:// URL")
    return value


Seconds = Annotated[float, BeforeValidator(_seconds), Field(gt=0)]
Identifier = Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]{0,62}$")]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    service_name: str = "recommendations"
    host: str = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)
    advertise_address: str | None = None
    log_level: str = Field(default="info", pattern=r"^(debug|info|warn)$")
    http_framework: Literal["flask", "fastapi"] = "flask"

    registry_url: Annotated[str, Field(pattern=r"^https?://")] = "http://127.0.0.1:8500"
    registry_check_interval: Seconds = 2.0
    registry_check_timeout: Seconds = 1.0
    registry_deregister_after: Seconds = 60.0

    database_url: Annotated[str, AfterValidator(_postgres)]
    database_schema: Identifier = "recommendations"
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_pool_timeout: Seconds = 5.0

    events_url: Annotated[str, AfterValidator(_kafka_brokers)] = "kafka://127.0.0.1:9092"
    events_topic: str = "flotilla.orders"
    events_group: str = "flotilla.recommendations"
    events_batch: int = Field(default=100, ge=1, le=10_000)

    users_service: str = "users"
    users_timeout: Seconds = 2.0
    breaker_fail_max: int = Field(default=3, ge=1)
    breaker_reset_timeout: Seconds = 10.0

    otel_exporter_otlp_endpoint: str | None = None
    otel_sdk_disabled: bool = False

    shutdown_timeout: Seconds = 10.0

    @property
    def kafka_brokers(self) -> list[str]:
        return self.events_url.removeprefix("kafka://").strip("/").split(",")

    @property
    def sqlalchemy_url(self) -> str:
        """SQLAlchemy picks its driver from the scheme: psycopg 3 rather than the psycopg2 default."""
        return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql+psycopg://", self.database_url)
