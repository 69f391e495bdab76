package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Consumer takes order.placed from the orders service on RabbitMQ, the way the kit's AMQP transport
// lays the broker out (docs/events.md): a durable quorum queue `<exchange>.<service>` bound to the
// topic exchange, its broker-side dead letters in `<queue>.dead`, manual acknowledgements.
type Consumer struct {
	url, exchange, queue string
	prefetch             int
	store                *Store
	tracer               trace.Tracer
	log                  *slog.Logger
	// retryDelay spaces the attempts at an event whose effect could not be stored.
	retryDelay time.Duration
}

const orderPlacedKey = "orders.order.placed"

// open connects and declares the topology; a consumer opened once has its queue bound, so no
// order placed from then on is lost even while this process is down.
func (c *Consumer) open() (*amqp.Connection, <-chan amqp.Delivery, error) {
	connection, err := amqp.Dial(c.url)
	if err != nil {
		return nil, nil, err
	}
	deliveries, err := c.declare(connection)
	if err != nil {
		_ = connection.Close()
		return nil, nil, err
	}
	return connection, deliveries, nil
}

func (c *Consumer) declare(connection *amqp.Connection) (<-chan amqp.Delivery, error) {
	channel, err := connection.Channel()
	if err != nil {
		return nil, err
	}
	deadLetters := c.exchange + ".dead-letters"
	steps := []func() error{
		func() error { return channel.ExchangeDeclare(c.exchange, "topic", true, false, false, false, nil) },
		func() error { return channel.ExchangeDeclare(deadLetters, "direct", true, false, false, false, nil) },
		func() error {
			_, err := channel.QueueDeclare(c.queue+".dead", true, false, false, false, amqp.Table{"x-queue-type": "quorum"})
			return err
		},
		func() error { return channel.QueueBind(c.queue+".dead", c.queue, deadLetters, false, nil) },
		func() error {
			_, err := channel.QueueDeclare(c.queue, true, false, false, false, amqp.Table{
				"x-queue-type":              "quorum",
				"x-dead-letter-exchange":    deadLetters,
				"x-dead-letter-routing-key": c.queue,
				// The broker's backstop against a message that kills its consumer every time.
				"x-delivery-limit": 50,
			})
			return err
		},
		func() error { return channel.QueueBind(c.queue, orderPlacedKey, c.exchange, false, nil) },
		func() error { return channel.Qos(c.prefetch, 0, false) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	// autoAck false: the broker keeps every delivery until this process acks it after storing.
	return channel.Consume(c.queue, "", false, false, false, false, nil)
}

// Start opens the consumer (failing the start when the broker cannot be reached) and consumes in
// the background until ctx ends, reconnecting when the broker goes away. done closes once it has
// stopped.
func (c *Consumer) Start(ctx context.Context) (done <-chan struct{}, err error) {
	connection, deliveries, err := c.open()
	if err != nil {
		return nil, fmt.Errorf("RabbitMQ: %w", err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			err := c.consume(ctx, deliveries)
			_ = connection.Close()
			if err == nil {
				return
			}
			c.log.Warn("broker connection lost; reconnecting", "err", err)
			for connection, deliveries, err = c.open(); err != nil; connection, deliveries, err = c.open() {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
			}
			c.log.Info("broker connection restored")
		}
	}()
	return stopped, nil
}

// consume handles deliveries one at a time; it returns nil when ctx ends, an error when the
// channel closed under it. Deliveries not yet acknowledged go back to the queue with the channel.
func (c *Consumer) consume(ctx context.Context, deliveries <-chan amqp.Delivery) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case delivery, open := <-deliveries:
			if !open {
				return errors.New("delivery channel closed")
			}
			c.handle(ctx, delivery)
		}
	}
}

// handle stores the event's effect and only then acknowledges it: a crash before the ack means a
// redelivery, which the inbox turns into no change.
func (c *Consumer) handle(ctx context.Context, delivery amqp.Delivery) {
	event, order, invalid := parseOrderPlaced(delivery.Body)
	traceparent := event.TraceParent
	if traceparent == "" {
		traceparent, _ = delivery.Headers["traceparent"].(string)
	}
	parent := otel.GetTextMapPropagator().Extract(ctx, propagation.MapCarrier{"traceparent": traceparent})
	spanContext, span := c.tracer.Start(parent, "order.placed process",
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", "rabbitmq"),
			attribute.String("messaging.operation.type", "process"),
			attribute.String("messaging.destination.name", c.exchange),
			attribute.String("messaging.rabbitmq.destination.routing_key", delivery.RoutingKey),
			attribute.String("messaging.consumer.group.name", c.queue),
			attribute.String("messaging.message.id", event.ID),
		))
	defer span.End()

	if invalid != nil {
		span.RecordError(invalid)
		span.SetStatus(codes.Error, "invalid event")
		c.log.Warn("dead-lettering an invalid event", "id", event.ID, "err", invalid)
		_ = delivery.Nack(false, false)
		return
	}
	// The transaction runs to its end even when shutdown begins, so an effect is never half-done.
	fresh, err := c.store.ReserveOrder(context.WithoutCancel(spanContext), event.ID, order)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "not stored")
		c.log.Error("could not store an event; it will be delivered again", "id", event.ID, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(c.retryDelay):
		}
		_ = delivery.Nack(false, true)
		return
	}
	span.SetAttributes(attribute.Bool("flotilla.duplicate", !fresh))
	if err := delivery.Ack(false); err != nil {
		c.log.Warn("ack lost; the event will be delivered again and skipped", "id", event.ID, "err", err)
	}
}
