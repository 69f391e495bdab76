package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	consul "github.com/hashicorp/consul/api"
)

// registration is this instance's entry in the registry (Consul's agent API): `Meta.route-prefix`
// makes the gateway route /api/<name>/* here, and the registry's check of /health/ready decides
// whether it receives traffic.
func registration(config Config, instanceID string, port int) *consul.AgentServiceRegistration {
	return &consul.AgentServiceRegistration{
		ID:      instanceID,
		Name:    config.Name,
		Address: config.AdvertiseAddress,
		Port:    port,
		Tags:    []string{"go"},
		Meta:    map[string]string{"version": version, "route-prefix": "/api/" + config.Name},
		Check: &consul.AgentServiceCheck{
			HTTP:                           fmt.Sprintf("http://%s:%d/health/ready", config.AdvertiseAddress, port),
			Interval:                       config.CheckInterval.String(),
			Timeout:                        config.CheckTimeout.String(),
			DeregisterCriticalServiceAfter: config.DeregisterAfter.String(),
		},
	}
}

// keepRegistered registers again whenever the registry no longer knows the instance (a registry
// that lost its state, or dropped the instance after a long pause), until ctx ends.
func keepRegistered(ctx context.Context, agent *consul.Agent, entry *consul.AgentServiceRegistration, every time.Duration, log *slog.Logger) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		if service, _, err := agent.Service(entry.ID, nil); err == nil && service != nil {
			continue
		}
		if err := agent.ServiceRegister(entry); err != nil {
			log.Warn("registration not restored", "err", err)
		} else {
			log.Info("registration restored", "instance", entry.ID)
		}
	}
}
