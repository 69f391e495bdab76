//! `pricing`: prices per product with discounts, a Rust service of the Flotilla reference system.
//! It joins through the wire contracts only: the Consul HTTP API, HTTP with problem+json, the
//! CloudEvents Kafka binding, W3C trace context and OTLP/HTTP.

mod log;
mod order_events;
mod problem;
mod registry;
mod routes;
mod settings;
mod store;
mod telemetry;
mod users_client;

use crate::log::log;
use crate::registry::{Registration, Registry};
use crate::routes::AppState;
use crate::settings::Settings;
use crate::users_client::UsersClient;
use actix_web::{web, HttpServer};
use serde_json::json;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};

fn main() -> ExitCode {
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            log("fatal", "invalid configuration", json!({ "error": error }));
            return ExitCode::from(78);
        }
    };
    let provider = match telemetry::start(
        &settings.service_name,
        settings.otel_exporter_otlp_endpoint.as_deref(),
    ) {
        Ok(provider) => provider,
        Err(error) => {
            log("fatal", "telemetry exporter", json!({ "error": error }));
            return ExitCode::from(78);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let outcome = match runtime {
        Ok(runtime) => runtime.block_on(serve(settings)),
        Err(error) => Err(error.to_string()),
    };
    if let Some(provider) = provider {
        // Flushes the spans of the last requests.
        let _ = provider.shutdown();
    }
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            log("fatal", "pricing stopped", json!({ "error": error }));
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let pool = store::open(
        &settings.database_url,
        &settings.database_schema,
        settings.db_pool_max,
    )
    .await
    .map_err(|error| format!("database: {error}"))?;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .build()
        .map_err(|error| error.to_string())?;
    let registry = settings
        .registry_url
        .as_deref()
        .map(|url| Arc::new(Registry::new(url, http.clone())));

    let brokers = settings.kafka_brokers().unwrap_or_default();
    let consumer = order_events::connect(&brokers, &settings.kafka_group, &settings.kafka_topic)?;
    let consuming = tokio::spawn(order_events::run(consumer, pool.clone()));

    let state = web::Data::new(AppState {
        pool: pool.clone(),
        users: UsersClient::new(
            registry.clone(),
            http,
            settings.users_service.clone(),
            Settings::duration(&settings.users_timeout),
            settings.breaker_failures,
            Settings::duration(&settings.breaker_open_for),
        ),
        popular_after: settings.popular_after,
        popular_discount_percent: settings.popular_discount_percent,
        loyalty_discount_percent: settings.loyalty_discount_percent,
        shutting_down: AtomicBool::new(false),
    });
    let app_state = state.clone();
    let server = HttpServer::new(move || routes::app(app_state.clone()))
        .workers(2)
        .disable_signals()
        .shutdown_timeout(10)
        .bind((settings.host.as_str(), settings.port))
        .map_err(|error| format!("listen: {error}"))?;
    let port = server
        .addrs()
        .first()
        .map(|address| address.port())
        .ok_or("no listening address")?;
    let server = server.run();
    let address = settings
        .advertise_address
        .clone()
        .unwrap_or_else(|| settings.host.clone());
    log(
        "info",
        "listening",
        json!({ "url": format!("http://{address}:{port}") }),
    );

    let me = Registration {
        id: format!(
            "{}-{:08x}",
            settings.service_name,
            RandomState::new().build_hasher().finish() as u32
        ),
        name: settings.service_name.clone(),
        address,
        port,
        check_interval: Settings::duration(&settings.registry_check_interval),
        check_timeout: Settings::duration(&settings.registry_check_timeout),
        deregister_after: Settings::duration(&settings.registry_deregister_after),
    };
    if let Some(registry) = &registry {
        // A registry that is down now does not stop the service: the sync loop registers it later.
        match registry.register(&me).await {
            Ok(()) => log(
                "info",
                "registered",
                json!({ "id": me.id, "registry": settings.registry_url }),
            ),
            Err(error) => log("warn", "registration failed", json!({ "error": error })),
        }
        let (registry, me) = (registry.clone(), me.clone());
        let every = Settings::duration(&settings.registry_sync_interval);
        tokio::spawn(async move { registry.keep_registered(&me, every).await });
    }

    let handle = server.handle();
    tokio::spawn(async move {
        let (Ok(mut terminate), Ok(mut interrupt)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        log("info", "shutting down", json!({}));
        state.shutting_down.store(true, Ordering::Relaxed);
        if let Some(registry) = &registry {
            if let Err(error) = registry.deregister(&me.id).await {
                log("warn", "deregistration failed", json!({ "error": error }));
            }
        }
        handle.stop(true).await;
    });
    server.await.map_err(|error| error.to_string())?;
    consuming.abort();
    pool.close().await;
    log("info", "stopped", json!({}));
    Ok(())
}
