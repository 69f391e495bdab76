#!/usr/bin/env bash
# Installs (Debian packages; Kafka from Maven Central) and starts every engine the infra and
# reliability tests use, then waits until each answers its own protocol. Idempotent: when an engine
# is installed and answering, it is left alone. Prints one line per engine; a failure names the
# engine and the log to read, and the script exits non-zero.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
logs=/var/log/flotilla
state=/var/lib/flotilla
mkdir -p "$logs" "$state"

kafka_version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/kafka/pom.xml")"
kafka_home="/var/cache/flotilla/kafka-$kafka_version"

failed=0
fail() {
  echo "engine $1: FAILED — read $2" >&2
  failed=1
}

apt_updated=0
install_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "engines: installing ${missing[*]}"
  if [ "$apt_updated" -eq 0 ]; then
    apt-get update -qq >>"$logs/apt.log" 2>&1
    apt_updated=1
  fi
  # The packages' own service starts are refused in a machine without an init system; this script
  # starts each engine itself below.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >>"$logs/apt.log" 2>&1
}

# Polls a protocol-level check for up to $2 seconds.
wait_until() {
  local check=$1 seconds=$2
  for _ in $(seq 1 "$seconds"); do
    "$check" && return 0
    sleep 1
  done
  return 1
}

# Sends bytes to a loopback port and prints what comes back within a second, hex-encoded.
exchange() {
  local port=$1 request=$2 bytes=$3
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf '$request' >&3; head -c $bytes <&3" 2>/dev/null | od -An -tx1 | tr -d ' \n'
}

# --- PostgreSQL -----------------------------------------------------------------------------------
postgres_accepts() { pg_isready -q -h 127.0.0.1; }
postgres_answers() { psql -h 127.0.0.1 -U postgres -d test -tAc 'select 1' 2>/dev/null | grep -qx 1; }

ensure_postgresql() {
  install_packages postgresql || { fail postgresql "$logs/apt.log"; return; }
  local version conf
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  conf="/etc/postgresql/$version/main"
  local log="/var/log/postgresql/postgresql-$version-main.log"
  # Trust over loopback TCP for the tests' user, logical decoding available for the events relay.
  if ! grep -q '^# flotilla' "$conf/pg_hba.conf"; then
    { printf '# flotilla: loopback clients are trusted (a test machine)\n'
      printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n'
      cat "$conf/pg_hba.conf"; } >"$conf/pg_hba.conf.new"
    mv "$conf/pg_hba.conf.new" "$conf/pg_hba.conf"
  fi
  cat >"$conf/conf.d/flotilla.conf" <<'CONF'
listen_addresses = '127.0.0.1,::1'
wal_level = logical
max_replication_slots = 32
max_wal_senders = 32
max_connections = 400
CONF
  if ! postgres_answers; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main restart >>"$logs/postgresql.log" 2>&1 ||
      pg_ctlcluster --skip-systemctl-redirect "$version" main start >>"$logs/postgresql.log" 2>&1
    wait_until postgres_accepts 30
    psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname = 'test'" | grep -q 1 ||
      psql -h 127.0.0.1 -U postgres -qc 'create database test' >>"$logs/postgresql.log" 2>&1
  elif [ "$(psql -h 127.0.0.1 -U postgres -tAc 'show wal_level')" != logical ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main restart >>"$logs/postgresql.log" 2>&1
  fi
  if wait_until postgres_answers 30; then
    echo "engine postgresql $version: answering on 127.0.0.1:5432 (wal_level=logical)"
  else
    fail postgresql "$log and $logs/postgresql.log"
  fi
}

# --- Redis ----------------------------------------------------------------------------------------
redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }

ensure_redis() {
  install_packages redis-server || { fail redis "$logs/apt.log"; return; }
  if ! redis_answers; then
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir "$state" --logfile "$logs/redis.log" >>"$logs/redis.log" 2>&1
  fi
  if wait_until redis_answers 30; then
    echo "engine redis: answering on 127.0.0.1:6379"
  else
    fail redis "$logs/redis.log"
  fi
}

