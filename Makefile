# Cognate — make run (local server), make test (everything, on a fresh machine).
SHELL := /bin/bash
GO ?= go
NODE_DIR := infra/node
FUZZTIME ?= 5s
export GOFLAGS ?= -mod=mod

.PHONY: help run build test test-go test-fuzz vet deps node-deps cli-deps clean

help: ## list targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-12s %s\n", $$1, $$2}'

run: ## start the local server on 127.0.0.1:9229 with a ready pool (data in .cognate/)
	$(GO) run ./cmd/cognate serve $(ARGS)

build: ## build the local binary into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/cognate ./cmd/cognate

deps: node-deps cli-deps ## install what the tests need
	$(GO) mod download

node-deps: $(NODE_DIR)/node_modules/.installed

$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@command -v node >/dev/null || { echo "node is required (apt-get install nodejs npm)"; exit 1; }
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

cli-deps: ## the AWS CLI v2 (Debian's awscli package) for the CLI test
	@if /usr/bin/aws --version 2>/dev/null | grep -q '^aws-cli/2\.'; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing the AWS CLI v2 (apt-get install awscli)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli) >/dev/null; \
	else echo "the AWS CLI v2 is needed at /usr/bin/aws (apt-get install awscli)"; exit 1; fi

vet: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test-go: node-deps cli-deps ## unit, store conformance, API and JavaScript-client tests, with the race detector
	COGNATE_REQUIRE_CLIENTS=1 $(GO) test -race -count=1 ./...

test-fuzz: ## short runs of every fuzz target (seed corpora are in testdata/fuzz)
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

test: deps vet test-go test-fuzz ## everything CI runs
	@echo "make test: all suites passed"

clean:
	rm -rf bin .cognate
