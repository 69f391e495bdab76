use crate::log::log;
use serde::Deserialize;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// This instance in a Consul-compatible registry (the control plane's, or a Consul agent), through
/// the plain HTTP API: what the Flotilla services register, so the gateway routes to it.
#[derive(Clone)]
pub struct Registration {
    pub id: String,
    pub name: String,
    pub address: String,
    pub port: u16,
    pub check_interval: Duration,
    pub check_timeout: Duration,
    pub deregister_after: Duration,
}

#[derive(Deserialize)]
struct HealthEntry {
    #[serde(rename = "Node")]
    node: NodeEntry,
    #[serde(rename = "Service")]
    service: ServiceEntry,
}

#[derive(Deserialize)]
struct NodeEntry {
    #[serde(rename = "Address", default)]
    address: String,
}

#[derive(Deserialize)]
struct ServiceEntry {
    #[serde(rename = "Address", default)]
    address: String,
    #[serde(rename = "Port")]
    port: u16,
}

fn go_duration(duration: Duration) -> String {
    format!("{}ms", duration.as_millis())
}

pub struct Registry {
    url: String,
    http: reqwest::Client,
    next: AtomicUsize,
}

impl Registry {
    pub fn new(url: &str, http: reqwest::Client) -> Self {
        Self {
            url: url.trim_end_matches('/').to_string(),
            http,
            next: AtomicUsize::new(0),
        }
    }

    /// `PUT /v1/agent/service/register`, with the gateway's `route-prefix` and the readiness check.
    pub async fn register(&self, me: &Registration) -> Result<(), String> {
        let body = json!({
            "ID": me.id,
            "Name": me.name,
            "Address": me.address,
            "Port": me.port,
            "Tags": ["rust"],
            "Meta": { "version": env!("CARGO_PKG_VERSION"), "route-prefix": format!("/api/{}", me.name) },
            "Check": {
                "HTTP": format!("http://{}:{}/health/ready", me.address, me.port),
                "Interval": go_duration(me.check_interval),
                "Timeout": go_duration(me.check_timeout),
                "DeregisterCriticalServiceAfter": go_duration(me.deregister_after),
            },
        });
        let response = self
            .http
            .put(format!("{}/v1/agent/service/register", self.url))
            .json(&body)
            .send()
            .await
            .map_err(|error| error.to_string())?;
        match response.status().is_success() {
            true => Ok(()),
            false => Err(format!("registry answered {}", response.status())),
        }
    }

    /// Anti-entropy, like a Consul agent: registers again whenever the registry no longer holds
    /// the instance (it restarted empty, or reaped the instance while it was unreachable).
    pub async fn keep_registered(&self, me: &Registration, every: Duration) {
        loop {
            tokio::time::sleep(every).await;
            let held = self
                .http
                .get(format!("{}/v1/agent/service/{}", self.url, me.id))
                .send()
                .await;
            if matches!(&held, Ok(response) if response.status().is_success()) {
                continue;
            }
            match self.register(me).await {
                Ok(()) => log("info", "registered again", json!({ "id": me.id })),
                Err(error) => log("warn", "registry unreachable", json!({ "error": error })),
            }
        }
    }

    pub async fn deregister(&self, id: &str) -> Result<(), String> {
        self.http
            .put(format!("{}/v1/agent/service/deregister/{id}", self.url))
            .send()
            .await
            .and_then(|response| response.error_for_status())
            .map(|_| ())
            .map_err(|error| error.to_string())
    }

    /// A passing instance of `service` (`/v1/health/service/<name>?passing`), taken in turn.
    pub async fn discover(&self, service: &str) -> Result<Option<String>, reqwest::Error> {
        let entries: Vec<HealthEntry> = self
            .http
            .get(format!("{}/v1/health/service/{service}?passing", self.url))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        if entries.is_empty() {
            return Ok(None);
        }
        let entry = &entries[self.next.fetch_add(1, Ordering::Relaxed) % entries.len()];
        let host = if entry.service.address.is_empty() {
            &entry.node.address
        } else {
            &entry.service.address
        };
        Ok(Some(format!("http://{}:{}", host, entry.service.port)))
    }
}
