#!/usr/bin/env bash
# Entrypoint of the postgres stand-in (postgres.Dockerfile), for the test suite
# only: the official image's contract as a compose file sees it. As root it owns
# PGDATA to postgres and runs itself again as postgres (setpriv instead of gosu).
# On an empty PGDATA it runs initdb (superuser POSTGRES_USER, its password
# stored with password_encryption, scram-sha-256 on 15), appends
# `host all all all <that method>` to initdb's pg_hba.conf (which trusts the
# socket and loopback, as in the official image), creates POSTGRES_DB and runs
# /docker-entrypoint-initdb.d/* against a server listening on the socket only;
# then it execs postgres in the foreground, with the arguments it was given.
set -Eeo pipefail

# NAME from NAME or from the file NAME_FILE names (not both), else DEFAULT.
from_env_or_file() {
  local name="$1" file_name="$1_FILE" value="${2:-}"
  if [ -n "${!name:-}" ] && [ -n "${!file_name:-}" ]; then
    echo >&2 "error: $name and $file_name are both set; set one of them"
    exit 1
  fi
  if [ -n "${!name:-}" ]; then
    value="${!name}"
  elif [ -n "${!file_name:-}" ]; then
    value="$(< "${!file_name}")"
  fi
  export "$name=$value"
  unset "$file_name"
}

# Flags that make postgres print something and exit: no set-up for those.
wants_help() {
  local arg
  for arg; do
    case "$arg" in -'?' | --help | --describe-config | -V | --version) return 0 ;; esac
  done
  return 1
}

prepare_folders() {
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA" || true
  chmod 3775 /var/run/postgresql || true
  if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
    mkdir -p "$POSTGRES_INITDB_WALDIR"
    chmod 700 "$POSTGRES_INITDB_WALDIR"
  fi
  if [ "$(id -u)" = 0 ]; then
    local dir
    for dir in "$PGDATA" /var/run/postgresql ${POSTGRES_INITDB_WALDIR:+"$POSTGRES_INITDB_WALDIR"}; do
      find "$dir" \! -user postgres -exec chown postgres:postgres '{}' +
    done
  fi
}

require_password() {
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    cat >&2 <<'EOF'
Error: Database is uninitialized and superuser password is not specified.
       Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value,
       or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without one.
EOF
    exit 1
  fi
  if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
    echo >&2 'WARNING: POSTGRES_HOST_AUTH_METHOD=trust: any client that reaches the port gets in without a password.'
  fi
}

init_data_folder() {
  local waldir=()
  [ -z "${POSTGRES_INITDB_WALDIR:-}" ] || waldir=(--waldir "$POSTGRES_INITDB_WALDIR")
  # eval so that POSTGRES_INITDB_ARGS is split like a shell command line, quotes
  # included; initdb refuses an empty password file, hence the newline.
  eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"' "${waldir[@]}"'
}

# Remote clients authenticate with the method the password was stored with,
# unless POSTGRES_HOST_AUTH_METHOD says otherwise.
allow_remote_clients() {
  local method
  method="$(postgres -C password_encryption "$@")"
  : "${POSTGRES_HOST_AUTH_METHOD:=$method}"
  printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"
}

# psql as the superuser over the socket, into POSTGRES_DB.
run_sql() {
  PGHOST= PGHOSTADDR= psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname "$POSTGRES_DB" "$@"
}

create_database() {
  local found
  found="$(POSTGRES_DB=postgres run_sql --set db="$POSTGRES_DB" --tuples-only <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")"
  if [ -z "$found" ]; then
    POSTGRES_DB=postgres run_sql --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
}

run_init_files() {
  local file
  for file in /docker-entrypoint-initdb.d/*; do
    case "$file" in
      *.sh)
        if [ -x "$file" ]; then
          echo "$0: running $file"
          "$file"
        else
          echo "$0: sourcing $file"
          . "$file"
        fi
        ;;
      *.sql) echo "$0: running $file"; run_sql -f "$file" ;;
      *.sql.gz) echo "$0: running $file"; gunzip -c "$file" | run_sql ;;
      *.sql.xz) echo "$0: running $file"; xzcat "$file" | run_sql ;;
      *.sql.zst) echo "$0: running $file"; zstd -dc "$file" | run_sql ;;
      *'/*') ;; # the folder is empty
      *) echo "$0: ignoring $file" ;;
    esac
  done
}

# A server for the set-up only: on the socket, with the arguments postgres will
# get, so that settings such as shared_preload_libraries apply to it too.
start_setup_server() {
  PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -o "$(printf '%q ' "$@" -c listen_addresses='' -p "${PGPORT:-5432}")" -w start
}

stop_setup_server() {
  PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -m fast -w stop
}

main() {
  # A first argument that is a flag is a flag for postgres.
  if [ "${1:0:1}" = - ]; then
    set -- postgres "$@"
  fi
  if [ "$1" != postgres ] || wants_help "$@"; then
    exec "$@"
  fi

  from_env_or_file POSTGRES_PASSWORD
  from_env_or_file POSTGRES_USER postgres
  from_env_or_file POSTGRES_DB "$POSTGRES_USER"
  from_env_or_file POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=}"

  prepare_folders
  if [ "$(id -u)" = 0 ]; then
    # The environment (secrets read from files included) goes with it.
    export HOME=/var/lib/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
  fi

  if [ -s "$PGDATA/PG_VERSION" ]; then
    printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
  else
    require_password
    ls /docker-entrypoint-initdb.d/ > /dev/null # unreadable: fail before initdb, not half-way
    init_data_folder
    allow_remote_clients "${@:2}"
    export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
    start_setup_server "${@:2}"
    create_database
    run_init_files
    stop_setup_server
    unset PGPASSWORD
    printf '\nPostgreSQL init process complete; ready for start up.\n\n'
  fi
  exec "$@"
}

main "$@"
