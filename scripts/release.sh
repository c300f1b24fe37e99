#!/usr/bin/env bash
# Builds tend's release binaries: stripped (-s -w), without local paths
# (-trimpath), with the version, commit and build date that `tend version`
# and GET /v1/version print. cgo stays on: `tend review`'s tree-sitter
# grammars are C (docs/review.md#building-cgo-and-a-c-compiler); for
# another platform give a C cross compiler in CC, or CGO_ENABLED=0 for a
# static tend without `tend review`.
#
#   scripts/release.sh                         # this machine's GOOS/GOARCH into dist/
#   PLATFORMS=linux/arm64 CC=aarch64-linux-gnu-gcc VERSION=v1.2.0 scripts/release.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
COMMIT="${COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
DATE="${DATE:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}"
PLATFORMS="${PLATFORMS:-$(go env GOOS)/$(go env GOARCH)}"
OUT="${OUT:-dist}"
pkg=github.com/tendhq/tend/internal/buildinfo
mkdir -p "$OUT"
for p in $PLATFORMS; do
  os="${p%/*}" arch="${p#*/}"
  bin="$OUT/tend-$VERSION-$os-$arch"
  [ "$os" = windows ] && bin="$bin.exe"
  CGO_ENABLED="${CGO_ENABLED:-1}" GOOS="$os" GOARCH="$arch" go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X $pkg.Version=$VERSION -X $pkg.Commit=$COMMIT -X $pkg.Date=$DATE" \
    -o "$bin" ./cmd/tend
  ( cd "$OUT" && sha256sum "$(basename "$bin")" > "$(basename "$bin").sha256" )
  printf '%s\t%s bytes\n' "$bin" "$(stat -c %s "$bin" 2>/dev/null || stat -f %z "$bin")"
done
