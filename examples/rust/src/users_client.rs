use crate::log::log;
use crate::problem::Problem;
use crate::registry::Registry;
use crate::telemetry;
use failsafe::backoff::{self, Constant};
use failsafe::failure_policy::{self, ConsecutiveFailures};
use failsafe::futures::CircuitBreaker as _;
use failsafe::{Config, StateMachine};
use opentelemetry::trace::{Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Why a call to users failed; each of these counts against the breaker.
#[derive(Debug)]
enum CallError {
    NoInstance,
    Timeout,
    Failed(String),
}

/// Calls the users service, found through the registry, behind a circuit breaker: after
/// `failures` consecutive failures (no instance, a timeout, a 5xx or a broken connection) calls
/// are refused at once for `open_for`, then one trial call decides whether it closes again.
pub struct UsersClient {
    registry: Option<Arc<Registry>>,
    http: reqwest::Client,
    service: String,
    timeout: Duration,
    open_for: Duration,
    breaker: StateMachine<ConsecutiveFailures<Constant>, ()>,
}

impl UsersClient {
    pub fn new(
        registry: Option<Arc<Registry>>,
        http: reqwest::Client,
        service: String,
        timeout: Duration,
        failures: u32,
        open_for: Duration,
    ) -> Self {
        let policy = failure_policy::consecutive_failures(failures, backoff::constant(open_for));
        let breaker = Config::new().failure_policy(policy).build();
        Self {
            registry,
            http,
            service,
            timeout,
            open_for,
            breaker,
        }
    }

    /// Whether `user_id` is a registered user (the loyalty discount's condition): `GET /users/:id`,
    /// 200 yes, 404 no; anything else is the upstream's failure, answered as a 503/504 problem.
    pub async fn is_member(&self, user_id: &str, parent: &Context) -> Result<bool, Problem> {
        let trace_id = telemetry::trace_id(parent);
        match self.breaker.call(self.fetch_user(user_id, parent)).await {
            Ok(member) => Ok(member),
            Err(failsafe::Error::Rejected) => Err(Problem::new("CIRCUIT_OPEN")
                .retry_after(self.open_for.as_secs().max(1))
                .trace_id(trace_id)),
            Err(failsafe::Error::Inner(CallError::Timeout)) => {
                Err(Problem::new("UPSTREAM_TIMEOUT").trace_id(trace_id))
            }
            Err(failsafe::Error::Inner(error)) => {
                if let CallError::Failed(reason) = error {
                    log("warn", "users call failed", json!({ "error": reason }));
                }
                Err(Problem::new("UPSTREAM_UNAVAILABLE")
                    .retry_after(1)
                    .trace_id(trace_id))
            }
        }
    }

    async fn fetch_user(&self, user_id: &str, parent: &Context) -> Result<bool, CallError> {
        let call = async {
            let Some(registry) = &self.registry else {
                return Err(CallError::NoInstance);
            };
            let base = match registry.discover(&self.service).await {
                Ok(Some(base)) => base,
                Ok(None) => return Err(CallError::NoInstance),
                Err(error) => return Err(CallError::Failed(format!("registry: {error}"))),
            };
            let (context, headers) = telemetry::outgoing("GET /users/:id".into(), parent);
            let mut request = self.http.get(format!("{base}/users/{user_id}"));
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let answer = request.send().await;
            let span = context.span();
            let outcome = match answer {
                Ok(response) => {
                    let status = response.status();
                    span.set_attribute(KeyValue::new(
                        "http.response.status_code",
                        i64::from(status.as_u16()),
                    ));
                    match status.as_u16() {
                        200..=299 => Ok(true),
                        404 => Ok(false),
                        _ if status.is_server_error() => {
                            Err(CallError::Failed(format!("users answered {status}")))
                        }
                        // A 4xx other than 404 is this service's mistake, not users' failure.
                        _ => Ok(false),
                    }
                }
                Err(error) => Err(CallError::Failed(error.to_string())),
            };
            if let Err(error) = &outcome {
                span.set_status(Status::error(format!("{error:?}")));
            }
            span.end();
            outcome
        };
        match tokio::time::timeout(self.timeout, call).await {
            Ok(outcome) => outcome,
            Err(_) => Err(CallError::Timeout),
        }
    }
}
