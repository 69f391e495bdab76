#!/usr/bin/env bash
# Debian packages the tests need beyond Node: Chromium for the dashboard tests, librdkafka and
# pkg-config for the Rust example's rdkafka (linked to Debian's library rather than built). Installs
# only what is missing. Then the Python and Go examples' pinned dependencies from PyPI and the Go
# proxy.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium librdkafka-dev pkg-config)
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

# The recommendations example's libraries (Flask, py-consul, pybreaker, SQLAlchemy, kafka-python, …),
# pinned, into the python3 first on PATH, which its test runs.
python3 -m pip install --quiet --root-user-action=ignore -r examples/python/requirements.txt
echo "python packages: examples/python/requirements.txt installed"
# The Go inventory example's modules, as pinned by its go.sum, from the Go proxy into the module
# cache its test's `go build` reads; the toolchain is the one in /usr/local/go (Debian's is too old).
(cd examples/go && "$(command -v /usr/local/go/bin/go || command -v go)" mod download)
echo "go modules: examples/go downloaded"
