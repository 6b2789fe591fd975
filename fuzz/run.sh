#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (`make fuzz`): seeds fuzz/corpus/<target>/
# from fixtures/ and the shared corpus, runs cargo-fuzz on the stable toolchain
# (RUSTC_BOOTSTRAP=1 unlocks the -Z sanitizer flags it passes), and prints executions
# and crashes per target. Exits non-zero when a target crashed.
#
#   FUZZ_SECONDS   time per target (default 60)
#   FUZZ_TARGETS   targets to run (default: json yaml policy check rules_if terraform vault gcp_cel azure_expression)
#   FUZZ_MAX_LEN   largest input libFuzzer generates, in bytes (default 16384)
#   FUZZ_SANITIZER address (default) or none (faster, finds panics/overflows/hangs only)
#   FUZZ_CORPUS    the shared corpus (default ../shared/corpus beside the checkout)
set -uo pipefail

cd "$(dirname "$0")/.."
root=$PWD
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-json yaml policy check rules_if terraform vault gcp_cel azure_expression}
max_len=${FUZZ_MAX_LEN:-16384}
sanitizer=${FUZZ_SANITIZER:-address}
shared=${FUZZ_CORPUS:-$root/../shared/corpus}
logs=$root/fuzz/artifacts
# Seeds larger than this only slow the fuzzer down (libFuzzer truncates them anyway).
max_seed_bytes=65536

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: installing it (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --locked || { echo "cannot install cargo-fuzz" >&2; exit 2; }
fi

# Seed files for a target, from fixtures/ and the shared corpus (when present).
seeds() {
    local patterns
    case $1 in
        json | policy) patterns=(-name '*.json') ;;
        yaml) patterns=(-name '*.yml' -o -name '*.yaml') ;;
        check) patterns=(-name '*.json' -o -name '*.yml' -o -name '*.yaml' -o -name '*.tf') ;;
        terraform) patterns=(-name '*.tf') ;;
        vault) patterns=(-name '*.sh' -o -name '*.json') ;;
        rules_if) return ;; # seeded with expressions below
    esac
    local dirs=("$root/fixtures")
    if [ -d "$shared" ]; then
        dirs+=("$shared")
    else
        echo "note: no shared corpus at $shared; seeding from fixtures/ only" >&2
    fi
    find "${dirs[@]}" -type f \( "${patterns[@]}" \) -size -"$max_seed_bytes"c
}

mkdir -p "$logs"
export RUSTC_BOOTSTRAP=1
status=0
summary=()
for target in $targets; do
    corpus=$root/fuzz/corpus/$target
    mkdir -p "$corpus"
    # Seeds are copied by content hash, so re-running adds nothing twice.
    while IFS= read -r seed; do
        cp "$seed" "$corpus/seed-$(sha1sum <"$seed" | cut -c1-16)"
    done < <(seeds "$target"; find "$root/fuzz/regressions" -type f ! -name '*.md')
    if [ "$target" = rules_if ]; then
        # Every distinct `if:` value of the YAML seeds, one expression per seed file.
        seeds yaml | xargs -r sed -n 's/^[[:space:]-]*if:[[:space:]]*//p' | sort -u |
            while IFS= read -r expression; do
                printf '%s' "$expression" >"$corpus/seed-$(printf '%s' "$expression" | sha1sum | cut -c1-16)"
            done
    fi
    log=$logs/$target.log
    echo "== fuzz $target for ${seconds}s ($(ls "$corpus" | wc -l) inputs in corpus, log $log)"
    (cd fuzz && cargo fuzz run --sanitizer "$sanitizer" --debug-assertions "$target" \
        "$corpus" -- -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=4096 -print_final_stats=1) >"$log" 2>&1
    code=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ "$code" -eq 0 ]; then
        summary+=("$target: ${runs:-?} executions in ${seconds}s, no crash")
    else
        status=1
        artifact=$(grep -o 'Test unit written to .*' "$log" | tail -1)
        summary+=("$target: FAILED (exit $code) after ${runs:-?} executions; ${artifact:-see $log}")
        tail -30 "$log"
    fi
done
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit "$status"
