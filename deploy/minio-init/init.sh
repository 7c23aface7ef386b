#!/bin/sh
# Prepares a MinIO deployment for Vidgate; idempotent. Run by the local stack
# (services/stack) and by the compose init container, with the same inputs:
#   MINIO_ENDPOINT, MINIO_ROOT_USER, MINIO_ROOT_PASSWORD, VIDGATE_BUCKET,
#   VIDGATE_NGINX_S3_ACCESS_KEY/_SECRET, VIDGATE_AUTH_S3_ACCESS_KEY/_SECRET,
#   VIDGATE_TRANSCODER_S3_ACCESS_KEY/_SECRET (each secret may instead come from
#   <NAME>_FILE), MC (default: mc).
# Creates the bucket with no anonymous access, one policy per service and one
# user per service bound to it, and the bucket notification that tells the
# transcoder an upload landed (the webhook target itself, MINIO_NOTIFY_WEBHOOK_*_VIDGATE,
# is configured in the MinIO server's environment). Rights: deploy/minio-init/README.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
MC=${MC:-mc}

read_secret() { # NAME -> value of NAME, or the content of the file named by NAME_FILE
    eval "value=\${$1:-}"
    eval "file=\${$1_FILE:-}"
    if [ -z "$value" ] && [ -n "$file" ]; then value=$(cat "$file"); fi
    if [ -z "$value" ]; then echo "minio-init: $1 (or $1_FILE) is required" >&2; exit 2; fi
    printf '%s' "$value"
}

root_password=$(read_secret MINIO_ROOT_PASSWORD)
nginx_secret=$(read_secret VIDGATE_NGINX_S3_SECRET)
auth_secret=$(read_secret VIDGATE_AUTH_S3_SECRET)
transcoder_secret=$(read_secret VIDGATE_TRANSCODER_S3_SECRET)
bucket=${VIDGATE_BUCKET:?VIDGATE_BUCKET is required}

MC_CONFIG_DIR=$(mktemp -d)
trap 'rm -rf "$MC_CONFIG_DIR"' EXIT
# Named apart from the program: with MC=mc, a function called mc would call itself.
mc_run() { "$MC" --config-dir "$MC_CONFIG_DIR" --quiet --no-color "$@"; }

mc_run alias set vidgate "${MINIO_ENDPOINT:?MINIO_ENDPOINT is required}" "${MINIO_ROOT_USER:?MINIO_ROOT_USER is required}" "$root_password" >/dev/null
# A distributed MinIO answers before its nodes have agreed on the cluster
# ("Server not initialized yet"): retry the first write for up to a minute.
tries=0
until mc_run mb --ignore-existing "vidgate/$bucket" >/dev/null 2>"$MC_CONFIG_DIR/mb.err"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ]; then cat "$MC_CONFIG_DIR/mb.err" >&2; exit 1; fi
    sleep 2
done
mc_run anonymous set private "vidgate/$bucket" >/dev/null

add_service_user() { # policy-name access-key secret
    policy_file="$MC_CONFIG_DIR/$1.json"
    sed "s/VIDGATE_BUCKET/$bucket/g" "$here/policies/$1.json" > "$policy_file"
    mc_run admin policy create vidgate "$1" "$policy_file" >/dev/null
    mc_run admin user add vidgate "$2" "$3" >/dev/null
    mc_run admin policy attach vidgate "$1" --user "$2" >/dev/null 2>&1 || true # already attached
}

add_service_user vidgate-nginx "${VIDGATE_NGINX_S3_ACCESS_KEY:?}" "$nginx_secret"
add_service_user vidgate-auth "${VIDGATE_AUTH_S3_ACCESS_KEY:?}" "$auth_secret"
add_service_user vidgate-transcoder "${VIDGATE_TRANSCODER_S3_ACCESS_KEY:?}" "$transcoder_secret"

arn="arn:minio:sqs::VIDGATE:webhook"
if ! mc_run event ls "vidgate/$bucket" 2>/dev/null | grep -q "VIDGATE:webhook"; then
    mc_run event add "vidgate/$bucket" "$arn" --event put --prefix uploads/ --suffix /source >/dev/null
fi
echo "minio-init: bucket $bucket is private; users for nginx (read-only), auth and transcoder are ready; uploads notify the transcoder"
