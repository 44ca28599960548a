#!/usr/bin/env bash
# Change data capture (the `cdc` strategy) needs PostgreSQL's wal_level = logical.
# On the local development/CI server, turn it on if it is off (this needs a restart) and say so.
set -euo pipefail

psql_local() { psql -h 127.0.0.1 -U postgres -d postgres -tAqc "$1"; }

level=$(psql_local "SHOW wal_level") || { echo "logical decoding: cannot reach PostgreSQL on 127.0.0.1"; exit 1; }
if [ "$level" = logical ]; then
    exit 0
fi
echo "logical decoding: wal_level is '$level'; setting it to 'logical' and restarting PostgreSQL"
psql_local "ALTER SYSTEM SET wal_level = logical"
pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main restart
for _ in $(seq 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
done
echo "logical decoding: wal_level is now '$(psql_local "SHOW wal_level")'"
