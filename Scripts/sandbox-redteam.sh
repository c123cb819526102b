#!/usr/bin/env bash
# Red-team suite for assay-sandbox: builds the supervisor and runs every fixture of
# Sandboxes/redteam/ through `exec` and `serve` (Scripts/sandbox-redteam.py does the checks).
#   Scripts/sandbox-redteam.sh [--mode exec|serve|both] [-k NAME] [-v]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product assay-sandbox >/dev/null
swift build --product AssaySandboxChild >/dev/null
exec /usr/bin/python3 Scripts/sandbox-redteam.py "$@"
