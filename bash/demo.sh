#!/usr/bin/env bash
# The main job end to end on the embedded default (a local anvil): installs what it needs, then runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash bash/setup.sh
exec .venv/bin/python -m vlayer.demo "$@"
