#!/usr/bin/env bash
# Sets up a fresh machine for gw: Debian packages for the interop tests (as root, never started as
# services), pnpm, the workspace's dependencies, and a build of every package.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2

install_debian_packages() {
  command -v apt-get >/dev/null 2>&1 || { echo "setup: no apt-get; skipping Debian packages (interop tests will skip)"; return; }
  [ "$(id -u)" = 0 ] || { echo "setup: not root; skipping Debian packages"; return; }
  local missing=()
  # GW_APT_ONLY="nginx …" narrows the list (the demo needs only nginx); default: every package
  # the interop tests and benchmarks use.
  local wanted
  if [ -n "${GW_APT_ONLY:-}" ]; then wanted=$(printf '%s\n' $GW_APT_ONLY); else wanted=$(cat scripts/apt-packages.txt); fi
  while read -r pkg; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done <<< "$wanted"
  [ ${#missing[@]} -eq 0 ] && return
  echo "setup: installing ${missing[*]}"
  # Keep the packages' postinst scripts from starting system services on the default ports.
  local own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ $own_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

pnpm_cmd() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
    pnpm "$@"
  else
    npx -y "pnpm@$PNPM_VERSION" "$@"
  fi
}

if [ "${GW_SKIP_APT:-0}" != 1 ]; then install_debian_packages; fi
pnpm_cmd install --frozen-lockfile
pnpm_cmd run build
