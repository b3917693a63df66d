#!/bin/bash
# Dump-only backups for postgres: backupbot saves backup.sql, not PGDATA.
set -e

BACKUP_FILE=/var/lib/postgresql/data/backup.sql

function backup {
  pg_dumpall --clean --if-exists -U "$DB_USERNAME" > $BACKUP_FILE
}

function restore {
  cd /var/lib/postgresql/data/
  restore_config(){
    # Restore allowed connections
    cat pg_hba.conf.bak > pg_hba.conf
    su postgres -c 'pg_ctl reload'
  }
  # Don't allow any other connections than local
  cp pg_hba.conf pg_hba.conf.bak
  echo "local all all trust" > pg_hba.conf
  su postgres -c 'pg_ctl reload'
  trap restore_config EXIT INT TERM

  # Recreate Database
  psql -U "$DB_USERNAME" -d postgres < $BACKUP_FILE
  rm -f $BACKUP_FILE
  trap - EXIT INT TERM
  restore_config
}

$@
