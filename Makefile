# goalstream developer tasks. `make help` lists them.
.DEFAULT_GOAL := help
.PHONY: help demo test lint fmt bench bench-flush migrate kafka-up kafka-down up down ci load-smoke load

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

demo: ## run the demo (starts local Postgres if needed)
	scripts/demo.sh

test: ## unit + integration tests on real Postgres (the README's test command)
	scripts/test.sh

lint: ## rustfmt check and clippy with warnings as errors
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

fmt: ## format the code
	cargo fmt --all

bench: ## criterion benches
	cargo bench

bench-flush: ## flush strategies side by side (table; add ARGS=--json for JSON)
	cargo run --release --bin goalstream -- bench flush $(ARGS)

migrate: ## apply migrations to $$DATABASE_URL (default: local goalstream database)
	cargo run --release --bin goalstream -- migrate

load-smoke: ## smoke load tier + short chaos scenarios, each with a verdict (CI gate)
	scripts/load-smoke.sh

load: ## a load tier, release build (PROFILE=smoke|normal|peak|endurance, ARGS=...)
	cargo run --release --bin goalstream -- load --profile $(or $(PROFILE),smoke) $(ARGS)

kafka-up: ## start the local Kafka-protocol test broker (tansu)
	scripts/kafka-up.sh --topic game.telemetry:4

kafka-down: ## stop it
	scripts/kafka-down.sh

up: ## the whole stack in Docker: Postgres, Kafka, goalstream, producer, Prometheus, Grafana
	docker compose up --build

down: ## stop it
	docker compose down

ci: ## what CI runs
	bash .ci/run
