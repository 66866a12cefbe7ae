#!/bin/sh
# Entry point of dbkit's PostgreSQL test image. It follows the contract of the
# official `postgres` image: POSTGRES_PASSWORD (required unless
# POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER (default postgres),
# POSTGRES_DB (default: the user), POSTGRES_INITDB_ARGS, PGDATA,
# /docker-entrypoint-initdb.d, port 5432 on every address, and the log line
# "database system is ready to accept connections" once the server is up
# (once on stdout from the server that runs the init scripts, then on stderr
# from the real one). `POSTGRES_PASSWORD_FILE`, `POSTGRES_USER_FILE` and
# `POSTGRES_DB_FILE` name files holding those values, as in the official image.
set -eu

# Sets variable $1 from the file named by ${1}_FILE when that is given.
value_from_file() {
    eval "file=\${${1}_FILE:-}"
    if [ -n "$file" ]; then
        eval "$1=\$(cat \"\$file\")"
        export "$1"
    fi
}
for variable in POSTGRES_PASSWORD POSTGRES_USER POSTGRES_DB; do
    value_from_file "$variable"
done

if [ "${1#-}" != "$1" ]; then
    set -- postgres "$@"
fi

if [ "$1" != postgres ]; then
    exec "$@"
fi

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    chown -R postgres:postgres "$PGDATA" /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
        cat >&2 <<'MESSAGE'
Error: the database is not initialised and no superuser password is given.
       Set POSTGRES_PASSWORD to a non-empty value, or POSTGRES_HOST_AUTH_METHOD=trust
       to allow every connection without a password (never outside tests).
MESSAGE
        exit 1
    fi
    user="${POSTGRES_USER:-postgres}"
    database="${POSTGRES_DB:-$user}"
    password_file="$(mktemp)"
    printf '%s\n' "${POSTGRES_PASSWORD:-}" > "$password_file"
    if [ -n "${POSTGRES_PASSWORD:-}" ]; then
        password_option="--pwfile=$password_file"
    else
        password_option=""
    fi
    # shellcheck disable=SC2086
    initdb --username="$user" $password_option --auth-local=trust --auth-host="$auth" \
        ${POSTGRES_INITDB_ARGS:-}
    rm -f "$password_file"
    printf "host all all all %s\n" "$auth" >> "$PGDATA/pg_hba.conf"
    printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"

    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
    if [ "$database" != postgres ]; then
        echo 'CREATE DATABASE :"db";' |
            psql -v ON_ERROR_STOP=1 -q --username "$user" --dbname postgres --set db="$database"
    fi
    for file in /docker-entrypoint-initdb.d/*; do
        case "$file" in
            *.sh) echo "running $file"; . "$file" ;;
            *.sql) echo "running $file"; psql -v ON_ERROR_STOP=1 --username "$user" --dbname "$database" -f "$file" ;;
            *.sql.gz) echo "running $file"; gunzip -c "$file" | psql -v ON_ERROR_STOP=1 --username "$user" --dbname "$database" ;;
            *) ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    echo
    echo 'PostgreSQL init process complete; ready for start up.'
    echo
fi

exec "$@"
