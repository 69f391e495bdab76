use serde::Deserialize;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Row;
use std::str::FromStr;
use std::time::Duration;

/// An `order.placed` event's data, as orders publishes it; other fields are ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlaced {
    pub order_id: String,
    pub items: Vec<OrderItem>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    pub sku: String,
    pub quantity: i64,
    pub unit_price: i64,
}

/// A product's list price (cents) and the units sold, which drive its popularity discount.
pub struct ProductSales {
    pub base_price: i64,
    pub sold: i64,
}

/// Opens the pool on the service's own schema (every connection's search_path) and creates the
/// schema and tables; an advisory lock keeps instances starting together from racing on them.
pub async fn open(url: &str, schema: &str, max: u32) -> Result<PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?.options([("search_path", schema)]);
    let pool = PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(options)
        .await?;
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('flotilla:pricing:schema'))")
        .execute(&mut *tx)
        .await?;
    // The schema name is checked as an identifier when the settings load.
    sqlx::raw_sql(&format!(
        r#"CREATE SCHEMA IF NOT EXISTS "{schema}";
        CREATE TABLE IF NOT EXISTS "{schema}".products (
            sku text PRIMARY KEY,
            base_price bigint NOT NULL CHECK (base_price > 0),
            sold bigint NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS "{schema}".order_events (
            event_id text PRIMARY KEY,
            order_id text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now()
        );"#
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(pool)
}

/// Stores an order event once: the event id's row and the sales it adds commit together, so a
/// redelivered event (same id) changes nothing. Returns whether it was new.
pub async fn record_order(
    pool: &PgPool,
    event_id: &str,
    order: &OrderPlaced,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let fresh = sqlx::query(
        "INSERT INTO order_events (event_id, order_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(event_id)
    .bind(&order.order_id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if fresh {
        for item in &order.items {
            // The first price a product sells at is its list price until one is set.
            sqlx::query(
                "INSERT INTO products (sku, base_price, sold) VALUES ($1, $2, $3)
                 ON CONFLICT (sku) DO UPDATE SET sold = products.sold + EXCLUDED.sold",
            )
            .bind(&item.sku)
            .bind(item.unit_price.max(1))
            .bind(item.quantity)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(fresh)
}

pub async fn product(pool: &PgPool, sku: &str) -> Result<Option<ProductSales>, sqlx::Error> {
    let row = sqlx::query("SELECT base_price, sold FROM products WHERE sku = $1")
        .bind(sku)
        .fetch_optional(pool)
        .await?;
    row.map(|row| {
        Ok(ProductSales {
            base_price: row.try_get("base_price")?,
            sold: row.try_get("sold")?,
        })
    })
    .transpose()
}

pub async fn set_base_price(
    pool: &PgPool,
    sku: &str,
    base_price: i64,
) -> Result<ProductSales, sqlx::Error> {
    let row = sqlx::query(
        "INSERT INTO products (sku, base_price) VALUES ($1, $2)
         ON CONFLICT (sku) DO UPDATE SET base_price = EXCLUDED.base_price
         RETURNING base_price, sold",
    )
    .bind(sku)
    .bind(base_price)
    .fetch_one(pool)
    .await?;
    Ok(ProductSales {
        base_price: row.try_get("base_price")?,
        sold: row.try_get("sold")?,
    })
}

pub async fn ping(pool: &PgPool) -> bool {
    let probe = sqlx::query("SELECT 1").execute(pool);
    matches!(
        tokio::time::timeout(Duration::from_secs(1), probe).await,
        Ok(Ok(_))
    )
}
