use serde::Deserialize;
use std::time::Duration;

/// The service's settings, from the environment (and a `.env` file beside it), with the names and
/// duration syntax (`300ms`, `2s`, `1m`) the Flotilla services use.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub service_name: String,
    pub host: String,
    pub port: u16,
    pub advertise_address: Option<String>,
    pub database_url: String,
    pub database_schema: String,
    pub db_pool_max: u32,
    pub registry_url: Option<String>,
    pub registry_check_interval: String,
    pub registry_check_timeout: String,
    pub registry_deregister_after: String,
    pub registry_sync_interval: String,
    pub events_url: Option<String>,
    pub kafka_topic: String,
    pub kafka_group: String,
    pub users_service: String,
    pub users_timeout: String,
    pub breaker_failures: u32,
    pub breaker_open_for: String,
    pub popular_after: i64,
    pub popular_discount_percent: i64,
    pub loyalty_discount_percent: i64,
    pub otel_exporter_otlp_endpoint: Option<String>,
}

impl Settings {
    pub fn load() -> Result<Self, String> {
        // The working directory's .env only; a missing one is the normal case, and variables already set win.
        let _ = dotenvy::from_path(".env");
        let settings: Settings = config::Config::builder()
            .set_default("service_name", "pricing")
            .and_then(|b| b.set_default("host", "127.0.0.1"))
            .and_then(|b| b.set_default("port", 0))
            .and_then(|b| {
                b.set_default(
                    "database_url",
                    "postgres://postgres@127.0.0.1:5432/postgres",
                )
            })
            .and_then(|b| b.set_default("database_schema", "pricing"))
            .and_then(|b| b.set_default("db_pool_max", 5))
            .and_then(|b| b.set_default("registry_check_interval", "2s"))
            .and_then(|b| b.set_default("registry_check_timeout", "1s"))
            .and_then(|b| b.set_default("registry_deregister_after", "1m"))
            .and_then(|b| b.set_default("registry_sync_interval", "15s"))
            .and_then(|b| b.set_default("kafka_topic", "flotilla.orders"))
            .and_then(|b| b.set_default("kafka_group", "flotilla.pricing"))
            .and_then(|b| b.set_default("users_service", "users"))
            .and_then(|b| b.set_default("users_timeout", "1s"))
            .and_then(|b| b.set_default("breaker_failures", 3))
            .and_then(|b| b.set_default("breaker_open_for", "5s"))
            .and_then(|b| b.set_default("popular_after", 10))
            .and_then(|b| b.set_default("popular_discount_percent", 10))
            .and_then(|b| b.set_default("loyalty_discount_percent", 5))
            .map_err(|error| error.to_string())?
            .add_source(config::Environment::default().try_parsing(true))
            .build()
            .and_then(|config| config.try_deserialize())
            .map_err(|error| error.to_string())?;
        for (name, value) in [
            ("REGISTRY_CHECK_INTERVAL", &settings.registry_check_interval),
            ("REGISTRY_CHECK_TIMEOUT", &settings.registry_check_timeout),
            (
                "REGISTRY_DEREGISTER_AFTER",
                &settings.registry_deregister_after,
            ),
            ("REGISTRY_SYNC_INTERVAL", &settings.registry_sync_interval),
            ("USERS_TIMEOUT", &settings.users_timeout),
            ("BREAKER_OPEN_FOR", &settings.breaker_open_for),
        ] {
            parse_duration(value).ok_or_else(|| format!("{name}: not a duration: {value:?}"))?;
        }
        let schema = &settings.database_schema;
        let identifier = schema
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && schema.len() <= 63;
        if !identifier {
            return Err(format!(
                "DATABASE_SCHEMA: not a lower-case SQL identifier: {schema:?}"
            ));
        }
        if settings.kafka_brokers().is_none() {
            return Err("EVENTS_URL: a kafka://host:port[,host:port…] URL is required".into());
        }
        Ok(settings)
    }

    /// The `host:port` list of a `kafka://` EVENTS_URL, without its topic settings.
    pub fn kafka_brokers(&self) -> Option<String> {
        let rest = self.events_url.as_deref()?.strip_prefix("kafka://")?;
        let brokers = rest.split(['?', '/']).next()?;
        (!brokers.is_empty()).then(|| brokers.to_string())
    }

    pub fn duration(value: &str) -> Duration {
        parse_duration(value).expect("durations are checked at load")
    }
}

/// `250ms`, `2s`, `1m`, or a bare number of milliseconds.
fn parse_duration(value: &str) -> Option<Duration> {
    let value = value.trim();
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: u64 = number.parse().ok()?;
    let millis = match unit {
        "" | "ms" => number,
        "s" => number * 1_000,
        "m" => number * 60_000,
        _ => return None,
    };
    Some(Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn reads_the_flotilla_duration_syntax() {
        assert_eq!(parse_duration("300ms"), Some(Duration::from_millis(300)));
        assert_eq!(parse_duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse_duration("1500"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("soon"), None);
    }
}
