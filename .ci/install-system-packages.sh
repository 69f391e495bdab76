#!/usr/bin/env bash
# Debian packages the tests need beyond Node: Chromium for the dashboard test, Python and Go with
# their RabbitMQ clients for the polyglot examples. Installs only what is missing. Then the Kafka
# example's Python client, pinned, from PyPI: Debian's is kafka-python 2.0.2 of 2020.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium python3-flask python3-pika golang-go golang-github-rabbitmq-amqp091-go-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
else
  echo "system packages: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The python3 first on PATH, which the Kafka example's test runs, gets the client.
python3 -m pip install --quiet --root-user-action=ignore -r examples/python-kafka-consumer/requirements.txt
echo "python packages: $(python3 -m pip freeze | grep -i '^kafka-python==')"
