#!/usr/bin/env bash
# Debian packages the tests need beyond Node: Chromium for the dashboard test, Python and Go with
# their RabbitMQ clients for the polyglot examples. Installs only what is missing.
set -euo pipefail

packages=(chromium python3-flask python3-pika golang-go golang-github-rabbitmq-amqp091-go-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
