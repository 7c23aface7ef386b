#!/bin/sh
# Creates the compose stack's secrets, one random value per file, in DIR
# (default ./secrets), then point VIDGATE_SECRETS_DIR in .env at DIR.
# A file that exists is kept (run it again after adding a service); to replace a
# value, follow deploy/OPERATIONS.md (signing keys rotate without downtime).
#
# The folder is 0700, so other users of this host cannot reach the files; the
# files themselves are 0644 because each container reads its secrets as its own
# user (node, root, grafana), and Compose mounts them without changing owner or mode.
#   usage: sh deploy/compose/make-secrets.sh [DIR]
set -eu

dir=${1:-./secrets}
umask 077
mkdir -p "$dir"
chmod 0700 "$dir"
# Never committed, wherever the folder is: it ignores itself.
[ -e "$dir/.gitignore" ] || printf '*\n' > "$dir/.gitignore"

random() { # 43 letters and digits (~256 bits): safe as an argument, in nginx config and in URLs
    LC_ALL=C tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 43
}

made=""
put() { # name value
    if [ -e "$dir/$1" ]; then return; fi
    printf '%s\n' "$2" > "$dir/$1"
    chmod 0644 "$dir/$1"
    made="$made $1"
}

put signing_keys "k$(date -u +%Y%m%d):$(random)"
for name in jwt_secret minio_root_password nginx_s3_secret auth_s3_secret transcoder_s3_secret webhook_token grafana_admin_password db_password db_admin_password; do
    put "$name" "$(random)"
done

if [ -n "$made" ]; then echo "make-secrets: wrote$made into $dir"; else echo "make-secrets: every secret already exists in $dir; nothing changed"; fi
echo "make-secrets: set VIDGATE_SECRETS_DIR=$dir in .env"
