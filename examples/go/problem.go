package main

import (
	"encoding/json"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// The codes this service answers with, from Flotilla's error catalogue (docs/errors.md).
var catalogue = map[string]struct {
	status    int
	title     string
	retryable bool
}{
	"VALIDATION_FAILED":      {400, "Request validation failed", false},
	"MALFORMED_JSON":         {400, "Malformed JSON body", false},
	"NOT_FOUND":              {404, "Resource not found", false},
	"ROUTE_NOT_FOUND":        {404, "No such route", false},
	"METHOD_NOT_ALLOWED":     {405, "Method not allowed", false},
	"PAYLOAD_TOO_LARGE":      {413, "Request body too large", false},
	"UNSUPPORTED_MEDIA_TYPE": {415, "Unsupported media type", false},
	"INTERNAL":               {500, "Internal error", false},
	"UPSTREAM_UNAVAILABLE":   {503, "Upstream service unavailable", true},
	"CIRCUIT_OPEN":           {503, "Circuit breaker open", true},
	"NOT_READY":              {503, "Not ready", true},
	"UPSTREAM_TIMEOUT":       {504, "Upstream timed out", true},
	"DEADLINE_EXCEEDED":      {504, "Deadline exceeded", false},
}

// FieldError names one invalid input by JSON pointer, as the kit's validation errors do.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Problem is an RFC 9457 answer with Flotilla's members `code` and `retryable`.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Code      string       `json:"code"`
	Retryable bool         `json:"retryable"`
	Detail    string       `json:"detail,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	TraceID   string       `json:"traceId,omitempty"`
}

func (p *Problem) Error() string { return p.Code + ": " + p.Detail }

func newProblem(code, detail string, errors ...FieldError) *Problem {
	entry, known := catalogue[code]
	if !known {
		code, entry = "INTERNAL", catalogue["INTERNAL"]
	}
	return &Problem{
		Type:      "urn:flotilla:problem:" + strings.ReplaceAll(strings.ToLower(code), "_", "-"),
		Title:     entry.title,
		Status:    entry.status,
		Code:      code,
		Retryable: entry.retryable,
		Detail:    detail,
		Errors:    errors,
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeProblem answers a problem; a 5xx keeps its detail out of the answer (it goes to the log).
func writeProblem(w http.ResponseWriter, r *http.Request, problem *Problem) {
	answer := *problem
	if answer.Status >= 500 {
		answer.Detail, answer.Errors = "", nil
	}
	answer.Instance = r.URL.Path
	if span := trace.SpanContextFromContext(r.Context()); span.HasTraceID() {
		answer.TraceID = span.TraceID().String()
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(answer.Status)
	_ = json.NewEncoder(w).Encode(answer)
}
