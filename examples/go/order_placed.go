package main

import (
	"encoding/json"
	"fmt"
)

// CloudEvent is the structured-mode JSON envelope Flotilla publishes (CloudEvents 1.0, with the
// distributed tracing extension's `traceparent`).
type CloudEvent struct {
	SpecVersion string          `json:"specversion"`
	ID          string          `json:"id"`
	Source      string          `json:"source"`
	Type        string          `json:"type"`
	Subject     string          `json:"subject,omitempty"`
	TraceParent string          `json:"traceparent,omitempty"`
	Data        json.RawMessage `json:"data"`
}

// OrderPlaced is the part of the orders service's `order.placed` data this service uses.
type OrderPlaced struct {
	OrderID string `json:"orderId"`
	UserID  string `json:"userId"`
	Items   []struct {
		SKU      string `json:"sku"`
		Quantity int    `json:"quantity"`
	} `json:"items"`
}

// parseOrderPlaced checks the envelope and the data; an error means the message can never be
// handled and belongs with the dead letters.
func parseOrderPlaced(body []byte) (CloudEvent, OrderPlaced, error) {
	var event CloudEvent
	var order OrderPlaced
	if err := json.Unmarshal(body, &event); err != nil {
		return event, order, fmt.Errorf("not JSON: %w", err)
	}
	if event.SpecVersion != "1.0" || event.ID == "" || event.Source == "" || event.Type == "" {
		return event, order, fmt.Errorf("not a CloudEvent 1.0 (specversion, id, source, type)")
	}
	if event.Type != "order.placed" {
		return event, order, fmt.Errorf("unexpected type %q", event.Type)
	}
	if err := json.Unmarshal(event.Data, &order); err != nil {
		return event, order, fmt.Errorf("data: %w", err)
	}
	if order.OrderID == "" || order.UserID == "" || len(order.Items) == 0 {
		return event, order, fmt.Errorf("data: orderId, userId and items are required")
	}
	for _, item := range order.Items {
		if item.SKU == "" || item.Quantity <= 0 {
			return event, order, fmt.Errorf("data: every item needs a sku and a positive quantity")
		}
	}
	return event, order, nil
}

// quantities adds up the order's lines per product.
func (o OrderPlaced) quantities() map[string]int {
	totals := map[string]int{}
	for _, item := range o.Items {
		totals[item.SKU] += item.Quantity
	}
	return totals
}