# --- RabbitMQ -------------------------------------------------------------------------------------
# AMQP 0-9-1 protocol header; a broker answers with a Connection.Start method frame (type 1).
rabbitmq_answers() { [[ "$(exchange 5672 'AMQP\x00\x00\x09\x01' 1)" == 01 ]]; }

ensure_rabbitmq() {
  install_packages rabbitmq-server || { fail rabbitmq "$logs/apt.log"; return; }
  if ! rabbitmq_answers; then
    rabbitmq-server -detached >>"$logs/rabbitmq.log" 2>&1
  fi
  if wait_until rabbitmq_answers 90; then
    echo "engine rabbitmq: answering AMQP 0-9-1 on 127.0.0.1:5672"
  else
    fail rabbitmq "/var/log/rabbitmq/ and $logs/rabbitmq.log"
  fi
}

# --- NATS -----------------------------------------------------------------------------------------
nats_answers() {
  timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222; head -n1 <&3' 2>/dev/null | grep -q '"jetstream":true'
}

ensure_nats() {
  install_packages nats-server || { fail nats "$logs/apt.log"; return; }
  if ! nats_answers; then
    mkdir -p "$state/nats"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
      -a 127.0.0.1 -p 4222 -js -sd "$state/nats" -l "$logs/nats.log" >>"$logs/nats.log" 2>&1
  fi
  if wait_until nats_answers 30; then
    echo "engine nats: answering with JetStream on 127.0.0.1:4222"
  else
    fail nats "$logs/nats.log"
  fi
}

# --- Apache Kafka ---------------------------------------------------------------------------------
# ApiVersions v0, correlation id 1, client id "f"; the answer repeats the correlation id and carries
# error code 0 once the broker serves requests.
kafka_answers() {
  [[ "$(exchange 9092 '\x00\x00\x00\x0b\x00\x12\x00\x00\x00\x00\x00\x01\x00\x01f' 10)" == ????????000000010000 ]]
}

ensure_kafka() {
  # The machine's own JDK and Maven serve when present; Debian's otherwise.
  command -v java >/dev/null || install_packages default-jre-headless || { fail kafka "$logs/apt.log"; return; }
  command -v mvn >/dev/null || install_packages maven || { fail kafka "$logs/apt.log"; return; }
  if [ ! -f "$kafka_home/libs/kafka_2.13-$kafka_version.jar" ]; then
    echo "engines: fetching Apache Kafka $kafka_version from Maven Central"
    mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$kafka_home/libs" >>"$logs/kafka-fetch.log" 2>&1 ||
      { fail kafka "$logs/kafka-fetch.log"; return; }
  fi
  local config="$state/kafka/server.properties"
  mkdir -p "$state/kafka"
  cp "$here/kafka/server.properties" "$config"
  echo "log.dirs=$state/kafka/data" >>"$config"
  if ! kafka_answers; then
    local java=(java -Xms512m -Xmx512m -Dlog4j2.configurationFile="$here/kafka/log4j2.properties"
      -Dkafka.logs.dir="$logs" -cp "$kafka_home/libs/*")
    if [ ! -f "$state/kafka/data/meta.properties" ]; then
      "${java[@]}" kafka.tools.StorageTool format --standalone --ignore-formatted \
        --cluster-id "$("${java[@]}" kafka.tools.StorageTool random-uuid)" \
        --config "$config" >>"$logs/kafka.log" 2>&1 || { fail kafka "$logs/kafka.log"; return; }
    fi
    setsid nohup "${java[@]}" kafka.Kafka "$config" >>"$logs/kafka.log" 2>&1 </dev/null &
  fi
  if wait_until kafka_answers 90; then
    echo "engine kafka $kafka_version: answering on 127.0.0.1:9092 (KRaft, single node)"
  else
    fail kafka "$logs/kafka.log"
  fi
}

ensure_postgresql
ensure_redis
ensure_rabbitmq
ensure_nats
ensure_kafka
exit "$failed"
