package main

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// startTelemetry installs W3C Trace Context propagation and a tracer provider that exports over
// OTLP/HTTP to <endpoint>/v1/traces (the control plane's receiver locally). Without an endpoint
// spans are still made, so trace ids continue into problems and outgoing calls. It returns the
// function that flushes and stops the exporter.
func startTelemetry(ctx context.Context, config Config, instanceID string) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if config.TracingDisabled {
		otel.SetTracerProvider(noop.NewTracerProvider())
		return func(context.Context) error { return nil }, nil
	}
	attributes := resource.NewSchemaless(
		attribute.String("service.name", config.Name),
		attribute.String("service.version", version),
		attribute.String("service.instance.id", instanceID),
	)
	options := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(attributes),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
	}
	if config.OTLPEndpoint != "" {
		// The batcher reads OTEL_BSP_* itself (schedule delay, queue size).
		exporter, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(config.OTLPEndpoint+"/v1/traces"))
		if err != nil {
			return nil, err
		}
		options = append(options, sdktrace.WithBatcher(exporter))
	}
	provider := sdktrace.NewTracerProvider(options...)
	otel.SetTracerProvider(provider)
	return provider.Shutdown, nil
}
