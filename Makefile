# make test is the single entry point; .ci/run calls it.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go

.PHONY: test check fmt-check vet gotest build bench bench-serve bench-ingest bench-scale

## test: gofmt check, go vet and the race-enabled test suite against a
## private redis-server that is started and stopped around them. Every step
## runs even if an earlier one fails (-k); the result fails if any did.
test:
	@./scripts/deps.sh
	@./scripts/with-redis.sh $(MAKE) --no-print-directory -k check

## check: the steps of test, against the Redis in SYNDICATE_TEST_REDIS_URL.
check: fmt-check vet gotest

fmt-check:
	@files="$$(find . -name '*.go' -not -path './.*' -not -path '*/testdata/*' -print0 | xargs -0 -r gofmt -l)"; \
	if [ -n "$$files" ]; then echo "gofmt: these files need formatting (run gofmt -w):"; echo "$$files"; exit 1; fi

vet:
	$(GO) vet ./...

# gotest: the race-enabled suite, then the parser's peak-heap test without
# -race (memory bounds mean nothing under the race detector, which skips it).
gotest:
	@if [ -z "$$SYNDICATE_TEST_REDIS_URL" ]; then echo "gotest: SYNDICATE_TEST_REDIS_URL is not set; run make test (it starts a private Redis)"; exit 1; fi
	$(GO) test -race -count=1 -shuffle=on ./...
	$(GO) test -count=1 -run '^TestRead_WorstShapesBounded$$' ./ingest/parse/

build:
	$(GO) build -o bin/syndicate ./cmd/syndicate

## bench: benchmarks only (no tests), with allocation counts.
bench:
	@./scripts/deps.sh
	@./scripts/with-redis.sh $(GO) test -run='^$$' -bench=. -benchmem ./...

## bench-serve: wrk load on a cached 50-item feed, both stores, with the Go
## and nginx floors in the same run (needs the benchmark kit in BENCH_KIT).
bench-serve:
	@./scripts/deps.sh
	@./scripts/bench-serve.sh both

## bench-ingest: 1,000 sources x 50 items, two passes, against the
## fetch+parse floor (needs the benchmark kit in BENCH_KIT).
bench-ingest:
	@./scripts/bench-ingest.sh

## bench-scale: cost as the site grows: stores of 1k, 100k and 500k
## articles (embedded and Redis), every route cached and uncached, deep
## pages, start-up, a mixed load's p99 and serve's memory, with the ratio
## between sizes. SIZES="1000 100000" for a shorter run.
bench-scale:
	@./scripts/deps.sh
	@./scripts/with-redis.sh ./scripts/bench-scale.sh $(SIZES)
