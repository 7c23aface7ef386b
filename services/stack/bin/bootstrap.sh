#!/bin/sh
# Installs whatever the local stack needs and is missing; a few seconds when all
# is present. Used by `npm start` and `npm test` (with --test: test tools too).
#   Debian packages: nginx, its njs module, the njs CLI, ffmpeg, PostgreSQL (the
#   stack runs its own cluster under its data folder)
#   MinIO server and mc client: built from pinned versions with `go install` into
#   $VIDGATE_CACHE_DIR/bin (default ~/.cache/vidgate/bin), unless on PATH already
#   npm dependencies: `npm ci` when node_modules is missing or older than the lockfile
#   with --test also: Debian packages libnginx-mod-stream chromium prometheus wrk curl
#   openssl docker.io debootstrap (the Docker engine the compose tests start, and
#   what builds their stand-in images), and Docker Compose v2, built from its Go
#   module into $VIDGATE_CACHE_DIR/docker/cli-plugins (Debian does not package it)
set -eu

# Pinned: the last MinIO server and mc commits the Go module proxy serves.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
MC_VERSION=v0.0.0-20250313080218-cf909e1063a9
COMPOSE_VERSION=v2.40.3

cd "$(dirname "$0")/../../.."
say() { printf '[bootstrap] %s\n' "$*"; }
cache="${VIDGATE_CACHE_DIR:-$HOME/.cache/vidgate}"
cache_bin="$cache/bin"

packages="nginx libnginx-mod-http-js njs ffmpeg postgresql"
[ "${1:-}" = "--test" ] && packages="$packages libnginx-mod-stream chromium prometheus wrk curl openssl docker.io debootstrap"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    # The stack runs PostgreSQL with a cluster of its own: Debian need not make and start its "main" one.
    if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
        $sudo mkdir -p /etc/postgresql-common
        echo 'create_main_cluster = false' | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
    fi
    say "installing Debian packages:$missing (apt-get update first)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
    say "Debian packages installed"
fi

build_go_tool() { # name module version
    [ -x "$cache_bin/$1" ] && return
    # A program of that name on PATH counts only if it is MinIO's (Debian's mc is Midnight Commander).
    if command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qi minio; then return; fi
    command -v go >/dev/null 2>&1 || { say "Go is required to build $1 (go install $2@$3)"; exit 1; }
    say "building $1 from source with go install (pinned $3; a few minutes on a cold machine, cached in $cache_bin afterwards)"
    start=$(date +%s)
    mkdir -p "$cache_bin"
    GOBIN="$cache_bin" GOFLAGS=-trimpath go install "$2@$3"
    say "built $1 in $(( $(date +%s) - start )) s"
}
build_go_tool minio github.com/minio/minio "$MINIO_VERSION"
build_go_tool mc github.com/minio/mc "$MC_VERSION"

# Compose v2's go.mod has exclude directives, which `go install pkg@version`
# refuses: download the module and build its cmd package instead.
build_compose() {
    plugin="$cache/docker/cli-plugins/docker-compose"
    [ -x "$plugin" ] && "$plugin" version 2>/dev/null | grep -q "$COMPOSE_VERSION" && return
    command -v go >/dev/null 2>&1 || { say "Go is required to build Docker Compose $COMPOSE_VERSION"; exit 1; }
    say "building Docker Compose $COMPOSE_VERSION from its Go module (about 4 minutes on a cold machine, cached in $(dirname "$plugin") afterwards)"
    start=$(date +%s)
    src=$(cd "${TMPDIR:-/tmp}" && go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    [ -d "$src" ] || { say "go mod download gave no folder for github.com/docker/compose/v2@$COMPOSE_VERSION"; exit 1; }
    work=$(mktemp -d)
    cp -R "$src/." "$work"
    chmod -R u+w "$work"
    mkdir -p "$(dirname "$plugin")"
    (cd "$work" && GOFLAGS=-trimpath go build -ldflags "-X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" -o "$plugin" ./cmd)
    rm -rf "$work"
    say "built Docker Compose in $(( $(date +%s) - start )) s"
}
[ "${1:-}" = "--test" ] && build_compose

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
fi
