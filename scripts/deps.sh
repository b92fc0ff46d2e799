#!/usr/bin/env bash
# deps.sh — install the system packages that building and testing goalstream need, once.
#
# Usage: scripts/deps.sh
#
# Debian/Ubuntu: apt-get installs what is missing and does nothing when everything is there
# (so it is fast to call from scripts/test.sh, scripts/demo.sh and .ci/run):
#   build:  pkg-config, libssl-dev (librdkafka's TLS/SASL and Postgres TLS), zlib1g-dev,
#           make and g++ (rdkafka-sys builds librdkafka from source), python3-venv
#           (scripts/kafka-up.sh puts the tansu test broker in a venv; it pip-installs it there)
#   tests:  openssl (the tests make their own CAs), stunnel4 (TLS in front of the test broker),
#           chromium and chromium-driver (tests/console_ui.rs drives the web UI in headless
#           Chromium over WebDriver)
# Elsewhere it prints what to install and exits 0; the build or the tests then say what is
# missing. Runs apt-get directly as root, through `sudo -n` otherwise (never prompts).
set -euo pipefail

packages=(pkg-config libssl-dev zlib1g-dev make g++ python3-venv openssl stunnel4 chromium
  chromium-driver)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "deps.sh: not a Debian-like system; install: ${packages[*]}" >&2
  exit 0
fi
missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  run=()
elif sudo -n true 2>/dev/null; then
  run=(sudo -n)
else
  echo "deps.sh: missing ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq >&2
"${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
