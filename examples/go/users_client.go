package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	consul "github.com/hashicorp/consul/api"
	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// User is what this service needs of the users service's answer.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// UsersClient calls the users service at one of its passing instances, found through the Consul
// API, behind a circuit breaker: once the calls keep failing it answers at once instead of waiting
// out a timeout per request, then lets one call through after BreakerOpenTime to probe.
type UsersClient struct {
	service   string
	timeout   time.Duration
	http      *http.Client
	breaker   *gobreaker.CircuitBreaker[*User]
	instances atomic.Pointer[[]string]
	log       *slog.Logger
}

var errUserNotFound = errors.New("user not found")

// errNoInstance is an outage like a refused connection: it counts against the breaker.
var errNoInstance = errors.New("no passing instance")

func newUsersClient(config Config, registry *consul.Client, log *slog.Logger) *UsersClient {
	client := &UsersClient{
		service: config.UsersService,
		timeout: config.CallTimeout,
		// otelhttp makes a CLIENT span per call and sends its traceparent, so the users service's
		// span joins this request's trace.
		http: &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport)},
		log:  log,
	}
	client.instances.Store(&[]string{})
	client.breaker = gobreaker.NewCircuitBreaker[*User](gobreaker.Settings{
		Name:        config.UsersService,
		MaxRequests: 1,
		Timeout:     config.BreakerOpenTime,
		ReadyToTrip: func(counts gobreaker.Counts) bool {
			return counts.ConsecutiveFailures >= config.BreakerFailures
		},
		// A user that does not exist is an answer, not a failure of the users service.
		IsSuccessful: func(err error) bool { return err == nil || errors.Is(err, errUserNotFound) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			log.Warn("circuit breaker", "service", name, "from", from.String(), "to", to.String())
		},
	})
	go client.watch(registry)
	return client
}

// watch keeps the list of passing instances fresh with Consul blocking queries.
func (c *UsersClient) watch(registry *consul.Client) {
	var index uint64
	for failures := 0; ; {
		entries, meta, err := registry.Health().Service(c.service, "", true, &consul.QueryOptions{
			WaitIndex: index, WaitTime: 30 * time.Second,
		})
		if err != nil {
			failures++
			// Full jitter under a ceiling doubling from 100 ms to 10 s, as the kit's watcher does.
			ceiling := min(100*time.Millisecond<<min(failures, 7), 10*time.Second)
			time.Sleep(rand.N(ceiling))
			continue
		}
		failures = 0
		// An index going backwards means the registry restarted: start the watch over.
		if meta.LastIndex < index {
			index = 0
		} else {
			index = meta.LastIndex
		}
		addresses := make([]string, 0, len(entries))
		for _, entry := range entries {
			address := entry.Service.Address
			if address == "" {
				address = entry.Node.Address
			}
			addresses = append(addresses, net.JoinHostPort(address, strconv.Itoa(entry.Service.Port)))
		}
		c.instances.Store(&addresses)
	}
}

// Find returns the user, errUserNotFound, a timeout or outage error, or gobreaker.ErrOpenState /
// ErrTooManyRequests when the breaker does not let the call through.
func (c *UsersClient) Find(ctx context.Context, id string) (*User, error) {
	return c.breaker.Execute(func() (*User, error) { return c.find(ctx, id) })
}

func (c *UsersClient) find(ctx context.Context, id string) (*User, error) {
	instances := *c.instances.Load()
	if len(instances) == 0 {
		return nil, errNoInstance
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	target := "http://" + instances[rand.IntN(len(instances))] + "/users/" + url.PathEscape(id)
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	request.Header.Set("Accept", "application/json")
	// The deadline travels on, as Flotilla's service clients send it.
	if deadline, ok := ctx.Deadline(); ok {
		request.Header.Set("x-request-timeout-ms", strconv.FormatInt(time.Until(deadline).Milliseconds(), 10))
	}
	response, err := c.http.Do(request)
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	switch {
	case response.StatusCode == http.StatusNotFound:
		return nil, errUserNotFound
	case response.StatusCode != http.StatusOK:
		_, _ = io.Copy(io.Discard, response.Body)
		return nil, fmt.Errorf("users answered %d", response.StatusCode)
	}
	var user User
	if err := json.NewDecoder(response.Body).Decode(&user); err != nil {
		return nil, fmt.Errorf("users answer: %w", err)
	}
	return &user, nil
}
