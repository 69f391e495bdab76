use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::json;
use std::fmt;

/// One invalid input, as Flotilla's `errors` entries name it (`/params/sku`, `/body/basePrice`).
#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// An RFC 9457 problem with Flotilla's `code` and `retryable` (docs/errors.md): the only shape of
/// this service's 4xx and 5xx answers.
#[derive(Debug)]
pub struct Problem {
    code: &'static str,
    detail: Option<String>,
    errors: Vec<FieldError>,
    retry_after_seconds: Option<u64>,
    trace_id: Option<String>,
}

/// Status, title and retryable of the catalogue codes this service answers with.
fn catalogue(code: &str) -> (StatusCode, &'static str, bool) {
    match code {
        "VALIDATION_FAILED" => (StatusCode::BAD_REQUEST, "Request validation failed", false),
        "MALFORMED_JSON" => (StatusCode::BAD_REQUEST, "Malformed JSON body", false),
        "NOT_FOUND" => (StatusCode::NOT_FOUND, "Resource not found", false),
        "ROUTE_NOT_FOUND" => (StatusCode::NOT_FOUND, "No such route", false),
        "PAYLOAD_TOO_LARGE" => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request body too large",
            false,
        ),
        "UNSUPPORTED_MEDIA_TYPE" => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type",
            false,
        ),
        "UPSTREAM_UNAVAILABLE" => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Upstream service unavailable",
            true,
        ),
        "CIRCUIT_OPEN" => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Circuit breaker open",
            true,
        ),
        "NOT_READY" => (StatusCode::SERVICE_UNAVAILABLE, "Not ready", true),
        "UPSTREAM_TIMEOUT" => (StatusCode::GATEWAY_TIMEOUT, "Upstream timed out", true),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "Internal error", false),
    }
}

impl Problem {
    pub fn new(code: &'static str) -> Self {
        Self {
            code,
            detail: None,
            errors: Vec::new(),
            retry_after_seconds: None,
            trace_id: None,
        }
    }

    pub fn internal() -> Self {
        Self::new("INTERNAL")
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut problem = Self::new("VALIDATION_FAILED").detail("1 invalid field");
        problem.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
        problem
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }

    pub fn trace_id(mut self, trace_id: Option<String>) -> Self {
        self.trace_id = trace_id;
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        catalogue(self.code).0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, title, retryable) = catalogue(self.code);
        let kebab = self.code.to_ascii_lowercase().replace('_', "-");
        let mut body = json!({
            "type": format!("urn:flotilla:problem:{kebab}"),
            "title": title,
            "status": status.as_u16(),
            "code": self.code,
            "retryable": retryable,
        });
        // Details are for the client's own mistakes; a 5xx says only what happened and the trace.
        if status.is_client_error() {
            if let Some(detail) = &self.detail {
                body["detail"] = json!(detail);
            }
            if !self.errors.is_empty() {
                body["errors"] = json!(self.errors);
            }
        }
        if let Some(trace_id) = &self.trace_id {
            body["traceId"] = json!(trace_id);
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.body(body.to_string())
    }
}
