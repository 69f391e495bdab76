"""Reads Flotilla's order.placed events from Kafka with kafka-python and no Flotilla code.

Flotilla writes the CloudEvents Kafka binding in binary mode: the event's attributes are `ce_*`
headers and the record's value is the event's JSON data. Offsets are committed by hand, after
the event was processed, so a crash before the commit means the event is read again, never lost.

    KAFKA_BOOTSTRAP=127.0.0.1:9092 KAFKA_TOPIC=flotilla.orders KAFKA_GROUP=order-printer \\
      python3 examples/python-kafka-consumer/consumer.py

Each order.placed event is printed as one JSON line, then committed; `committed` lines follow.
"""

import json
import os
import signal
import sys

from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition


def main() -> None:
    consumer = KafkaConsumer(
        os.environ.get("KAFKA_TOPIC", "flotilla.orders"),
        bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092").split(","),
        group_id=os.environ.get("KAFKA_GROUP", "python-order-printer"),
        enable_auto_commit=False,
        # A new group reads what the topic kept from before it existed, as Flotilla's own groups do.
        auto_offset_reset="earliest",
    )

    def leave(*_: object) -> None:
        # Leaves the group at once, so its partitions need not wait out the session timeout.
        consumer.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, leave)
    print(json.dumps({"ready": True}), flush=True)
    for record in consumer:
        headers = {name: value.decode("utf-8") for name, value in record.headers}
        if headers.get("ce_type") == "order.placed":
            print(
                json.dumps(
                    {
                        "type": headers["ce_type"],
                        "id": headers.get("ce_id"),
                        "source": headers.get("ce_source"),
                        "subject": headers.get("ce_subject"),
                        "contentType": headers.get("content-type"),
                        "data": json.loads(record.value),
                        "partition": record.partition,
                        "offset": record.offset,
                    }
                ),
                flush=True,
            )
        # Committed after processing, one record at a time: the next offset to read.
        partition = TopicPartition(record.topic, record.partition)
        consumer.commit({partition: OffsetAndMetadata(record.offset + 1, None, -1)})
        print(
            json.dumps({"committed": {"partition": record.partition, "offset": record.offset + 1}}),
            flush=True,
        )


if __name__ == "__main__":
    main()
