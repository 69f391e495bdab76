package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"time"

	"github.com/lib/pq"
)

// Store is the service's own PostgreSQL schema, reached through one database/sql pool.
type Store struct{ db *sql.DB }

// StockItem is one product's stock; Available goes below zero when orders reserve more than is on
// hand (a backorder).
type StockItem struct {
	SKU       string    `json:"sku"`
	OnHand    int       `json:"onHand"`
	Reserved  int       `json:"reserved"`
	Available int       `json:"available"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Reservation is the stock one order line holds.
type Reservation struct {
	OrderID    string    `json:"orderId"`
	SKU        string    `json:"sku"`
	Quantity   int       `json:"quantity"`
	ReservedAt time.Time `json:"reservedAt"`
}

const schemaDDL = `
CREATE TABLE IF NOT EXISTS stock (
  sku text PRIMARY KEY,
  on_hand integer NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
  reserved integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS reservations (
  order_id text NOT NULL,
  sku text NOT NULL,
  user_id text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  event_id text NOT NULL,
  reserved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, sku)
);
CREATE INDEX IF NOT EXISTS reservations_user ON reservations (user_id, reserved_at);
-- The inbox: an event id stored here had its effect committed with it.
CREATE TABLE IF NOT EXISTS processed_events (
  event_id text PRIMARY KEY,
  type text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);`

// openStore creates the schema and its tables (once, under an advisory lock, so instances starting
// together do not race) and returns a pool whose every connection works in that schema.
func openStore(ctx context.Context, databaseURL, schema, applicationName string, poolMax int) (*Store, error) {
	databaseURL = withDefaults(databaseURL, map[string]string{
		// libpq's default (TLS when the server offers it) instead of lib/pq's own `require`,
		// which a local server without TLS refuses.
		"sslmode": "prefer",
		// Names the connections in pg_stat_activity.
		"application_name": applicationName,
	})
	admin, err := sql.Open("postgres", databaseURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if err := inTransaction(ctx, admin, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('flotilla:' || $1))`, schema); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+pq.QuoteIdentifier(schema)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SET LOCAL search_path TO `+pq.QuoteIdentifier(schema)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, schemaDDL)
		return err
	}); err != nil {
		return nil, fmt.Errorf("creating schema %s: %w", schema, err)
	}

	pooled, err := url.Parse(databaseURL)
	if err != nil {
		return nil, err
	}
	query := pooled.Query()
	// lib/pq sends unknown parameters as run-time settings, so every pooled connection starts here.
	query.Set("search_path", schema)
	pooled.RawQuery = query.Encode()
	db, err := sql.Open("postgres", pooled.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(poolMax)
	db.SetMaxIdleConns(poolMax)
	db.SetConnMaxIdleTime(30 * time.Second)
	return &Store{db: db}, nil
}

// withDefaults adds the parameters the URL does not set itself.
func withDefaults(databaseURL string, parameters map[string]string) string {
	parsed, err := url.Parse(databaseURL)
	if err != nil {
		return databaseURL // cannot happen: loadConfig has parsed it
	}
	query := parsed.Query()
	for name, value := range parameters {
		if !query.Has(name) {
			query.Set(name, value)
		}
	}
	parsed.RawQuery = query.Encode()
	return parsed.String()
}

func inTransaction(ctx context.Context, db *sql.DB, run func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := run(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *Store) Close() error { return s.db.Close() }

const stockColumns = `sku, on_hand, reserved, on_hand - reserved, updated_at`

func scanStock(row interface{ Scan(...any) error }) (*StockItem, error) {
	var item StockItem
	err := row.Scan(&item.SKU, &item.OnHand, &item.Reserved, &item.Available, &item.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &item, err
}

// Stock returns one product's stock, or nil when the product is unknown.
func (s *Store) Stock(ctx context.Context, sku string) (*StockItem, error) {
	return scanStock(s.db.QueryRowContext(ctx, `SELECT `+stockColumns+` FROM stock WHERE sku = $1`, sku))
}

// SetOnHand records a stock count, keeping what orders have reserved.
func (s *Store) SetOnHand(ctx context.Context, sku string, onHand int) (*StockItem, error) {
	return scanStock(s.db.QueryRowContext(ctx, `
INSERT INTO stock (sku, on_hand) VALUES ($1, $2)
ON CONFLICT (sku) DO UPDATE SET on_hand = EXCLUDED.on_hand, updated_at = now()
RETURNING `+stockColumns, sku, onHand))
}

// ReservationsOf lists a user's reservations, newest first.
func (s *Store) ReservationsOf(ctx context.Context, userID string) ([]Reservation, error) {
	rows, err := s.db.QueryContext(ctx, `
SELECT order_id, sku, quantity, reserved_at FROM reservations
WHERE user_id = $1 ORDER BY reserved_at DESC, order_id, sku LIMIT 100`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	reservations := []Reservation{}
	for rows.Next() {
		var reservation Reservation
		if err := rows.Scan(&reservation.OrderID, &reservation.SKU, &reservation.Quantity, &reservation.ReservedAt); err != nil {
			return nil, err
		}
		reservations = append(reservations, reservation)
	}
	return reservations, rows.Err()
}

// ReserveOrder applies an order.placed event once: the event id goes into the inbox in the same
// transaction as the reservations, so a redelivered event finds its id and changes nothing.
// It reports whether the event was new.
func (s *Store) ReserveOrder(ctx context.Context, eventID string, order OrderPlaced) (bool, error) {
	fresh := false
	err := inTransaction(ctx, s.db, func(tx *sql.Tx) error {
		inserted, err := tx.ExecContext(ctx,
			`INSERT INTO processed_events (event_id, type) VALUES ($1, 'order.placed') ON CONFLICT DO NOTHING`, eventID)
		if err != nil {
			return err
		}
		if count, err := inserted.RowsAffected(); err != nil || count == 0 {
			return err // nil when the id was there: a redelivery, already applied
		}
		fresh = true
		quantities := order.quantities()
		// In sku order, so instances reserving overlapping orders lock stock rows in one order.
		for _, sku := range slices.Sorted(maps.Keys(quantities)) {
			quantity := quantities[sku]
			// An order already reserved under another event id (a re-publish) is not reserved twice.
			added, err := tx.ExecContext(ctx, `
INSERT INTO reservations (order_id, sku, user_id, quantity, event_id) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING`, order.OrderID, sku, order.UserID, quantity, eventID)
			if err != nil {
				return err
			}
			if count, err := added.RowsAffected(); err != nil {
				return err
			} else if count == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `
INSERT INTO stock (sku, reserved) VALUES ($1, $2)
ON CONFLICT (sku) DO UPDATE SET reserved = stock.reserved + EXCLUDED.reserved, updated_at = now()`,
				sku, quantity); err != nil {
				return err
			}
		}
		return nil
	})
	return fresh && err == nil, err
}
