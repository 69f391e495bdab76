// Command inventory is Flotilla's Go service: stock per product, reserved by the orders placed in
// the system. It joins through the wire contracts only (docs/polyglot.md): the Consul HTTP API,
// HTTP with problem+json errors, CloudEvents over RabbitMQ and OTLP traces.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	consul "github.com/hashicorp/consul/api"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
)

const version = "1.0.0"

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	config, err := loadConfig()
	if err != nil {
		log.Error("invalid configuration", "err", err)
		os.Exit(78) // EX_CONFIG, as the kit's services exit on bad settings
	}
	if err := run(config, log.With("service", config.Name)); err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
}

func run(config Config, log *slog.Logger) error {
	instanceID := config.Name + "-" + randomSuffix()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	shutdownTelemetry, err := startTelemetry(ctx, config, instanceID)
	if err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	store, err := openStore(ctx, config.DatabaseURL, config.DatabaseSchema, config.Name, config.PoolMax)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer store.Close()

	consumerCtx, stopConsumer := context.WithCancel(context.Background())
	defer stopConsumer()
	consumer := &Consumer{
		url: config.EventsURL, exchange: config.EventsExchange,
		queue:    config.EventsExchange + "." + config.Name,
		prefetch: config.EventsPrefetch, store: store, tracer: otel.Tracer(config.Name),
		log: log, retryDelay: time.Second,
	}
	consumed, err := consumer.Start(consumerCtx)
	if err != nil {
		return err
	}

	registry, err := consul.NewClient(&consul.Config{Address: config.RegistryURL, Token: config.RegistryToken})
	if err != nil {
		return fmt.Errorf("REGISTRY_URL: %w", err)
	}
	api := &API{
		name: config.Name, store: store, users: newUsersClient(config, registry, log),
		breakerOpenTime: config.BreakerOpenTime, log: log,
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(config.Host, fmt.Sprint(config.Port)))
	if err != nil {
		return err
	}
	port := listener.Addr().(*net.TCPAddr).Port
	handler := otelhttp.NewHandler(api.routes(), config.Name,
		// The registry polls the probes: tracing them would crowd real traces out of the store.
		otelhttp.WithFilter(func(r *http.Request) bool { return !strings.HasPrefix(r.URL.Path, "/health/") }),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }))
	server := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	log.Info(config.Name+" listening", "url", fmt.Sprintf("http://%s:%d", config.Host, port))

	entry := registration(config, instanceID, port)
	if err := registry.Agent().ServiceRegister(entry); err != nil {
		log.Warn("registry unreachable; registering again every REGISTRY_SYNC_INTERVAL", "err", err)
	} else {
		log.Info("registered", "instance", instanceID)
	}
	go keepRegistered(ctx, registry.Agent(), entry, config.SyncInterval, log)

	select {
	case <-ctx.Done():
	case err := <-served:
		return err
	}
	// Leave the registry first so no new traffic arrives, then drain requests and the consumer.
	log.Info("shutting down")
	if err := registry.Agent().ServiceDeregister(instanceID); err != nil {
		log.Warn("deregistration failed; the registry drops the instance once its check fails", "err", err)
	}
	drainCtx, cancel := context.WithTimeout(context.Background(), config.ShutdownTimeout)
	defer cancel()
	stopConsumer()
	shutdownErr := server.Shutdown(drainCtx)
	select {
	case <-consumed:
	case <-drainCtx.Done():
	}
	return errors.Join(shutdownErr, shutdownTelemetry(drainCtx))
}

func randomSuffix() string {
	bytes := make([]byte, 6)
	_, _ = rand.Read(bytes)
	return hex.EncodeToString(bytes)
}
