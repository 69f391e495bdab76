#!/usr/bin/env bash
# Starts each engine the infra tests use if it is not answering; safe to run when all are up.
set -uo pipefail

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local name=$1 port=$2
  for _ in $(seq 1 60); do
    up "$port" && { echo "engine $name: up on $port"; return 0; }
    sleep 1
  done
  echo "engine $name: not answering on $port" >&2
  return 1
}

ensure() {
  local name=$1 port=$2
  shift 2
  if up "$port"; then
    echo "engine $name: up on $port"
    return 0
  fi
  echo "engine $name: starting"
  "$@" >/dev/null 2>&1 || true
  wait_for "$name" "$port"
}

ensure postgresql 5432 pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
ensure redis 6379 redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
  --dir /var/lib/redis --logfile /var/log/redis/ci.log
ensure rabbitmq 5672 rabbitmq-server -detached
ensure nats 4222 start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
  -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
