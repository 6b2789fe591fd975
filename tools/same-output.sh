#!/usr/bin/env bash
# Writes the JSON report of every fixture entry, every fixture folder and the shared
# corpus into DIR, one file each (findings sorted), so that two builds can be compared
# with `diff -r`: tools/same-output.sh BINARY DIR
set -euo pipefail
binary=$(realpath "$1")
out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
report() { # NAME PATH...
  local name=$1; shift
  (cd "$root" && "$binary" check --format json "$@" 2>/dev/null || true) \
    | python3 -c 'import json,sys
d=json.load(sys.stdin)
d["diagnostics"].sort(key=lambda f: json.dumps(f, sort_keys=True))
print(json.dumps(d, indent=1, sort_keys=True))' > "$out/$name.json"
}
cd "$root"
for entry in fixtures/*/bad/* fixtures/*/good/*; do
  report "$(echo "$entry" | tr / _)" "$entry"
done
for folder in fixtures/*/; do
  report "$(basename "$folder")" "$folder"
done
if [ -d ../shared/corpus ]; then
  report corpus ../shared/corpus
fi
