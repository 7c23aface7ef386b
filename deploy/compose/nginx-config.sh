#!/bin/sh
# The compose stack's nginx-config one-shot, and its configuration gate.
#  1. Refuses CHANGE_ME placeholders in its mounted secrets in production.
#  2. Runs `vidgate render-nginx`, which parses nginx's part of the configuration
#     (services/stack/src/nginx-config.ts: the signing keys and nginx's read-only
#     MinIO user, nothing else; production refuses dev defaults and placeholders)
#     and renders nginx's config, njs and pages into $VIDGATE_NGINX_OUT, the
#     volume nginx mounts at /etc/nginx/vidgate. Every service checks its own part
#     when it starts.
# VIDGATE_TLS=on adds the HTTPS server (nginx/tls.conf.template); its certificate
# and key must be in $VIDGATE_TLS_CERTS. In the container the folders are fixed
# (out: /srv/vidgate-nginx, certificates: /etc/nginx/certs, secrets: /run/secrets);
# test/deploy/nginx-configs.test.ts points VIDGATE_NGINX_OUT, VIDGATE_TLS_CERTS and
# VIDGATE_SECRETS_MOUNT at its own, and passes extra render-nginx arguments
# (--mount, --run-dir, --log-dir) to render for a local nginx.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${VIDGATE_NGINX_OUT:-/srv/vidgate-nginx}
certs=${VIDGATE_TLS_CERTS:-/etc/nginx/certs}
secrets=${VIDGATE_SECRETS_MOUNT:-/run/secrets}
fail() { echo "nginx-config: $*" >&2; exit 2; }

if [ "${VIDGATE_ENV:-production}" = production ] && [ -d "$secrets" ]; then
    for file in "$secrets"/*; do
        [ -f "$file" ] || continue
        case "$(head -c 9 "$file")" in
            CHANGE_ME) fail "secret $(basename "$file") still holds its CHANGE_ME placeholder; run deploy/compose/make-secrets.sh and point VIDGATE_SECRETS_DIR at its folder" ;;
        esac
    done
fi

case "${VIDGATE_TLS:-off}" in
    on)
        for file in tls.crt tls.key; do
            [ -r "$certs/$file" ] || fail "VIDGATE_TLS=on but $file is not in VIDGATE_TLS_DIR (mounted at $certs)"
        done
        set -- "$@" --extra "$here/nginx/tls.conf.template" ;;
    off) ;;
    *) fail "VIDGATE_TLS must be on or off, not \"$VIDGATE_TLS\"" ;;
esac
if [ -n "${VIDGATE_NGINX_WORKERS:-}" ]; then set -- "$@" --workers "$VIDGATE_NGINX_WORKERS"; fi

exec node "$here/../../services/stack/bin/vidgate.js" render-nginx --out "$out" "$@"
