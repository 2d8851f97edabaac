#!/usr/bin/env bash
# local-kms.sh — build or run the KMS emulator the tests use (github.com/nsmithuk/local-kms,
# pinned in infra/kms/emulator/go.mod and fetched through the Go module proxy).
#
#   infra/kms/local-kms.sh build [OUT]   build the binary to OUT (default: bin/local-kms)
#   infra/kms/local-kms.sh run           build, then run it in the foreground on 127.0.0.1:$PORT
#                                        (default 4599) with its data in a temporary directory and
#                                        the keys of $KMS_SEED_PATH (default none; env-seed.yaml
#                                        holds the key events/env.json names)
#   infra/kms/local-kms.sh warm          build it where the Go tests look for it (the user cache
#                                        directory), e.g. from `make deps`
#
# The Go tests do not need this script: infra/kms/localkms builds and starts the emulator itself.
# Point any AWS client at it with --endpoint-url http://127.0.0.1:$PORT, region us-east-1, and
# any credentials.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

build() {
  local out="$1"
  mkdir -p "$(dirname "$out")"
  (cd "$here/emulator" && GOWORK=off GOFLAGS='-mod=readonly -buildvcs=false' CGO_ENABLED=0 \
    go build -trimpath -o "$out" github.com/nsmithuk/local-kms)
}

case "${1:-}" in
  build)
    out="${2:-$root/bin/local-kms}"
    build "$out"
    echo "$out"
    ;;
  run)
    bin="$(mktemp -d)/local-kms"
    build "$bin"
    data="$(mktemp -d)"
    trap 'rm -rf "$data" "$(dirname "$bin")"' EXIT
    echo "local-kms on http://127.0.0.1:${PORT:-4599} (data in $data); Ctrl-C stops it" >&2
    PORT="${PORT:-4599}" KMS_DATA_PATH="$data" KMS_SEED_PATH="${KMS_SEED_PATH:-$data/no-seed.yaml}" \
      KMS_REGION="${KMS_REGION:-us-east-1}" KMS_ACCOUNT_ID="${KMS_ACCOUNT_ID:-111122223333}" "$bin"
    ;;
  warm)
    # The smoke test builds the binary into the cache the tests use, then exercises it once.
    cd "$root" && COGNATE_REQUIRE_KMS=1 go test -count=1 ./infra/kms/localkms/
    ;;
  *)
    sed -n '2,14p' "$0" >&2
    exit 2
    ;;
esac
