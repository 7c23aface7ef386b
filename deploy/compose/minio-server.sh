#!/bin/sh
# Entrypoint of the compose stack's MinIO: the root password and the webhook's
# auth token come from Docker secrets, exported here because MinIO has no *_FILE
# form for a webhook token (and its root-credential files must come in pairs),
# then MinIO runs with the arguments given (`minio` is on PATH in MinIO's image).
set -eu

secret() { # name -> content of /run/secrets/<name>, or exit naming it
    [ -r "/run/secrets/$1" ] || { echo "minio-server: secret $1 is missing or unreadable" >&2; exit 2; }
    cat "/run/secrets/$1"
}

MINIO_ROOT_PASSWORD=$(secret minio_root_password)
MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_VIDGATE=$(secret webhook_token)
export MINIO_ROOT_PASSWORD MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_VIDGATE
# The image's defaults point at /run/secrets/access_key and secret_key; only the variables above count.
unset MINIO_ROOT_USER_FILE MINIO_ROOT_PASSWORD_FILE MINIO_ACCESS_KEY_FILE MINIO_SECRET_KEY_FILE
exec minio "$@"
