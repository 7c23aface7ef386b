#!/bin/sh
# Applies changed secrets (signing keys first of all) to a running compose stack
# without dropping a connection:
#   1. the nginx-config one-shot renders nginx's config again from the current
#      secrets and .env (and refuses a bad configuration: then nothing changes);
#   2. every validating nginx reloads gracefully (SIGHUP: old workers finish their
#      downloads, new ones use the new keys) and must show the new generation. The
#      signal is sent from inside the container: a `docker kill -s HUP` counts as a
#      manual stop on some engines and would switch the restart policy off;
#   3. the auth replicas restart one at a time, each back to healthy before the
#      next (with one replica, /v1/ answers 502 for those few seconds; media never stops).
# Run it from the checkout with the same .env as `docker compose up`.
#   usage: sh deploy/compose/reload.sh
set -eu
cd "$(dirname "$0")/../.."
say() { printf '[reload] %s\n' "$*"; }
ids() { docker compose ps -q "$1" 2>/dev/null || true; }

wait_for() { # description, deadline in seconds, command...
    what=$1 deadline=$(( $(date +%s) + $2 )); shift 2
    until "$@"; do
        [ "$(date +%s)" -lt "$deadline" ] || { say "gave up waiting for $what"; exit 1; }
        sleep 1
    done
}
generation() { docker exec "$1" wget -q -O - http://127.0.0.1:8080/healthz 2>/dev/null | sed -n 's/.*"generation":"\([^"]*\)".*/\1/p'; }
changed() { [ "$(generation "$1")" != "$2" ]; }
healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$1")" = healthy ]; }

say "rendering nginx's config from the current configuration"
docker compose run --rm --no-deps nginx-config >/dev/null

# The validating nginx: the `origin` replicas in the scale-out layout, else `nginx`.
origins=$(ids origin)
[ -n "$origins" ] || origins=$(ids nginx)
for id in $origins; do
    before=$(generation "$id")
    docker exec "$id" sh -c 'kill -HUP 1'
    wait_for "nginx $id to load the new config (a refused one is in its error.log)" 30 changed "$id" "$before"
    say "nginx $id reloaded (generation $(generation "$id"))"
done

for id in $(ids auth); do
    docker restart "$id" >/dev/null
    wait_for "auth $id to be healthy" 120 healthy "$id"
    say "auth $id restarted and healthy"
done
say "done"
