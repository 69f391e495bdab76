use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{SpanKind, TraceContextExt, Tracer};
use opentelemetry::{global, Context};
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use std::collections::HashMap;

/// Exports spans over OTLP/HTTP (protobuf) to `<endpoint>/v1/traces`, as every Flotilla service
/// does; without an endpoint spans are still created (so trace ids reach logs and problems) and
/// dropped. Built before the async runtime starts: the exporter's blocking HTTP client runs its
/// own runtime, which may not be created or dropped inside another.
pub fn start(
    service_name: &str,
    endpoint: Option<&str>,
) -> Result<Option<SdkTracerProvider>, String> {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let Some(endpoint) = endpoint.filter(|endpoint| !endpoint.is_empty()) else {
        return Ok(None);
    };
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .build()
        .map_err(|error| error.to_string())?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(service_name.to_string())
                .build(),
        )
        .build();
    global::set_tracer_provider(provider.clone());
    Ok(Some(provider))
}

/// Starts a span of `kind` as a child of the W3C `traceparent`/`tracestate` in `carrier` (a new
/// trace when there is none), and returns the context that holds it.
pub fn continue_trace(name: String, kind: SpanKind, carrier: &dyn Extractor) -> Context {
    let parent = TraceContextPropagator::new().extract(carrier);
    let tracer = global::tracer("pricing");
    let span = tracer
        .span_builder(name)
        .with_kind(kind)
        .start_with_context(&tracer, &parent);
    parent.with_span(span)
}

/// A child span of `parent` and the headers that carry it to the callee.
pub fn outgoing(name: String, parent: &Context) -> (Context, HashMap<String, String>) {
    let tracer = global::tracer("pricing");
    let span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Client)
        .start_with_context(&tracer, parent);
    let context = parent.with_span(span);
    let mut headers = HashMap::new();
    TraceContextPropagator::new().inject_context(&context, &mut headers);
    (context, headers)
}

/// The 32-hex trace id of the context's span, for problem answers and logs.
pub fn trace_id(context: &Context) -> Option<String> {
    let span = context.span();
    let span_context = span.span_context();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// Ends the context's span.
pub fn end(context: &Context) {
    context.span().end();
}
