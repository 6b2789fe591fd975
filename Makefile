# trustlint — developer entry points. `make run` lints the demo, `make test` is what CI runs.
CARGO ?= cargo
TRUSTLINT = target/release/trustlint
TRUSTLINT_LOCAL = target/local/trustlint

.PHONY: run build local test lint fmt bench fuzz docs snapshots package

## Lint the bundled demo repository and show its findings. Built with the `local` profile
## (no LTO): a fresh clone is ready in under two minutes on two cores.
run: local
	cd fixtures/demo && ../../$(TRUSTLINT_LOCAL) check . ; test $$? -le 1

local:
	$(CARGO) build --profile local --locked -p trustlint --no-default-features

## The release binary (fat LTO, as `cargo install` and the container image build it).
build:
	$(CARGO) build --release --locked -p trustlint

## Every crate as crates.io would receive it, each built from its package.
package:
	$(CARGO) package --workspace --locked

## Everything CI checks: formatting, clippy with -D warnings, every test, and Microsoft's
## SARIF validator on the SARIF of the demo and of every fixture (installed from the npm
## registry into tools/node_modules on first use).
test: lint | tools/node_modules/.bin/sarif-multitool
	$(CARGO) test --workspace --locked
	tools/validate-sarif.sh

tools/node_modules/.bin/sarif-multitool:
	npm ci --prefix tools --no-audit --no-fund

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	python3 tools/import-cycles.py

fmt:
	$(CARGO) fmt --all

## Review changed insta snapshots (needs cargo-insta).
snapshots:
	$(CARGO) insta review

## Benchmarks: criterion benchmarks (one file of each kind, and the generated corpus, each
## against its parse-only floor), then the whole-process comparison on the generated
## corpus (bench/compare.py; BENCH_FILES=3000 sets the 1x corpus size) against
## parliament and checkov (installed from PyPI into target/bench-venv on first use), beside
## the floors under any tool: reading the files, and reading and parsing them
## (examples/walk_and_read.rs); then each input class of that corpus beside its parse
## floor (bench/compare.py --classes); last, the scale shapes (a flat Terraform root, one
## 25 000-statement policy, pipelines linked to the scan's roles, a 30 000-file mix),
## each beside its floor (bench/compare.py --shapes).
BENCH_FILES ?= 3000
bench: build
	$(CARGO) build --release --locked --example walk_and_read
	python3 bench/generate.py target/bench/corpus-$(BENCH_FILES) --files $(BENCH_FILES)
	TRUSTLINT_BENCH_CORPUS=$(CURDIR)/target/bench/corpus-$(BENCH_FILES) $(CARGO) bench --workspace --locked
	python3 bench/compare.py --files $(BENCH_FILES)
	python3 bench/compare.py --classes --files $(BENCH_FILES)
	python3 bench/compare.py --shapes --runs 1

## Fuzz every target for FUZZ_SECONDS each (default 60; see fuzz/run.sh).
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

## Regenerate docs/rules/ from rules/ (a test checks they are up to date), then the API docs.
docs:
	TRUSTLINT_WRITE_DOCS=1 $(CARGO) test --locked -p trustlint --test docs
	$(CARGO) doc --workspace --no-deps
