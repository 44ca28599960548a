#!/usr/bin/env bash
# Change data capture (the `cdc` strategy) needs PostgreSQL's wal_level = logical.
# On the local development/CI server, turn it on if it is off (this needs a restart) and say so.
# It also bounds the WAL a replication slot may retain (max_slot_wal_keep_size, a reload-level
# setting: no restart), so that a stalled or forgotten slot cannot fill the disk; beyond the
# bound PostgreSQL invalidates the slot instead (docs/runbook.md#cdcwalretained).
set -euo pipefail

SLOT_WAL_KEEP_SIZE=${CDC_MAX_SLOT_WAL_KEEP_SIZE:-1GB}

psql_local() { psql -h 127.0.0.1 -U postgres -d postgres -tAqc "$1"; }

level=$(psql_local "SHOW wal_level") || { echo "logical decoding: cannot reach PostgreSQL on 127.0.0.1"; exit 1; }

keep=$(psql_local "SHOW max_slot_wal_keep_size")
if [ "$keep" = "-1" ]; then
    echo "logical decoding: bounding the WAL a replication slot may retain to $SLOT_WAL_KEEP_SIZE"
    psql_local "ALTER SYSTEM SET max_slot_wal_keep_size = '$SLOT_WAL_KEEP_SIZE'"
    psql_local "SELECT pg_reload_conf()" >/dev/null
    for _ in $(seq 10); do  # the reload is asynchronous
        [ "$(psql_local "SHOW max_slot_wal_keep_size")" != "-1" ] && break
        sleep 0.2
    done
fi

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
