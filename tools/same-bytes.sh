#!/usr/bin/env bash
# Compares two builds' reports byte for byte: every format (human, JSON, SARIF, code
# quality, GitLab SAST with its start and end times masked) of every fixture folder, of
# ../shared/corpus and of each class of the generated corpus when it was written
# (target/bench/corpus-3000), stderr included. Prints each difference and a count; exits 1
# when any differs: tools/same-bytes.sh BASE_BINARY NEW_BINARY
set -uo pipefail
base=$(realpath "$1")
new=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
compared=0
differ=0
render() { # BINARY NAME FORMAT PATH
  (cd "$root" && "$1" check "$4" --format "$3" --fail-on never 2>"$work/$2.err") \
    | sed -E 's/"(start|end)_time": "[^"]*"/"\1_time": "T"/' >"$work/$2.out"
}
compare() { # LABEL PATH
  for format in human json sarif codequality gitlab-sast; do
    render "$base" base "$format" "$2"
    render "$new" new "$format" "$2"
    compared=$((compared + 1))
    if ! cmp -s "$work/base.out" "$work/new.out" || ! cmp -s "$work/base.err" "$work/new.err"; then
      echo "differs: $1 ($format)"
      differ=$((differ + 1))
    fi
  done
}
cd "$root"
for folder in fixtures/*/; do
  compare "$folder" "$folder"
done
if [ -d ../shared/corpus ]; then
  compare corpus ../shared/corpus
else
  echo "../shared/corpus is absent: not compared"
fi
for class in trust permissions terraform pipelines; do
  if [ -d "target/bench/corpus-3000/$class" ]; then
    compare "generated $class" "target/bench/corpus-3000/$class"
  fi
done
echo "$compared reports compared, $differ differ"
[ "$differ" -eq 0 ]
