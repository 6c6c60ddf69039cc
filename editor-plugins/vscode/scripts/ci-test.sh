#!/usr/bin/env bash
# Builds, packages and tests the VS Code extension (ctest runs this). Exits 77 (skipped)
# when npm is missing or the npm registry cannot be reached; any other failure fails.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "npm not installed: skipped"; exit 77; }
npm ping >/dev/null 2>&1 || { echo "npm registry unreachable: skipped"; exit 77; }
npm ci --no-audit --no-fund
npm run build
npm run package
npm test
