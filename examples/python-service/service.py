"""A Python service that joins a Flotilla system through its wire contracts only.

It registers in the registry through the Consul HTTP API with an HTTP health check, serves a route
the gateway finds through its registration metadata, and consumes `order.placed` CloudEvents from
RabbitMQ with manual acknowledgements. Debian packages: python3-flask, python3-pika.
"""

import json
import os
import signal
import socket
import sys
import threading
import urllib.request
import uuid

import pika
from flask import Flask, jsonify

NAME = os.environ.get("SERVICE_NAME", "python-example")
REGISTRY_URL = os.environ.get("REGISTRY_URL", "http://127.0.0.1:8500").rstrip("/")
EVENTS_URL = os.environ.get("EVENTS_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
EXCHANGE = os.environ.get("EVENTS_EXCHANGE", "flotilla.events")
HOST = os.environ.get("HOST", "127.0.0.1")
ADVERTISE = os.environ.get("ADVERTISE_ADDRESS", HOST)
INSTANCE_ID = f"{NAME}-{uuid.uuid4().hex[:12]}"

app = Flask(NAME)
received = []
received_lock = threading.Lock()
ready = threading.Event()


def problem(status, code, title, detail):
    """Errors follow RFC 9457, like every Flotilla service."""
    body = {"type": f"urn:flotilla:problem:{code.lower().replace('_', '-')}", "title": title,
            "status": status, "code": code, "retryable": status >= 500, "detail": detail}
    return app.response_class(json.dumps(body), status=status, mimetype="application/problem+json")


@app.get(f"/{NAME}/hello")
def hello():
    return jsonify({"service": NAME, "language": "python", "instance": INSTANCE_ID})


@app.get(f"/{NAME}/received")
def list_received():
    with received_lock:
        return jsonify(list(received))


@app.get("/health/live")
def live():
    return jsonify({"status": "pass"})


@app.get("/health/ready")
def health_ready():
    if not ready.is_set():
        return problem(503, "NOT_READY", "Not ready", "consumer not connected")
    return jsonify({"status": "pass"})


@app.errorhandler(404)
def not_found(_error):
    return problem(404, "ROUTE_NOT_FOUND", "No such route", "no such route")


def consul(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{REGISTRY_URL}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


def register(port):
    consul("PUT", "/v1/agent/service/register", {
        "ID": INSTANCE_ID, "Name": NAME, "Address": ADVERTISE, "Port": port, "Tags": ["python"],
        "Meta": {"version": "1.0.0", "route-prefix": f"/api/{NAME}"},
        "Check": {"HTTP": f"http://{ADVERTISE}:{port}/health/ready", "Interval": "1s",
                  "Timeout": "1s", "DeregisterCriticalServiceAfter": "1m"},
    })


def consume():
    """Manual acks: an event is acknowledged only after it has been recorded."""
    parameters = pika.URLParameters(EVENTS_URL)
    while True:
        try:
            connection = pika.BlockingConnection(parameters)
            channel = connection.channel()
            queue = f"{EXCHANGE}.{NAME}"
            channel.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
            channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
            channel.queue_bind(queue, EXCHANGE, routing_key="orders.order.placed")
            channel.basic_qos(prefetch_count=10)

            def on_message(ch, method, properties, body):
                try:
                    event = json.loads(body)
                    if event.get("specversion") != "1.0" or "id" not in event:
                        raise ValueError("not a CloudEvent")
                except ValueError:
                    ch.basic_nack(method.delivery_tag, requeue=False)
                    return
                with received_lock:
                    if all(seen["id"] != event["id"] for seen in received):
                        received.append({"id": event["id"], "type": event["type"],
                                         "traceparent": event.get("traceparent"),
                                         "data": event.get("data")})
                ch.basic_ack(method.delivery_tag)

            channel.basic_consume(queue, on_message)
            ready.set()
            channel.start_consuming()
        except pika.exceptions.AMQPError as error:
            ready.clear()
            print(f"{NAME}: broker connection lost ({error}); reconnecting", file=sys.stderr)
            threading.Event().wait(1)


def main():
    port = int(os.environ.get("PORT", "0"))
    if port == 0:
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            port = probe.getsockname()[1]
    threading.Thread(target=consume, daemon=True).start()
    ready.wait(timeout=30)
    register(port)

    def stop(_signum, _frame):
        try:
            consul("PUT", f"/v1/agent/service/deregister/{INSTANCE_ID}")
        finally:
            os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(json.dumps({"msg": f"{NAME} listening", "url": f"http://{HOST}:{port}"}, separators=(",", ":")), flush=True)
    app.run(host=HOST, port=port)


if __name__ == "__main__":
    main()
