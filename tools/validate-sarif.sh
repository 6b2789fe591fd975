#!/usr/bin/env bash
# Validates the SARIF report of the demo and of every fixture with Microsoft's SARIF
# validator (@microsoft/sarif-multitool, installed by `npm ci --prefix tools`), and fails
# on any error or warning it reports (its warnings are the SARIF best-practice rules).
set -euo pipefail
cd "$(dirname "$0")/.."

multitool=tools/node_modules/.bin/sarif-multitool
if [ ! -x "$multitool" ]; then
  echo "validate-sarif: $multitool is missing: run \`npm ci --prefix tools\`" >&2
  exit 1
fi

cargo build --locked -q -p trustlint
trustlint="$PWD/target/debug/trustlint"
out=target/sarif
rm -rf "$out"
mkdir -p "$out"

(cd fixtures/demo && "$trustlint" check . --format sarif --fail-on never --output "../../$out/demo.sarif")
for fixture in fixtures/TL*/bad/* fixtures/TL*/good/*; do
  name=$(echo "$fixture" | tr '/' '_')
  "$trustlint" check "$fixture" --format sarif --fail-on never --output "$out/$name.sarif"
done
count=$(ls "$out"/*.sarif | wc -l)

if ! "$multitool" validate "$out"/*.sarif --output "$out/validation.sarif" --log ForceOverwrite \
  >"$out/validation.txt" 2>&1; then
  cat "$out/validation.txt" >&2
  echo "validate-sarif: the validator failed" >&2
  exit 1
fi
if grep -E ": (error|warning) " "$out/validation.txt" >&2; then
  echo "validate-sarif: the SARIF reports above have errors or warnings" >&2
  exit 1
fi
if ! grep -q "Analysis completed successfully" "$out/validation.txt"; then
  cat "$out/validation.txt" >&2
  exit 1
fi
echo "validate-sarif: $count SARIF reports (demo and every fixture): no error, no warning"
