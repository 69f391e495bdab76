package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/sony/gobreaker/v2"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// API serves the inventory routes; the gateway reaches them as /api/inventory/… .
type API struct {
	name            string
	store           *Store
	users           *UsersClient
	breakerOpenTime time.Duration
	log             *slog.Logger
}

var skuPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

const bodyLimit = 64 << 10

func (a *API) routes() http.Handler {
	router := chi.NewRouter()
	router.Use(a.recoverer, nameSpanAfterRoute, honourDeadline)
	router.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, newProblem("ROUTE_NOT_FOUND", "no route "+r.Method+" "+r.URL.Path))
	})
	router.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, newProblem("METHOD_NOT_ALLOWED", r.Method+" is not allowed on "+r.URL.Path))
	})
	router.Get("/health/live", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "pass"})
	})
	router.Get("/health/ready", a.ready)
	router.Route("/"+a.name, func(r chi.Router) {
		r.Get("/{sku}", a.getStock)
		r.Put("/{sku}", a.putStock)
		r.Get("/users/{userId}/reservations", a.userReservations)
	})
	return router
}

// ready is the registry's check: the service can serve when its database answers.
func (a *API) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if err := a.store.Ping(ctx); err != nil {
		a.log.Warn("readiness: database unreachable", "err", err)
		writeProblem(w, r, newProblem("NOT_READY", "database unreachable"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "pass"})
}

func validSKU(w http.ResponseWriter, r *http.Request) (string, bool) {
	sku := chi.URLParam(r, "sku")
	if !skuPattern.MatchString(sku) {
		writeProblem(w, r, newProblem("VALIDATION_FAILED", "1 invalid field in params",
			FieldError{Field: "/params/sku", Message: "must be 1-64 letters, digits, '.', '_' or '-'"}))
		return "", false
	}
	return sku, true
}

func (a *API) getStock(w http.ResponseWriter, r *http.Request) {
	sku, ok := validSKU(w, r)
	if !ok {
		return
	}
	item, err := a.store.Stock(r.Context(), sku)
	switch {
	case err != nil:
		a.internal(w, r, err)
	case item == nil:
		writeProblem(w, r, newProblem("NOT_FOUND", "no stock recorded for "+sku))
	default:
		writeJSON(w, http.StatusOK, item)
	}
}

// putStock sets the count on hand: `{"onHand": <integer ≥ 0>}`.
func (a *API) putStock(w http.ResponseWriter, r *http.Request) {
	sku, ok := validSKU(w, r)
	if !ok {
		return
	}
	if media, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || media != "application/json" {
		writeProblem(w, r, newProblem("UNSUPPORTED_MEDIA_TYPE", "send application/json"))
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, bodyLimit))
	if err != nil {
		writeProblem(w, r, newProblem("PAYLOAD_TOO_LARGE", "the body is limited to "+strconv.Itoa(bodyLimit)+" bytes"))
		return
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil {
		writeProblem(w, r, newProblem("MALFORMED_JSON", "the body is not a JSON object"))
		return
	}
	onHand, invalid := nonNegativeInteger(body["onHand"])
	if invalid != "" {
		writeProblem(w, r, newProblem("VALIDATION_FAILED", "1 invalid field in body",
			FieldError{Field: "/body/onHand", Message: invalid}))
		return
	}
	item, err := a.store.SetOnHand(r.Context(), sku, onHand)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, item)
}

func nonNegativeInteger(raw json.RawMessage) (int, string) {
	if raw == nil {
		return 0, "is required"
	}
	var number float64
	if err := json.Unmarshal(raw, &number); err != nil || number != math.Trunc(number) {
		return 0, "must be an integer"
	}
	if number < 0 || number > math.MaxInt32 {
		return 0, "must be from 0 to 2147483647"
	}
	return int(number), ""
}

// userReservations lists a user's reservations with the user's name, asked of the users service
// through the breaker.
func (a *API) userReservations(w http.ResponseWriter, r *http.Request) {
	userID := chi.URLParam(r, "userId")
	user, err := a.users.Find(r.Context(), userID)
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(a.breakerOpenTime.Seconds()))))
		writeProblem(w, r, newProblem("CIRCUIT_OPEN", "the users service keeps failing"))
		return
	case errors.Is(err, errUserNotFound):
		writeProblem(w, r, newProblem("NOT_FOUND", "no user with id "+userID))
		return
	case errors.Is(err, context.DeadlineExceeded):
		a.log.Warn("users call timed out", "user", userID)
		writeProblem(w, r, newProblem("UPSTREAM_TIMEOUT", "the users service did not answer in time"))
		return
	case err != nil:
		a.log.Warn("users call failed", "user", userID, "err", err)
		writeProblem(w, r, newProblem("UPSTREAM_UNAVAILABLE", "the users service cannot be reached"))
		return
	}
	reservations, err := a.store.ReservationsOf(r.Context(), userID)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": user, "reservations": reservations})
}

func (a *API) internal(w http.ResponseWriter, r *http.Request, err error) {
	trace.SpanFromContext(r.Context()).RecordError(err)
	a.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeProblem(w, r, newProblem("INTERNAL", ""))
}

// recoverer turns a panic into a 500 problem instead of a dropped connection.
func (a *API) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if recovered := recover(); recovered != nil {
				if recovered == http.ErrAbortHandler {
					panic(recovered)
				}
				a.internal(w, r, errors.New("panic: "+slog.AnyValue(recovered).String()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// nameSpanAfterRoute names the server span `<METHOD> <route template>` like the kit's spans, once
// chi has matched the route.
func nameSpanAfterRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if pattern := chi.RouteContext(r.Context()).RoutePattern(); pattern != "" {
			span := trace.SpanFromContext(r.Context())
			span.SetName(r.Method + " " + pattern)
			span.SetAttributes(attribute.String("http.route", pattern))
		}
	})
}

// honourDeadline applies the caller's `x-request-timeout-ms` (what it will still wait, set by the
// gateway and Flotilla's service clients) to the request's context, so the calls made for it end in
// time; a budget already spent is a 504 without running the handler, a malformed one is ignored.
func honourDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		budget, err := strconv.ParseInt(r.Header.Get("x-request-timeout-ms"), 10, 64)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		if budget <= 0 {
			writeProblem(w, r, newProblem("DEADLINE_EXCEEDED", "the caller's deadline has passed"))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), time.Duration(budget)*time.Millisecond)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
