# Cognate — make run (local server), make test (everything, on a fresh machine).
SHELL := /bin/bash
GO ?= go
NODE_DIR := infra/node
FUZZTIME ?= 10000x
export GOFLAGS ?= -mod=mod

.PHONY: help generate run build build-local build-lambdas deploy invoke invoke-local FORCE test test-go test-fuzz vet lint lint-templates deps node-deps cli-deps java-deps browser-deps screenshots clean bench

help: ## list targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-12s %s\n", $$1, $$2}'

run: ## start the local server on 127.0.0.1:9229 with a ready pool (data in .cognate/)
	$(GO) run ./cmd/cognate serve $(ARGS)

build: build-local build-lambdas ## the local binary (bin/cognate) and every Lambda bootstrap (build/<LogicalId>/bootstrap)

build-local:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/cognate ./cmd/cognate

# Lambda functions: template.yaml logical id -> package. `sam build` runs build-<LogicalId> with
# ARTIFACTS_DIR set (Metadata.BuildMethod: makefile); `make build` builds them all under build/.
FUNCTIONS := SignupFunction=signup AuthFunction=auth TokenFunction=token AccountFunction=account \
	AdminFunction=admin OAuthFunction=oauth AuthorizerFunction=authorizer \
	PreSignUpAllowlistFunction=hooks/pre-signup-allowlist CustomMessageBrandedFunction=hooks/custom-message \
	PreTokenClaimsFunction=hooks/pre-token-claims PostConfirmationWelcomeFunction=hooks/post-confirmation-welcome \
	UserMigrationLegacyFunction=hooks/user-migration EmailOtpDefineFunction=hooks/email-otp-define \
	EmailOtpCreateFunction=hooks/email-otp-create EmailOtpVerifyFunction=hooks/email-otp-verify \
	RotateKeysFunction=rotate-keys
LAMBDA_FLAGS := -trimpath -tags lambda.norpc -buildvcs=false -ldflags='-s -w -buildid='
fn_pkg = $(patsubst $(1)=%,%,$(filter $(1)=%,$(FUNCTIONS)))

build-lambdas: $(foreach f,$(FUNCTIONS),build/$(firstword $(subst =, ,$(f)))/bootstrap)

build/%/bootstrap: FORCE
	@mkdir -p $(dir $@)
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $@ ./functions/$(call fn_pkg,$*)

build-%Function:
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(call fn_pkg,$*Function)

STAGE ?= dev
deploy: ## sam build and sam deploy (STAGE=dev|prod; needs the SAM CLI and AWS credentials)
	sam build
	sam deploy --config-env $(STAGE)

invoke: ## sam local invoke FN=<LogicalId> EVENT=events/<function>/<case>.json (needs SAM and Docker; events/env.json points it at local emulators)
	sam build $(FN)
	sam local invoke $(FN) -e $(EVENT) $(if $(ENV_VARS),--env-vars $(ENV_VARS))

# The same without SAM or Docker: FN's own binary under the AWS Lambda Runtime Interface
# Emulator, with the emulators its role talks to, the state the event assumes made first
# (pkg/awsapp TestInvokeLocal); prints what the function answered.
invoke-local: node-deps java-deps ## run FN=<LogicalId> EVENT=events/<dir>/<case>.json locally under the Lambda emulator, no Docker
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke-local FN=<LogicalId> EVENT=events/<dir>/<case>.json"; exit 2; }
	@out=$$(mktemp) && log=$$(mktemp) && trap 'rm -f $$out $$log' EXIT && \
	  COGNATE_INVOKE_FN=$(FN) COGNATE_INVOKE_EVENT=$(abspath $(EVENT)) COGNATE_INVOKE_OUT=$$out \
	  COGNATE_REQUIRE_LAMBDA=1 COGNATE_REQUIRE_DYNAMODB=1 COGNATE_REQUIRE_KMS=1 \
	  $(GO) test -count=1 -run '^TestInvokeLocal$$' ./pkg/awsapp >$$log 2>&1 || \
	  { grep -v '^\s*\(START\|END\|REPORT\) RequestId' $$log | tail -40; echo "make invoke-local: $(FN) did not answer"; exit 1; }; \
	  cat $$out

FORCE:

generate: ## regenerate the edge router (infra/edge) from the operation table and inline it into template.yaml
	$(GO) generate ./pkg/edge
	$(GO) run ./infra/sam/inject

deps: node-deps cli-deps java-deps ## install what the tests need
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

