"""Recommendations: products often bought together, learnt from Flotilla's order.placed events."""

VERSION = "0.1.0"
