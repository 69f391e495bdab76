use crate::problem::Problem;
use crate::store;
use crate::telemetry;
use crate::users_client::UsersClient;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::JsonPayloadError;
use actix_web::http::header::HeaderMap;
use actix_web::{web, App, HttpMessage, HttpRequest, HttpResponse};
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct AppState {
    pub pool: PgPool,
    pub users: UsersClient,
    pub popular_after: i64,
    pub popular_discount_percent: i64,
    pub loyalty_discount_percent: i64,
    /// Set on SIGTERM: readiness fails while the instance deregisters and drains.
    pub shutting_down: AtomicBool,
}

#[derive(Deserialize)]
struct PriceQuery {
    #[serde(rename = "userId")]
    user_id: Option<String>,
}

/// The service's HTTP face: its routes, problem+json for every error (extractors' included), and
/// a server span per request that continues the caller's `traceparent`.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .app_data(
            web::JsonConfig::default()
                .limit(64 * 1024)
                .error_handler(|error, _| json_problem(&error).into()),
        )
        .app_data(
            web::QueryConfig::default().error_handler(|error, _| {
                Problem::invalid("/querystring", error.to_string()).into()
            }),
        )
        .app_data(
            web::PathConfig::default()
                .error_handler(|error, _| Problem::invalid("/params", error.to_string()).into()),
        )
        .route(
            "/health/live",
            web::get().to(|| async { HttpResponse::Ok().json(json!({ "status": "ok" })) }),
        )
        .route("/health/ready", web::get().to(ready))
        .route("/pricing/{sku}", web::get().to(price))
        .route("/pricing/{sku}", web::put().to(set_price))
        .default_service(web::to(|request: HttpRequest| async move {
            Err::<HttpResponse, _>(Problem::new("ROUTE_NOT_FOUND").detail(format!(
                "{} {} is not a route",
                request.method(),
                request.path()
            )))
        }))
        .wrap_fn(|request, service| {
            // Probes are polled every few seconds and would crowd real traces out of the store.
            let context = (!request.path().starts_with("/health/")).then(|| {
                // Route templates as the Flotilla services name them: `/pricing/:sku`.
                let route = request
                    .match_pattern()
                    .map(|pattern| pattern.replace('{', ":").replace('}', ""))
                    .unwrap_or_else(|| request.path().to_string());
                let name = format!("{} {route}", request.method());
                let context = telemetry::continue_trace(
                    name,
                    SpanKind::Server,
                    &HeaderExtractor(request.headers()),
                );
                let span = context.span();
                span.set_attribute(KeyValue::new(
                    "http.request.method",
                    request.method().to_string(),
                ));
                span.set_attribute(KeyValue::new("http.route", route));
                span.set_attribute(KeyValue::new("url.path", request.path().to_string()));
                request.extensions_mut().insert(context.clone());
                context
            });
            let answer = service.call(request);
            async move {
                let answer = answer.await;
                if let Some(context) = context {
                    if let Ok(response) = &answer {
                        let status = response.status();
                        context.span().set_attribute(KeyValue::new(
                            "http.response.status_code",
                            i64::from(status.as_u16()),
                        ));
                        if status.is_server_error() {
                            context.span().set_status(Status::error(status.to_string()));
                        }
                    }
                    telemetry::end(&context);
                }
                answer
            }
        })
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}

fn json_problem(error: &JsonPayloadError) -> Problem {
    match error {
        JsonPayloadError::ContentType => {
            Problem::new("UNSUPPORTED_MEDIA_TYPE").detail("the body must be application/json")
        }
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            Problem::new("PAYLOAD_TOO_LARGE")
        }
        _ => Problem::new("MALFORMED_JSON").detail(error.to_string()),
    }
}

fn request_context(request: &HttpRequest) -> Context {
    request
        .extensions()
        .get::<Context>()
        .cloned()
        .unwrap_or_default()
}

/// Product codes and user ids as the reference system writes them: letters, digits, `.`, `_`, `-`.
fn valid_key(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

const KEY_RULE: &str = "must be 1 to 64 letters, digits, '.', '_' or '-'";

async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    if state.shutting_down.load(Ordering::Relaxed) {
        return Err(Problem::new("NOT_READY").detail("shutting down"));
    }
    match store::ping(&state.pool).await {
        true => {
            Ok(HttpResponse::Ok().json(json!({ "status": "ok", "checks": { "database": "ok" } })))
        }
        false => Err(Problem::new("NOT_READY")),
    }
}

/// `GET /pricing/:sku?userId=`: the list price less a popularity discount once enough units have
/// sold, and a loyalty discount for a registered user (asked of users, through the breaker).
async fn price(
    request: HttpRequest,
    state: web::Data<AppState>,
    sku: web::Path<String>,
    query: web::Query<PriceQuery>,
) -> Result<HttpResponse, Problem> {
    let context = request_context(&request);
    let trace_id = telemetry::trace_id(&context);
    if !valid_key(&sku) {
        return Err(Problem::invalid("/params/sku", KEY_RULE));
    }
    if let Some(user_id) = query
        .user_id
        .as_deref()
        .filter(|user_id| !valid_key(user_id))
    {
        return Err(Problem::invalid(
            "/querystring/userId",
            format!("{user_id:?} {KEY_RULE}"),
        ));
    }
    let product = store::product(&state.pool, &sku)
        .await
        .map_err(|_| Problem::internal().trace_id(trace_id.clone()))?
        .ok_or_else(|| Problem::new("NOT_FOUND").detail(format!("no price for {sku}")))?;
    let mut discounts = Vec::new();
    if product.sold >= state.popular_after {
        discounts.push(json!({ "reason": "popular", "percent": state.popular_discount_percent }));
    }
    if let Some(user_id) = &query.user_id {
        if state.users.is_member(user_id, &context).await? {
            discounts
                .push(json!({ "reason": "loyalty", "percent": state.loyalty_discount_percent }));
        }
    }
    let percent: i64 = discounts
        .iter()
        .filter_map(|discount| discount["percent"].as_i64())
        .sum();
    let price = product.base_price * (100 - percent.min(100)) / 100;
    Ok(HttpResponse::Ok().json(json!({
        "sku": sku.as_str(),
        "basePrice": product.base_price,
        "sold": product.sold,
        "discounts": discounts,
        "price": price,
        "userId": query.user_id,
    })))
}

/// `PUT /pricing/:sku` `{ "basePrice": <cents> }`: sets the list price.
async fn set_price(
    request: HttpRequest,
    state: web::Data<AppState>,
    sku: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    if !valid_key(&sku) {
        return Err(Problem::invalid("/params/sku", KEY_RULE));
    }
    let base_price = body
        .get("basePrice")
        .and_then(serde_json::Value::as_i64)
        .filter(|cents| *cents > 0)
        .ok_or_else(|| Problem::invalid("/body/basePrice", "must be a positive integer (cents)"))?;
    let product = store::set_base_price(&state.pool, &sku, base_price)
        .await
        .map_err(|_| {
            Problem::internal().trace_id(telemetry::trace_id(&request_context(&request)))
        })?;
    Ok(HttpResponse::Ok().json(
        json!({ "sku": sku.as_str(), "basePrice": product.base_price, "sold": product.sold }),
    ))
}
