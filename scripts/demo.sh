#!/usr/bin/env bash
# The README's main command. Sets up a fresh machine (pnpm, dependencies, build; nginx too when
# run as root), then runs the demo: an Express app served by `gw serve` over FastCGI, SCGI and
# uwsgi on unix sockets, fronted by gw's own proxy and, when nginx is installed, by nginx.
# Ctrl-C stops everything and removes the sockets.
set -euo pipefail
cd "$(dirname "$0")/.."
GW_APT_ONLY=${GW_APT_ONLY:-nginx} bash scripts/setup.sh >&2
exec node packages/demo/demo.mjs "$@"
