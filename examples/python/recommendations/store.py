"""The service's own PostgreSQL schema through a SQLAlchemy connection pool."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import Connection

SCHEMA_STATEMENTS = [
    # One row per event taken in: a redelivered event finds its id here and changes nothing.
    """CREATE TABLE IF NOT EXISTS consumed_events (
         event_id text PRIMARY KEY,
         type text NOT NULL,
         consumed_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE IF NOT EXISTS purchases (
         order_id text NOT NULL,
         user_id text NOT NULL,
         sku text NOT NULL,
         quantity integer NOT NULL,
         PRIMARY KEY (order_id, sku))""",
    "CREATE INDEX IF NOT EXISTS purchases_by_user ON purchases (user_id)",
    "CREATE INDEX IF NOT EXISTS purchases_by_sku ON purchases (sku)",
    # Records that are no valid order.placed event: kept for an operator, never retried.
    """CREATE TABLE IF NOT EXISTS dead_letters (
         id bigserial PRIMARY KEY,
         topic text NOT NULL,
         partition integer NOT NULL,
         record_offset bigint NOT NULL,
         reason text NOT NULL,
         headers jsonb NOT NULL,
         value text,
         received_at timestamptz NOT NULL DEFAULT now())""",
]

# Products in the orders that hold something the user bought, ranked by how many such orders hold
# them; what the user bought already is left out.
RECOMMENDATIONS = text(
    """
    WITH bought AS (SELECT DISTINCT sku FROM purchases WHERE user_id = :user_id)
    SELECT other.sku, count(DISTINCT other.order_id) AS together
    FROM purchases mine
    JOIN purchases other ON other.order_id = mine.order_id AND other.sku <> mine.sku
    WHERE mine.sku IN (SELECT sku FROM bought) AND other.sku NOT IN (SELECT sku FROM bought)
    GROUP BY other.sku
    ORDER BY together DESC, other.sku
    LIMIT :limit
    """
)


@dataclass(frozen=True)
class Purchase:
    order_id: str
    user_id: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    reason: str
    headers: dict[str, str]
    value: str | None


def open_engine(url: str, schema: str, pool_size: int, pool_timeout: float, application: str) -> Engine:
    """A pool whose every connection works in `schema`, created here with the tables if missing."""
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
        connect_args={"options": f"-c search_path={schema}", "connect_timeout": 5, "application_name": application},
    )
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        for statement in SCHEMA_STATEMENTS:
            connection.execute(text(statement))
    return engine


def ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def store_event(connection: Connection, event_id: str, event_type: str, purchases: Iterable[Purchase]) -> bool:
    """Records the event's purchases once; False when its id was taken in before (a redelivery)."""
    first = connection.execute(
        text(
            "INSERT INTO consumed_events (event_id, type) VALUES (:id, :type)"
            " ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
        ),
        {"id": event_id, "type": event_type},
    ).first()
    if first is None:
        return False
    rows = [vars(purchase) for purchase in purchases]
    if rows:
        # An order may list a product twice: one row per product, quantities summed.
        connection.execute(
            text(
                "INSERT INTO purchases (order_id, user_id, sku, quantity)"
                " VALUES (:order_id, :user_id, :sku, :quantity)"
                " ON CONFLICT (order_id, sku) DO UPDATE SET quantity = purchases.quantity + EXCLUDED.quantity"
            ),
            rows,
        )
    return True


def store_dead_letter(connection: Connection, letter: DeadLetter) -> None:
    connection.execute(
        text(
            "INSERT INTO dead_letters (topic, partition, record_offset, reason, headers, value)"
            " VALUES (:topic, :partition, :offset, :reason, CAST(:headers AS jsonb), :value)"
        ),
        {**vars(letter), "headers": json.dumps(letter.headers)},
    )


def recommendations_for(engine: Engine, user_id: str, limit: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(RECOMMENDATIONS, {"user_id": user_id, "limit": limit})
        return [{"sku": row.sku, "boughtTogether": row.together} for row in rows]