java-deps: ## Java 17+ for DynamoDB Local (the dynamo store tests)
	@if java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Java 17 (apt-get install openjdk-17-jre-headless)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless) >/dev/null; \
	else echo "Java 17 is needed for DynamoDB Local (apt-get install openjdk-17-jre-headless)"; exit 1; fi

browser-deps: ## Debian's Chromium (and a Japanese font), and openssl, for the browser tests
	@if /usr/bin/chromium --version 2>/dev/null | grep -q Chromium && command -v openssl >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Chromium and openssl (apt-get install chromium fonts-ipafont-gothic openssl)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-ipafont-gothic openssl) >/dev/null; \
	else echo "Chromium is needed at /usr/bin/chromium, and openssl (apt-get install chromium openssl)"; exit 1; fi

screenshots: node-deps browser-deps ## the hosted pages as the browser tests pass them -> docs/oauth/*.png
	COGNATE_REQUIRE_CLIENTS=1 COGNATE_SCREENSHOTS=$(CURDIR)/docs/oauth $(GO) test -count=1 -run '^TestBrowser$$' ./cmd/cognate

vet: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# staticcheck and errcheck at the versions pinned by the `tool` lines of infra/lint/go.mod, a
# module of its own so they never enter Cognate's go.mod. `go tool -n` builds each one there
# (cached) and prints its path; the linters then run here, on Cognate's packages.
# infra/lint/errcheck.exclude lists the few calls whose errors may go unchecked, and why.
LINT_TOOL = $$(cd infra/lint && GOWORK=off GOFLAGS=-mod=readonly $(GO) tool -n $(1))
lint: ## gofmt, staticcheck and errcheck (pinned in infra/lint/go.mod) on the whole tree
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt -w these files:"; echo "$$unformatted"; exit 1; fi
	staticcheck=$(call LINT_TOOL,staticcheck) && $$staticcheck ./...
	errcheck=$(call LINT_TOOL,errcheck) && $$errcheck -exclude infra/lint/errcheck.exclude ./...

# CloudFormation's own checks (the SAM transform included) on the deployable templates. Not part of
# `make test`: cfn-lint is a Python tool (pip install cfn-lint), not one of the test dependencies.
lint-templates: ## cfn-lint template.yaml and infra/sam/sample-api.yaml (needs cfn-lint)
	@command -v cfn-lint >/dev/null || { echo "cfn-lint is needed (pip install cfn-lint)"; exit 1; }
	cfn-lint template.yaml infra/sam/sample-api.yaml

test-go: node-deps cli-deps java-deps browser-deps ## unit, store conformance, API and JavaScript-client tests, with the race detector
	COGNATE_REQUIRE_CLIENTS=1 COGNATE_REQUIRE_DYNAMODB=1 COGNATE_REQUIRE_KMS=1 COGNATE_REQUIRE_LAMBDA=1 $(GO) test -race -count=1 ./...

test-fuzz: ## short runs of every fuzz target (seed corpora are in testdata/fuzz)
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

test: deps vet lint build-lambdas test-go test-fuzz ## everything CI runs
	@echo "make test: all suites passed"

# Load, cost and crypto benchmarks (issue 6): builds bin/cognate and bin/loadgen, which starts
# `cognate serve`, cognito-local and DynamoDB Local on loopback ports itself and writes
# docs/benchmarks.md, its plots and docs/benchmarks/results.json. About 15 minutes on 2 cores;
# BENCH_QUICK=1 is a smoke run of a minute or two. BENCH_ARGS passes loadgen flags (-h lists them);
# BENCH_ARGS='-only triggers' measures the sign-in with triggers alone (issue 12; it builds the
# Lambda Runtime Interface Emulator from infra/lambda/rie and bench/cmd/benchhook) and replaces that
# section of the saved results.json before rendering the report again; BENCH_ARGS='-only oauth'
# does the same for the OAuth 2.0 token endpoint and hosted sign-in section (issue 14), about three
# minutes (-oauth-rounds interleaved rounds, 3 by default).
bench: build-local node-deps java-deps ## speed, cost and scale against cognito-local and the crypto limit -> docs/benchmarks.md (BENCH_QUICK=1: smoke run)
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/loadgen ./bench/cmd/loadgen
	bin/loadgen -cognate bin/cognate -node-dir $(NODE_DIR) -out docs/benchmarks -report docs/benchmarks.md $(if $(filter 1,$(BENCH_QUICK)),-quick) $(BENCH_ARGS)

clean:
	rm -rf bin build .cognate .aws-sam
