use crate::log::log;
use crate::store::{self, OrderPlaced};
use crate::telemetry;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Headers, Message};
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;
use std::collections::HashMap;
use std::time::Duration;

/// A CloudEvent read from a record: binary mode (`ce_*` headers, data as the value), as Flotilla
/// publishes, or structured mode (the whole event as JSON in the value).
struct IncomingEvent {
    id: String,
    kind: String,
    data: serde_json::Value,
    /// `traceparent`/`tracestate`, to continue the publisher's trace.
    trace_headers: HashMap<String, String>,
}

#[derive(Deserialize)]
struct StructuredEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: serde_json::Value,
    traceparent: Option<String>,
    tracestate: Option<String>,
}

fn read_event(message: &BorrowedMessage<'_>) -> Result<IncomingEvent, String> {
    let mut headers = HashMap::new();
    if let Some(record_headers) = message.headers() {
        for header in record_headers.iter() {
            if let Some(value) = header
                .value
                .and_then(|value| std::str::from_utf8(value).ok())
            {
                headers.insert(header.key.to_string(), value.to_string());
            }
        }
    }
    let value = message.payload().unwrap_or_default();
    if headers.contains_key("ce_specversion") {
        let mut trace_headers = HashMap::new();
        for name in ["traceparent", "tracestate"] {
            if let Some(value) = headers
                .get(&format!("ce_{name}"))
                .or_else(|| headers.get(name))
            {
                trace_headers.insert(name.to_string(), value.clone());
            }
        }
        let data =
            serde_json::from_slice(value).map_err(|error| format!("data is not JSON: {error}"))?;
        return Ok(IncomingEvent {
            id: headers.remove("ce_id").ok_or("no ce_id header")?,
            kind: headers.remove("ce_type").ok_or("no ce_type header")?,
            data,
            trace_headers,
        });
    }
    let event: StructuredEvent =
        serde_json::from_slice(value).map_err(|error| format!("not a CloudEvent: {error}"))?;
    let trace_headers = [
        ("traceparent", event.traceparent),
        ("tracestate", event.tracestate),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name.to_string(), value?)))
    .collect();
    Ok(IncomingEvent {
        id: event.id,
        kind: event.kind,
        data: event.data,
        trace_headers,
    })
}

/// A consumer in the group `group` of the publisher's topic, committing by hand: nothing is
/// committed automatically, and a record's offset only after the database transaction holding its
/// effect has committed. A crash in between redelivers the record, and its event id makes the
/// second delivery a no-op: at least once in, exactly once in effect.
pub fn connect(brokers: &str, group: &str, topic: &str) -> Result<StreamConsumer, String> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        // The publisher creates its topic on first use: look for it again soon, not in 5 minutes.
        .set("topic.metadata.refresh.interval.ms", "2000")
        // A killed member's partitions go to its successor after this long (the broker's minimum).
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "2000")
        .create()
        .map_err(|error| error.to_string())?;
    consumer
        .subscribe(&[topic])
        .map_err(|error| error.to_string())?;
    Ok(consumer)
}

pub async fn run(consumer: StreamConsumer, pool: PgPool) {
    loop {
        let message = match consumer.recv().await {
            Ok(message) => message,
            Err(error) => {
                // The topic not existing yet, a broker restarting: librdkafka keeps trying.
                log(
                    "warn",
                    "kafka consumer error",
                    json!({ "error": error.to_string() }),
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        match read_event(&message) {
            Ok(event) if event.kind == "order.placed" => store_until_done(&pool, &event).await,
            Ok(_) => {}
            Err(error) => log(
                "error",
                "unreadable record skipped",
                json!({ "error": error, "partition": message.partition(), "offset": message.offset() }),
            ),
        }
        // Only now, with the event stored (or not ours), is the record acknowledged.
        if let Err(error) = consumer.commit_message(&message, CommitMode::Sync) {
            // Uncommitted records come again after a restart or rebalance; the event id dedupes them.
            log(
                "warn",
                "offset commit failed",
                json!({ "error": error.to_string() }),
            );
        }
    }
}

/// Stores the event, retrying while the database is unavailable: its offset is not committed
/// until this returns, so a record is never passed over.
async fn store_until_done(pool: &PgPool, event: &IncomingEvent) {
    let context = telemetry::continue_trace(
        "order.placed process".into(),
        SpanKind::Consumer,
        &event.trace_headers,
    );
    let order: OrderPlaced = match serde_json::from_value(event.data.clone()) {
        Ok(order) => order,
        Err(error) => {
            log(
                "error",
                "order.placed with unexpected data skipped",
                json!({ "id": event.id, "error": error.to_string() }),
            );
            context.span().set_status(Status::error(error.to_string()));
            telemetry::end(&context);
            return;
        }
    };
    let mut wait = Duration::from_millis(100);
    loop {
        match store::record_order(pool, &event.id, &order).await {
            Ok(fresh) => {
                let msg = if fresh {
                    "order stored"
                } else {
                    "duplicate order event ignored"
                };
                log(
                    "info",
                    msg,
                    json!({ "eventId": event.id, "orderId": order.order_id }),
                );
                break;
            }
            Err(error) => {
                log(
                    "warn",
                    "storing order event failed, retrying",
                    json!({ "error": error.to_string() }),
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
        }
    }
    telemetry::end(&context);
}
