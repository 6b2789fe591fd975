# trustlint — developer entry points. `make run` lints the demo, `make test` is what CI runs.
CARGO ?= cargo
TRUSTLINT = target/release/trustlint

.PHONY: run build test lint fmt bench fuzz docs snapshots

## Lint the bundled demo repository and show its findings.
run: build
	cd fixtures/demo && ../../$(TRUSTLINT) check . ; test $$? -le 1

build:
	$(CARGO) build --release --locked -p trustlint

## Everything CI checks: formatting, clippy with -D warnings, every test.
test: lint
	$(CARGO) test --workspace --locked

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

## Review changed insta snapshots (needs cargo-insta).
snapshots:
	$(CARGO) insta review

## Benchmarks (criterion).
bench:
	$(CARGO) bench --workspace --locked

docs:
	$(CARGO) doc --workspace --no-deps
