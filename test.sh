#!/usr/bin/env bash
# Install everything the tests need (venv, PostgreSQL) and run the whole suite.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh test
scripts/ensure-postgres.sh
exec .venv/bin/python -m pytest "$@"
