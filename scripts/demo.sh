#!/usr/bin/env bash
# The README's main command. Sets up a fresh machine, then runs the demo: today, `gw inspect`
# decoding a real nginx → FastCGI capture that ships with @gw/cli.
set -euo pipefail
cd "$(dirname "$0")/.."
GW_SKIP_APT=${GW_SKIP_APT:-1} bash scripts/setup.sh >&2
exec node packages/cli/dist/bin.js inspect --protocol fastcgi --direction to-app packages/cli/captures/nginx-fastcgi-get.bin
