"""Takes in orders' `order.placed` CloudEvents from Kafka: stored first, offsets committed after.

Flotilla writes the CloudEvents Kafka binding in binary mode (`ce_*` headers, the data as the
value); structured records (the whole event as the value) are read too. A batch is stored in one
transaction, deduplicated by event id, and only then are its offsets committed: a crash in between
means the batch is read again and the ids already stored change nothing.
"""

import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from sqlalchemy import Engine

from .store import DeadLetter, Purchase, store_dead_letter, store_event

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)

ORDER_PLACED = "order.placed"


class InvalidEvent(ValueError):
    """A record that is no valid order.placed CloudEvent: dead-lettered, never retried."""


@dataclass(frozen=True)
class OrderPlaced:
    event_id: str
    traceparent: str | None
    purchases: list[Purchase]


def _headers(record: ConsumerRecord) -> dict[str, str]:
    return {name: value.decode("utf-8", "replace") for name, value in record.headers or [] if value is not None}


def _attributes(record: ConsumerRecord, headers: dict[str, str]) -> tuple[dict[str, Any], Any]:
    """The event's attributes and its data, from either content mode of the binding."""
    try:
        value = json.loads(record.value) if record.value is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidEvent("value is not JSON") from error
    if "ce_specversion" in headers:
        attributes = {name.removeprefix("ce_"): text for name, text in headers.items() if name.startswith("ce_")}
        return attributes, value
    if not isinstance(value, dict) or "specversion" not in value:
        raise InvalidEvent("neither ce_* headers nor a structured CloudEvent")
    return value, value.get("data")


def parse_order_placed(attributes: dict[str, Any], data: Any) -> OrderPlaced:
    event_id = attributes.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise InvalidEvent("event has no id")
    if not isinstance(data, dict):
        raise InvalidEvent("data is not an object")
    order_id, user_id, items = data.get("orderId"), data.get("userId"), data.get("items")
    if not isinstance(order_id, str) or not isinstance(user_id, str) or not isinstance(items, list):
        raise InvalidEvent("data lacks orderId, userId or items")
    purchases = []
    for item in items:
        sku = item.get("sku") if isinstance(item, dict) else None
        quantity = item.get("quantity") if isinstance(item, dict) else None
        if not isinstance(sku, str) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidEvent("an item lacks a sku or a positive quantity")
        purchases.append(Purchase(order_id, user_id, sku, quantity))
    traceparent = attributes.get("traceparent")
    return OrderPlaced(event_id, traceparent if isinstance(traceparent, str) else None, purchases)


class OrderConsumer:
    def __init__(self, engine: Engine, brokers: list[str], topic: str, group: str, batch: int, client_id: str) -> None:
        self._engine = engine
        self._consumer = KafkaConsumer(
            topic,
            bootstrap_servers=brokers,
            group_id=group,
            client_id=client_id,
            enable_auto_commit=False,
            # A new group reads what the topic kept from before it existed, as Flotilla's own groups do.
            auto_offset_reset="earliest",
            max_poll_records=batch,
            # The topic may be created after this consumer starts (by orders' first publish).
            metadata_max_age_ms=2000,
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="order-consumer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float) -> None:
        """Finishes the batch in hand, then leaves the group so its partitions move on at once."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        delay = 0.2
        try:
            while not self._stop.is_set():
                batches = self._consumer.poll(timeout_ms=500)
                if not batches:
                    continue
                try:
                    self._handle(batches)
                    delay = 0.2
                except Exception as error:
                    # Nothing committed: read the batch again once the database answers.
                    log.error("storing events failed, retrying", extra={"err": str(error)})
                    for partition, records in batches.items():
                        # A partition revoked meanwhile is read again by its new owner from the commit.
                        if partition in self._consumer.assignment():
                            self._consumer.seek(partition, records[0].offset)
                    self._stop.wait(delay)
                    delay = min(delay * 2, 5.0)
        finally:
            self._consumer.close()

    def _handle(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        spans = []
        stored = duplicates = 0
        try:
            with self._engine.begin() as connection:
                for records in batches.values():
                    for record in records:
                        headers = _headers(record)
                        try:
                            attributes, data = _attributes(record, headers)
                            if attributes.get("type") != ORDER_PLACED:
                                continue
                            event = parse_order_placed(attributes, data)
                        except InvalidEvent as invalid:
                            store_dead_letter(
                                connection,
                                DeadLetter(
                                    record.topic,
                                    record.partition,
                                    record.offset,
                                    str(invalid),
                                    headers,
                                    record.value.decode("utf-8", "replace") if record.value else None,
                                ),
                            )
                            log.warning("dead-lettered a record", extra={"err": str(invalid)})
                            continue
                        # The consumer span continues the trace of the request that placed the order.
                        parent = propagate.extract({"traceparent": event.traceparent or headers.get("traceparent", "")})
                        spans.append(
                            tracer.start_span(
                                f"{ORDER_PLACED} process",
                                context=parent,
                                kind=SpanKind.CONSUMER,
                                attributes={
                                    "messaging.system": "kafka",
                                    "messaging.operation.type": "process",
                                    "messaging.destination.name": record.topic,
                                    "messaging.message.id": event.event_id,
                                    "messaging.kafka.offset": record.offset,
                                },
                            )
                        )
                        if store_event(connection, event.event_id, ORDER_PLACED, event.purchases):
                            stored += 1
                        else:
                            duplicates += 1
            # Committed only now that the transaction holding the batch is.
            self._consumer.commit(
                {
                    partition: OffsetAndMetadata(records[-1].offset + 1, None, -1)
                    for partition, records in batches.items()
                }
            )
        finally:
            for span in spans:
                span.end()
        if stored or duplicates:
            log.info("events stored", extra={"stored": stored, "duplicates": duplicates})
