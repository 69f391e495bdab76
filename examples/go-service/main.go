// A Go service that joins a Flotilla system through its wire contracts only: it registers through
// the Consul HTTP API with an HTTP health check, serves a route the gateway finds through its
// registration metadata, and consumes order.placed CloudEvents from RabbitMQ with manual acks.
// Builds with Debian's golang-go and golang-github-rabbitmq-amqp091-go-dev (no module download).
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

type cloudEvent struct {
	SpecVersion string          `json:"specversion"`
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Source      string          `json:"source"`
	TraceParent string          `json:"traceparent,omitempty"`
	Data        json.RawMessage `json:"data"`
}

type service struct {
	name, instanceID, registryURL string
	ready                         atomic.Bool
	mu                            sync.Mutex
	received                      []cloudEvent
}

func env(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func writeJSON(w http.ResponseWriter, status int, contentType string, body any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// Errors follow RFC 9457, like every Flotilla service.
func writeProblem(w http.ResponseWriter, status int, code, title, detail string) {
	writeJSON(w, status, "application/problem+json", map[string]any{
		"type":  "urn:flotilla:problem:" + strings.ReplaceAll(strings.ToLower(code), "_", "-"),
		"title": title, "status": status, "code": code, "retryable": status >= 500, "detail": detail,
	})
}

func (s *service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/"+s.name+"/hello", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, "application/json", map[string]string{"service": s.name, "language": "go", "instance": s.instanceID})
	})
	mux.HandleFunc("/"+s.name+"/received", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		writeJSON(w, 200, "application/json", append([]cloudEvent{}, s.received...))
	})
	mux.HandleFunc("/health/live", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, "application/json", map[string]string{"status": "pass"})
	})
	mux.HandleFunc("/health/ready", func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			writeProblem(w, 503, "NOT_READY", "Not ready", "consumer not connected")
			return
		}
		writeJSON(w, 200, "application/json", map[string]string{"status": "pass"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, 404, "ROUTE_NOT_FOUND", "No such route", "no such route")
	})
	return mux
}

func (s *service) consul(method, path string, body any) error {
	var payload bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&payload).Encode(body); err != nil {
			return err
		}
	}
	request, err := http.NewRequest(method, s.registryURL+path, &payload)
	if err != nil {
		return err
	}
	request.Header.Set("Content-Type", "application/json")
	response, err := (&http.Client{Timeout: 5 * time.Second}).Do(request)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	if response.StatusCode != 200 {
		return fmt.Errorf("registry answered %d", response.StatusCode)
	}
	return nil
}

// consume acknowledges an event only after recording it; it reconnects when the broker goes away.
func (s *service) consume(url, exchange string) {
	for {
		if err := s.consumeOnce(url, exchange); err != nil {
			s.ready.Store(false)
			log.Printf("%s: broker connection lost (%v); reconnecting", s.name, err)
			time.Sleep(time.Second)
		}
	}
}

func (s *service) consumeOnce(url, exchange string) error {
	connection, err := amqp.Dial(url)
	if err != nil {
		return err
	}
	defer connection.Close()
	channel, err := connection.Channel()
	if err != nil {
		return err
	}
	queue := exchange + "." + s.name
	if err := channel.ExchangeDeclare(exchange, "topic", true, false, false, false, nil); err != nil {
		return err
	}
	if _, err := channel.QueueDeclare(queue, true, false, false, false, amqp.Table{"x-queue-type": "quorum"}); err != nil {
		return err
	}
	if err := channel.QueueBind(queue, "orders.order.placed", exchange, false, nil); err != nil {
		return err
	}
	if err := channel.Qos(10, 0, false); err != nil {
		return err
	}
	deliveries, err := channel.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		return err
	}
	s.ready.Store(true)
	for delivery := range deliveries {
		var event cloudEvent
		if err := json.Unmarshal(delivery.Body, &event); err != nil || event.SpecVersion != "1.0" || event.ID == "" {
			_ = delivery.Nack(false, false)
			continue
		}
		s.mu.Lock()
		duplicate := false
		for _, seen := range s.received {
			duplicate = duplicate || seen.ID == event.ID
		}
		if !duplicate {
			s.received = append(s.received, event)
		}
		s.mu.Unlock()
		if err := delivery.Ack(false); err != nil {
			return err
		}
	}
	return fmt.Errorf("delivery channel closed")
}

func randomID() string {
	bytes := make([]byte, 6)
	_, _ = rand.Read(bytes)
	return hex.EncodeToString(bytes)
}

func main() {
	name := env("SERVICE_NAME", "go-example")
	host := env("HOST", "127.0.0.1")
	advertise := env("ADVERTISE_ADDRESS", host)
	s := &service{name: name, instanceID: name + "-" + randomID(), registryURL: strings.TrimRight(env("REGISTRY_URL", "http://127.0.0.1:8500"), "/")}

	listener, err := net.Listen("tcp", net.JoinHostPort(host, env("PORT", "0")))
	if err != nil {
		log.Fatalf("%s: cannot listen: %v", name, err)
	}
	port := listener.Addr().(*net.TCPAddr).Port
	go s.consume(env("EVENTS_URL", "amqp://guest:guest@127.0.0.1:5672/"), env("EVENTS_EXCHANGE", "flotilla.events"))
	for deadline := time.Now().Add(30 * time.Second); !s.ready.Load() && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	server := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = server.Serve(listener) }()

	err = s.consul("PUT", "/v1/agent/service/register", map[string]any{
		"ID": s.instanceID, "Name": name, "Address": advertise, "Port": port, "Tags": []string{"go"},
		"Meta": map[string]string{"version": "1.0.0", "route-prefix": "/api/" + name},
		"Check": map[string]string{
			"HTTP": fmt.Sprintf("http://%s:%d/health/ready", advertise, port), "Interval": "1s",
			"Timeout": "1s", "DeregisterCriticalServiceAfter": "1m",
		},
	})
	if err != nil {
		log.Fatalf("%s: cannot register: %v", name, err)
	}
	fmt.Printf("{\"msg\":\"%s listening\",\"url\":\"http://%s:%d\"}\n", name, host, port)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	_ = s.consul("PUT", "/v1/agent/service/deregister/"+s.instanceID, nil)
	_ = server.Close()
}
