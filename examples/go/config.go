package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
)

// Config is everything the service reads from its environment, checked once at start.
type Config struct {
	Name             string
	Host             string
	Port             int
	AdvertiseAddress string
	RegistryURL      string
	RegistryToken    string
	CheckInterval    time.Duration
	CheckTimeout     time.Duration
	DeregisterAfter  time.Duration
	SyncInterval     time.Duration
	DatabaseURL      string
	DatabaseSchema   string
	PoolMax          int
	EventsURL        string
	EventsExchange   string
	EventsPrefetch   int
	UsersService     string
	CallTimeout      time.Duration
	BreakerFailures  uint32
	BreakerOpenTime  time.Duration
	OTLPEndpoint     string
	TracingDisabled  bool
	ShutdownTimeout  time.Duration
}

// loadConfig reads `.env` (when present; real environment variables win) and then the environment.
func loadConfig() (Config, error) {
	if err := godotenv.Load(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Config{}, fmt.Errorf(".env: %w", err)
	}
	r := reader{}
	host := r.text("HOST", "127.0.0.1")
	config := Config{
		Name:             r.text("SERVICE_NAME", "inventory"),
		Host:             host,
		Port:             r.integer("PORT", 0, 0, 65535),
		AdvertiseAddress: r.text("ADVERTISE_ADDRESS", host),
		RegistryURL:      strings.TrimRight(r.url("REGISTRY_URL", "http://127.0.0.1:8500", "http", "https"), "/"),
		RegistryToken:    r.text("REGISTRY_TOKEN", ""),
		CheckInterval:    r.duration("REGISTRY_CHECK_INTERVAL", "2s"),
		CheckTimeout:     r.duration("REGISTRY_CHECK_TIMEOUT", "1s"),
		DeregisterAfter:  r.duration("REGISTRY_DEREGISTER_AFTER", "1m"),
		SyncInterval:     r.duration("REGISTRY_SYNC_INTERVAL", "15s"),
		DatabaseURL:      r.url("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres", "postgres", "postgresql"),
		DatabaseSchema:   r.identifier("DATABASE_SCHEMA", "inventory"),
		PoolMax:          r.integer("DB_POOL_MAX", 5, 1, 100),
		EventsURL:        r.url("EVENTS_URL", "amqp://guest:guest@127.0.0.1:5672/", "amqp", "amqps"),
		EventsExchange:   r.text("EVENTS_EXCHANGE", "flotilla.events"),
		EventsPrefetch:   r.integer("EVENTS_PREFETCH", 20, 1, 10000),
		UsersService:     r.text("USERS_SERVICE", "users"),
		CallTimeout:      r.duration("USERS_CALL_TIMEOUT", "2s"),
		BreakerFailures:  uint32(r.integer("BREAKER_FAILURES", 3, 1, 1000)),
		BreakerOpenTime:  r.duration("BREAKER_OPEN_TIME", "10s"),
		OTLPEndpoint:     strings.TrimRight(r.text("OTEL_EXPORTER_OTLP_ENDPOINT", ""), "/"),
		TracingDisabled:  r.text("OTEL_SDK_DISABLED", "false") == "true",
		ShutdownTimeout:  r.duration("SHUTDOWN_TIMEOUT", "10s"),
	}
	return config, errors.Join(r.errors...)
}

// reader collects every bad variable so one start-up names them all, values never shown.
type reader struct{ errors []error }

func (r *reader) text(name, fallback string) string {
	if value, ok := os.LookupEnv(name); ok && value != "" {
		return value
	}
	return fallback
}

func (r *reader) fail(name, expected string) {
	r.errors = append(r.errors, fmt.Errorf("%s: must be %s", name, expected))
}

func (r *reader) integer(name string, fallback, min, max int) int {
	raw := r.text(name, strconv.Itoa(fallback))
	value, err := strconv.Atoi(raw)
	if err != nil || value < min || value > max {
		r.fail(name, fmt.Sprintf("an integer from %d to %d", min, max))
		return fallback
	}
	return value
}

func (r *reader) duration(name, fallback string) time.Duration {
	value, err := time.ParseDuration(r.text(name, fallback))
	if err != nil || value <= 0 {
		r.fail(name, "a positive duration such as 500ms or 10s")
	}
	return value
}

func (r *reader) url(name, fallback string, schemes ...string) string {
	raw := r.text(name, fallback)
	parsed, err := url.Parse(raw)
	if err != nil || parsed.Host == "" || !slices.Contains(schemes, parsed.Scheme) {
		r.fail(name, "a URL with scheme "+strings.Join(schemes, " or "))
	}
	return raw
}

func (r *reader) identifier(name, fallback string) string {
	value := r.text(name, fallback)
	for i, c := range value {
		if !(c == '_' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') || len(value) > 63 {
			r.fail(name, "a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)")
			break
		}
	}
	return value
}
