#!/bin/sh
# Builds the anteroom binary exactly as the Docker image does: static (no
# cgo), reproducible paths, version stamped. The end-to-end test in
# cmd/anteroom builds with this script too, so the tests run the binary the
# image ships.
#   scripts/build.sh OUT [VERSION]
set -eu
out=${1:?usage: scripts/build.sh OUT [VERSION]}
version=${2:-devel}
cd "$(dirname "$0")/.."
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=${version}" -o "$out" ./cmd/anteroom
