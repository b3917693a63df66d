"""Recipe histories: recipe -> list of (tag, files) plus optional main files."""

TRAEFIK = '''        - "traefik.enable=true"
        - "traefik.http.services.${{STACK_NAME}}.loadbalancer.server.port={port}"
        - "traefik.http.routers.${{STACK_NAME}}.rule=Host(`${{DOMAIN}}`)"
        - "traefik.http.routers.${{STACK_NAME}}.entrypoints=web-secure"
        - "traefik.http.routers.${{STACK_NAME}}.tls.certresolver=${{LETS_ENCRYPT_ENV}}"
        - "coop-cloud.${{STACK_NAME}}.version={tag}"'''

NETS = '''
networks:
  proxy:
    external: true
  internal:
'''


def readme(name, desc):
    return f"""# {name}

> {desc}

<!-- metadata -->

* **Category**: Apps
* **Status**: 2, beta
* **Image**: see compose.yml
* **Healthcheck**: Yes
* **Backups**: Yes
* **Email**: No
* **Tests**: No
* **SSO**: No

<!-- endmetadata -->

## Quick start

* `abra app new {name} --secrets`
* `abra app config <app-name>`
* `abra app deploy <app-name>`
"""


def upstream(tag):
    return tag.split("+", 1)[1]


# ---------------------------------------------------------------- discourse
def discourse(tag, main=False):
    v = upstream(tag)
    compose = f'''---
version: "3.8"

services:
  app:
    image: bitnamilegacy/discourse:{v}
    networks:
      - proxy
      - internal
    environment:
      - DISCOURSE_HOST=${{DOMAIN}}
      - DISCOURSE_DATABASE_HOST=db
      - DISCOURSE_DATABASE_USER=discourse
      - DISCOURSE_DATABASE_NAME=discourse
      - DISCOURSE_DATABASE_PASSWORD_FILE=/run/secrets/db_password
      - DISCOURSE_REDIS_HOST=redis
      - DISCOURSE_SMTP_HOST=${{SMTP_HOST}}
    secrets:
      - db_password
    volumes:
      - discourse_data:/bitnami/discourse
    deploy:
      restart_policy:
        condition: on-failure
      labels:
{TRAEFIK.format(port=3000, tag=tag)}
    healthcheck:
      test: ["CMD", "curl", "-fsS", "http://localhost:3000/srv/status"]
      interval: 30s
      timeout: 10s
      retries: 10
      start_period: 5m

  sidekiq:
    image: bitnamilegacy/discourse:{v}
    command: /opt/bitnami/scripts/discourse-sidekiq/run.sh
    depends_on:
      - discourse
    networks:
      - internal
    environment:
      - DISCOURSE_HOST=${{DOMAIN}}
      - DISCOURSE_DATABASE_HOST=db
      - DISCOURSE_DATABASE_PASSWORD_FILE=/run/secrets/db_password
      - DISCOURSE_REDIS_HOST=redis
    secrets:
      - db_password
    volumes:
      - discourse_data:/bitnami/discourse

  db:
    image: postgres:13
    networks:
      - internal
    environment:
      - POSTGRES_USER=discourse
      - POSTGRES_DB=discourse
      - POSTGRES_PASSWORD_FILE=/run/secrets/db_password
    secrets:
      - db_password
    volumes:
      - postgres_data:/var/lib/postgresql/data
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "sh -c 'pg_dump -U discourse discourse > /var/lib/postgresql/data/backup.sql'"
        backupbot.backup.volumes.postgres_data.path: "backup.sql"
        backupbot.restore.post-hook: "sh -c 'psql -U discourse discourse < /var/lib/postgresql/data/backup.sql'"

  redis:
    image: redis:7.2-alpine
    networks:
      - internal
    volumes:
      - redis_data:/data

secrets:
  db_password:
    external: true
    name: ${{STACK_NAME}}_db_password_${{SECRET_DB_PASSWORD_VERSION}}

volumes:
  discourse_data:
  postgres_data:
  redis_data:
{NETS}'''
    env = '''TYPE=discourse

DOMAIN=discourse.example.com
## Domain aliases
#EXTRA_DOMAINS=', `www.discourse.example.com`'
LETS_ENCRYPT_ENV=production

SECRET_DB_PASSWORD_VERSION=v1

SMTP_HOST=mail.example.com
'''
    if main:
        env += '''
## Sidekiq runs in its own service; see README before removing it
#SIDEKIQ_CONCURRENCY=5
'''
    return {"compose.yml": compose, ".env.sample": env,
            "README.md": readme("discourse", "Discourse forum, packaged from the Bitnami image")}


DISCOURSE_TAGS = ["0.1.0+3.2.0", "0.2.0+3.2.1", "0.3.0+3.3.1", "0.4.0+3.3.2",
                  "0.6.0+3.4.2", "0.8.0+3.4.4", "0.8.1+3.5.0"]


# ----------------------------------------------------------- mattermost-lts
def mattermost(tag, main=False):
    v = upstream(tag)
    pg = "15" if tag.startswith("2.") else "14"
    compose = f'''---
version: "3.8"

services:
  app:
    image: mattermost/mattermost-team-edition:{v}
    networks:
      - proxy
      - internal
    environment:
      - MM_SQLSETTINGS_DRIVERNAME=postgres
      - MM_SQLSETTINGS_DATASOURCE=postgres://mattermost:${{POSTGRES_PASSWORD}}@postgres:5432/mattermost?sslmode=disable&connect_timeout=10
      - MM_SERVICESETTINGS_SITEURL=https://${{DOMAIN}}
      - MM_BLEVESETTINGS_INDEXDIR=/mattermost/bleve-indexes
    volumes:
      - mattermost_config:/mattermost/config
      - mattermost_data:/mattermost/data
      - mattermost_plugins:/mattermost/plugins
    deploy:
      restart_policy:
        condition: on-failure
      labels:
{TRAEFIK.format(port=8065, tag=tag)}
    healthcheck:
      test: ["CMD", "curl", "-fsS", "http://localhost:8065/api/v4/system/ping"]
      interval: 30s
      timeout: 10s
      retries: 10
      start_period: 2m

  postgres:
    image: postgres:{pg}
    networks:
      - internal
    environment:
      - POSTGRES_USER=mattermost
      - POSTGRES_DB=mattermost
      - POSTGRES_PASSWORD=${{POSTGRES_PASSWORD}}
    volumes:
      - postgres:/var/lib/postgresql/data
    deploy:
      labels:
        - "backupbot.backup=true"
        - "backupbot.backup.pre-hook=pg_dump -U mattermost mattermost > /var/lib/postgresql/data/postgres-backup.sql"
        - "backupbot.backup.path=/var/lib/postgresql/data/"
        - "backupbot.backup.post-hook=rm -f /var/lib/postgresql/data/postgres-backup.sql"

volumes:
  mattermost_config:
  mattermost_data:
  mattermost_plugins:
  postgres:
{NETS}'''
    env = '''TYPE=mattermost-lts

DOMAIN=mattermost.example.com
LETS_ENCRYPT_ENV=production

POSTGRES_PASSWORD=changeme
'''
    return {"compose.yml": compose, ".env.sample": env,
            "README.md": readme("mattermost-lts", "Mattermost Team Edition, extended support releases")}


MATTERMOST_TAGS = ["1.9.0+9.11.12", "2.0.0+10.11.10", "2.1.0+10.11.12", "2.1.8+10.11.14", "2.1.9+10.11.15"]


# -------------------------------------------------------------------- immich
PG_BACKUP = '''#!/bin/bash
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
'''


def immich(tag, main=False):
    v = upstream(tag)
    compose = f'''---
version: "3.8"

services:
  app:
    image: ghcr.io/immich-app/immich-server:{v}
    networks:
      - proxy
      - internal
    environment:
      - DB_HOSTNAME=database
      - DB_USERNAME=immich
      - DB_DATABASE_NAME=immich
      - DB_PASSWORD_FILE=/run/secrets/db_password
      - REDIS_HOSTNAME=redis
    secrets:
      - db_password
    volumes:
      - uploads:/usr/src/app/upload
    deploy:
      restart_policy:
        condition: on-failure
      labels:
{TRAEFIK.format(port=2283, tag=tag)}
        - "backupbot.backup=true"
        - "backupbot.backup.path=/usr/src/app/upload/library"

  machine-learning:
    image: ghcr.io/immich-app/immich-machine-learning:{v}
    networks:
      - internal
    volumes:
      - model-cache:/cache

  redis:
    image: docker.io/valkey/valkey:8-bookworm
    networks:
      - internal

  database:
    image: ghcr.io/immich-app/postgres:14-vectorchord0.3.0-pgvectors0.2.0
    networks:
      - internal
    environment:
      - POSTGRES_USER=immich
      - POSTGRES_DB=immich
      - POSTGRES_PASSWORD_FILE=/run/secrets/db_password
      - DB_USERNAME=immich
    secrets:
      - db_password
    configs:
      - source: pg_backup
        target: /pg_backup.sh
        mode: 0555
    volumes:
      - postgres:/var/lib/postgresql/data
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "/pg_backup.sh backup"
        backupbot.backup.volumes.postgres.path: "backup.sql"
        backupbot.restore.post-hook: "/pg_backup.sh restore"

configs:
  pg_backup:
    name: ${{STACK_NAME}}_pg_backup_${{PG_BACKUP_VERSION}}
    file: pg_backup.sh

secrets:
  db_password:
    external: true
    name: ${{STACK_NAME}}_db_password_${{SECRET_DB_PASSWORD_VERSION}}

volumes:
  uploads:
  model-cache:
  postgres:
{NETS}'''
    env = '''TYPE=immich

DOMAIN=immich.example.com
LETS_ENCRYPT_ENV=production

SECRET_DB_PASSWORD_VERSION=v1
'''
    abra = 'export PG_BACKUP_VERSION=v2\n'
    return {"compose.yml": compose, ".env.sample": env, "abra.sh": abra, "pg_backup.sh": PG_BACKUP,
            "README.md": readme("immich", "Self-hosted photo and video backup")}


IMMICH_TAGS = ["1.2.0+v1.131.3", "1.3.0+v1.132.3", "1.4.0+v1.135.3"]


# -------------------------------------------------------------------- mumble
def mumble(tag, main=False):
    v = upstream(tag)
    compose = f'''---
version: "3.8"

services:
  app:
    image: mumblevoip/mumble-server:{v}
    networks:
      - internal
    ports:
      - target: 64738
        published: 64738
        protocol: tcp
        mode: host
      - target: 64738
        published: 64738
        protocol: udp
        mode: host
    environment:
      - MUMBLE_CONFIG_WELCOMETEXT=${{WELCOME_TEXT}}
      - MUMBLE_CONFIG_USERS=${{MAX_USERS}}
      - MUMBLE_SUPERUSER_PASSWORD_FILE=/run/secrets/superuser_password
    secrets:
      - superuser_password
    volumes:
      - data:/data
    deploy:
      restart_policy:
        condition: on-failure
      labels:
        - "backupbot.backup=true"
        - "backupbot.backup.path=/data"
        - "coop-cloud.${{STACK_NAME}}.version={tag}"
    healthcheck:
      test: ["CMD-SHELL", "nc -z 127.0.0.1 64738"]
      interval: 15s
      timeout: 5s
      retries: 8

  web:
    image: nginx:1.27-alpine
    networks:
      - proxy
    deploy:
      labels:
{TRAEFIK.format(port=80, tag=tag)}

secrets:
  superuser_password:
    external: true
    name: ${{STACK_NAME}}_superuser_password_${{SECRET_SUPERUSER_PASSWORD_VERSION}}

volumes:
  data:
{NETS}'''
    env = '''TYPE=mumble

DOMAIN=mumble.example.com
LETS_ENCRYPT_ENV=production

WELCOME_TEXT="Welcome to this Mumble server"
MAX_USERS=100

SECRET_SUPERUSER_PASSWORD_VERSION=v1
'''
    test = '''"""Protocol-level check: a client completes the TLS + ServerSync handshake."""
import pytest

from cc_ci.mumble import MumbleClient, retry_handshake


@pytest.mark.timeout(120)
def test_handshake_completes_with_channel_presence(app_domain):
    client = MumbleClient(app_domain, port=64738, username="ccci-probe")
    sync = retry_handshake(client, attempts=12, interval=5.0)
    assert sync.session > 0
    assert "Root" in [c.name for c in sync.channels]


def test_server_reports_version(app_domain):
    client = MumbleClient(app_domain, port=64738, username="ccci-version")
    version = client.ping()
    assert version.release.startswith("1.")
'''
    return {"compose.yml": compose, ".env.sample": env, "tests/test_protocol_handshake.py": test,
            "README.md": readme("mumble", "Low-latency voice chat (Mumble server)")}


MUMBLE_TAGS = ["0.8.0+v1.5.735-0", "0.9.0+v1.5.857-0", "1.0.0+v1.6.870-0"]


# --------------------------------------------------------------- bluesky-pds
CADDYFILE = '''{
	email {{ env "LETS_ENCRYPT_EMAIL" }}
	on_demand_tls {
		ask http://app:3000/tls-check
	}
}

*.{{ env "DOMAIN" }}, {{ env "DOMAIN" }} {
	tls {
		on_demand
	}
	reverse_proxy app:3000
}
'''


def bluesky(tag, main=False):
    caddy = not tag.startswith(("0.1.", "0.2."))
    env = '''TYPE=bluesky-pds

DOMAIN=pds.example.com
LETS_ENCRYPT_ENV=production
LETS_ENCRYPT_EMAIL=admin@example.com

PDS_ADMIN_EMAIL=admin@example.com
SECRET_JWT_SECRET_VERSION=v1
SECRET_ADMIN_PASSWORD_VERSION=v1
SECRET_PLC_KEY_VERSION=v1
'''
    app_env = '''    environment:
      - PDS_HOSTNAME=${DOMAIN}
      - PDS_PORT=3000
      - PDS_DATA_DIRECTORY=/pds
      - PDS_BLOBSTORE_DISK_LOCATION=/pds/blocks
      - PDS_JWT_SECRET_FILE=/run/secrets/jwt_secret
      - PDS_ADMIN_PASSWORD_FILE=/run/secrets/admin_password
      - PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX_FILE=/run/secrets/plc_key
      - PDS_DID_PLC_URL=https://plc.directory
      - PDS_BSKY_APP_VIEW_URL=https://api.bsky.app
      - PDS_CRAWLERS=https://bsky.network
    secrets:
      - jwt_secret
      - admin_password
      - plc_key
    volumes:
      - pds:/pds
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "-", "http://localhost:3000/xrpc/_health"]
      interval: 30s
      timeout: 10s
      retries: 5
'''
    tail = '''
secrets:
  jwt_secret:
    external: true
    name: ${STACK_NAME}_jwt_secret_${SECRET_JWT_SECRET_VERSION}
  admin_password:
    external: true
    name: ${STACK_NAME}_admin_password_${SECRET_ADMIN_PASSWORD_VERSION}
  plc_key:
    external: true
    name: ${STACK_NAME}_plc_key_${SECRET_PLC_KEY_VERSION}
'''
    if not caddy:
        compose = f'''---
version: "3.8"

services:
  app:
    image: ghcr.io/bluesky-social/pds:0.4
    networks:
      - proxy
{app_env}    deploy:
      restart_policy:
        condition: on-failure
      labels:
{TRAEFIK.format(port=3000, tag=tag)}
        - "backupbot.backup=true"
        - "backupbot.backup.path=/pds"
{tail}
volumes:
  pds:

networks:
  proxy:
    external: true
'''
        return {"compose.yml": compose, ".env.sample": env,
                "README.md": readme("bluesky-pds", "Bluesky Personal Data Server")}
    compose = f'''---
version: "3.8"

services:
  app:
    image: ghcr.io/bluesky-social/pds:0.4
    networks:
      - internal
{app_env}    deploy:
      restart_policy:
        condition: on-failure
      labels:
        - "backupbot.backup=true"
        - "backupbot.backup.path=/pds"
        - "coop-cloud.${{STACK_NAME}}.version={tag}"

  caddy:
    image: caddy:2.10-alpine
    networks:
      - proxy
      - internal
    environment:
      - DOMAIN=${{DOMAIN}}
      - LETS_ENCRYPT_EMAIL=${{LETS_ENCRYPT_EMAIL}}
    configs:
      - source: caddyfile
        target: /etc/caddy/Caddyfile
    volumes:
      - caddy_data:/data
    deploy:
      restart_policy:
        condition: on-failure
      labels:
        - "traefik.enable=true"
        - "traefik.tcp.routers.${{STACK_NAME}}.rule=HostSNI(`${{DOMAIN}}`) || HostSNIRegexp(`^.+\\\\.${{DOMAIN}}$$`)"
        - "traefik.tcp.routers.${{STACK_NAME}}.entrypoints=web-secure"
        - "traefik.tcp.routers.${{STACK_NAME}}.tls.passthrough=true"
        - "traefik.tcp.services.${{STACK_NAME}}.loadbalancer.server.port=443"
{tail}
configs:
  caddyfile:
    name: ${{STACK_NAME}}_caddyfile_${{CADDYFILE_VERSION}}
    file: caddy/Caddyfile.tmpl
    template_driver: golang

volumes:
  pds:
  caddy_data:
{NETS}'''
    return {"compose.yml": compose, ".env.sample": env, "abra.sh": "export CADDYFILE_VERSION=v3\n",
            "caddy/Caddyfile.tmpl": CADDYFILE,
            "README.md": readme("bluesky-pds", "Bluesky Personal Data Server, TLS by caddy on demand")}


BLUESKY_TAGS = ["0.1.0+v0.4.158", "0.2.0+v0.4.182", "0.3.0+v0.4.219"]


# ------------------------------------------------------------------ bookstack
def bookstack(tag, main=False):
    v = upstream(tag)
    compose = f'''---
version: "3.8"

services:
  app:
    image: lscr.io/linuxserver/bookstack:{v}
    networks:
      - proxy
      - internal
    environment:
      - APP_URL=https://${{DOMAIN}}
      - DB_HOST=db
      - DB_PORT=3306
      - DB_DATABASE=bookstack
      - DB_USERNAME=bookstack
      - FILE__DB_PASSWORD=/run/secrets/db_password
    secrets:
      - db_password
    volumes:
      - config:/config
    deploy:
      restart_policy:
        condition: on-failure
      labels:
{TRAEFIK.format(port=80, tag=tag)}

  db:
    image: mariadb:11.4
    networks:
      - internal
    environment:
      - MARIADB_DATABASE=bookstack
      - MARIADB_USER=bookstack
      - MARIADB_PASSWORD_FILE=/run/secrets/db_password
      - MARIADB_ROOT_PASSWORD_FILE=/run/secrets/db_root_password
    secrets:
      - db_password
      - db_root_password
    volumes:
      - mariadb:/var/lib/mysql
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "sh -c 'mysqldump -u root -p$$(cat /run/secrets/db_root_password) bookstack > /var/lib/mysql/backup.sql'"
        backupbot.backup.path: "/var/lib/mysql"

secrets:
  db_password:
    external: true
    name: ${{STACK_NAME}}_db_password_${{SECRET_DB_PASSWORD_VERSION}}
  db_root_password:
    external: true
    name: ${{STACK_NAME}}_db_root_password_${{SECRET_DB_ROOT_PASSWORD_VERSION}}

volumes:
  config:
  mariadb:
{NETS}'''
    env = '''TYPE=bookstack

DOMAIN=bookstack.example.com
LETS_ENCRYPT_ENV=production

SECRET_DB_PASSWORD_VERSION=v1
SECRET_DB_ROOT_PASSWORD_VERSION=v1
'''
    return {"compose.yml": compose, ".env.sample": env,
            "README.md": readme("bookstack", "A platform for storing and organising information")}


BOOKSTACK_TAGS = ["5.0.0+v25.02.5", "5.1.0+v25.05.1"]


# ---------------------------------------------------------------------- gitea
APP_INI = '''APP_NAME = {{ env "GITEA_APP_NAME" }}
RUN_MODE = prod
RUN_USER = git

[server]
ROOT_URL         = https://{{ env "GITEA_DOMAIN" }}/
SSH_DOMAIN       = {{ env "GITEA_DOMAIN" }}
HTTP_PORT        = 3000
SSH_LISTEN_PORT  = 2222
LFS_START_SERVER = true

[database]
DB_TYPE = mysql
HOST    = db:3306
NAME    = gitea
USER    = gitea
PASSWD  = `{{ secret "db_password" }}`

[security]
INSTALL_LOCK   = true
SECRET_KEY     = `{{ secret "secret_key" }}`
INTERNAL_TOKEN = `{{ secret "internal_token" }}`
'''


def gitea(tag, main=False):
    v = "1.24.2" if main else upstream(tag)
    label = tag
    compose = f'''---
version: "3.8"

services:
  app:
    image: gitea/gitea:{v}
    networks:
      - proxy
      - internal
    environment:
      - GITEA_DOMAIN=${{DOMAIN}}
      - GITEA_APP_NAME=${{GITEA_APP_NAME}}
    secrets:
      - db_password
      - internal_token
      - secret_key
    configs:
      - source: app_ini
        target: /etc/gitea/app.ini
    volumes:
      - git:/var/lib/gitea
    deploy:
      restart_policy:
        condition: on-failure
      labels:
{TRAEFIK.format(port=3000, tag=label)}
        - "backupbot.backup=true"
        - "backupbot.backup.path=/var/lib/gitea"

  db:
    image: mariadb:11.4
    networks:
      - internal
    environment:
      - MARIADB_DATABASE=gitea
      - MARIADB_USER=gitea
      - MARIADB_PASSWORD_FILE=/run/secrets/db_password
      - MARIADB_ROOT_PASSWORD_FILE=/run/secrets/db_root_password
    secrets:
      - db_password
      - db_root_password
    volumes:
      - mariadb:/var/lib/mysql
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "sh -c 'mariadb-dump -u root -p$$(cat /run/secrets/db_root_password) gitea > /var/lib/mysql/dump.sql'"
        backupbot.backup.volumes.mariadb.path: "dump.sql"
        backupbot.restore.post-hook: "sh -c 'mariadb -u root -p$$(cat /run/secrets/db_root_password) gitea < /var/lib/mysql/dump.sql'"

configs:
  app_ini:
    name: ${{STACK_NAME}}_app_ini_${{APP_INI_VERSION}}
    file: app.ini.tmpl
    template_driver: golang

secrets:
  db_password:
    external: true
    name: ${{STACK_NAME}}_db_password_${{SECRET_DB_PASSWORD_VERSION}}
  db_root_password:
    external: true
    name: ${{STACK_NAME}}_db_root_password_${{SECRET_DB_ROOT_PASSWORD_VERSION}}
  internal_token:
    external: true
    name: ${{STACK_NAME}}_internal_token_${{SECRET_INTERNAL_TOKEN_VERSION}}
  secret_key:
    external: true
    name: ${{STACK_NAME}}_secret_key_${{SECRET_SECRET_KEY_VERSION}}

volumes:
  git:
  mariadb:
{NETS}'''
    env = '''TYPE=gitea

DOMAIN=gitea.example.com
LETS_ENCRYPT_ENV=production
GITEA_APP_NAME="Git with a cup of tea"

SECRET_DB_PASSWORD_VERSION=v1
SECRET_DB_ROOT_PASSWORD_VERSION=v1
SECRET_INTERNAL_TOKEN_VERSION=v1
SECRET_SECRET_KEY_VERSION=v1
'''
    return {"compose.yml": compose, ".env.sample": env, "app.ini.tmpl": APP_INI,
            "abra.sh": "export APP_INI_VERSION=v12\n",
            "README.md": readme("gitea", "Painless self-hosted Git service")}


GITEA_TAGS = ["3.0.0+1.23.1", "3.1.0+1.23.4", "3.2.0+1.23.7", "3.2.1+1.23.8"]


# ------------------------------------------------------------------ nextcloud
def nextcloud(tag, main=False):
    v = upstream(tag)
    compose = f'''---
version: "3.8"

services:
  app:
    image: nextcloud:{v}-fpm
    networks:
      - internal
    environment:
      - POSTGRES_HOST=db
      - POSTGRES_DB=nextcloud
      - POSTGRES_USER=nextcloud
      - POSTGRES_PASSWORD_FILE=/run/secrets/db_password
      - NEXTCLOUD_TRUSTED_DOMAINS=${{DOMAIN}}
      - NEXTCLOUD_ADMIN_USER=admin
      - NEXTCLOUD_ADMIN_PASSWORD_FILE=/run/secrets/admin_password
    secrets:
      - db_password
      - admin_password
    volumes:
      - nextcloud:/var/www/html
    deploy:
      labels:
        - "backupbot.backup=true"
        - "backupbot.backup.path=/var/www/html/config,/var/www/html/data"
        - "coop-cloud.${{STACK_NAME}}.version={tag}"

  web:
    image: nginx:1.27-alpine
    networks:
      - proxy
      - internal
    configs:
      - source: nginx_conf
        target: /etc/nginx/nginx.conf
    volumes:
      - nextcloud:/var/www/html:ro
    deploy:
      labels:
{TRAEFIK.format(port=80, tag=tag)}

  db:
    image: postgres:16
    networks:
      - internal
    environment:
      - POSTGRES_DB=nextcloud
      - POSTGRES_USER=nextcloud
      - POSTGRES_PASSWORD_FILE=/run/secrets/db_password
    secrets:
      - db_password
    volumes:
      - postgres:/var/lib/postgresql/data
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "sh -c 'pg_dump -U nextcloud nextcloud > /var/lib/postgresql/data/backup.sql'"
        backupbot.backup.volumes.postgres.path: "backup.sql"
        backupbot.restore.post-hook: "sh -c 'psql -U nextcloud nextcloud < /var/lib/postgresql/data/backup.sql'"

configs:
  nginx_conf:
    name: ${{STACK_NAME}}_nginx_conf_${{NGINX_CONF_VERSION}}
    file: nginx.conf.tmpl
    template_driver: golang

secrets:
  db_password:
    external: true
    name: ${{STACK_NAME}}_db_password_${{SECRET_DB_PASSWORD_VERSION}}
  admin_password:
    external: true
    name: ${{STACK_NAME}}_admin_password_${{SECRET_ADMIN_PASSWORD_VERSION}}

volumes:
  nextcloud:
  postgres:
{NETS}'''
    nginx = '''events { worker_connections 1024; }
http {
  upstream php-handler { server app:9000; }
  server {
    listen 80;
    root /var/www/html;
    client_max_body_size 512M;
    location ~ \\.php(?:$|/) {
      fastcgi_split_path_info ^(.+?\\.php)(/.*)$;
      include fastcgi_params;
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_pass php-handler;
    }
  }
}
'''
    env = '''TYPE=nextcloud

DOMAIN=nextcloud.example.com
LETS_ENCRYPT_ENV=production

SECRET_DB_PASSWORD_VERSION=v1
SECRET_ADMIN_PASSWORD_VERSION=v1
'''
    test = '''"""The instance finishes installing: `occ status` reports installed: true."""
import json
import time


def test_occ_status_installed(stack):
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        out = stack.exec("app", ["php", "occ", "status", "--output=json"], user="www-data")
        if out.rc == 0 and json.loads(out.stdout).get("installed"):
            return
        time.sleep(10)
    raise TimeoutError("occ status not ready after 300s")
'''
    conftest = '''"""Fixtures for the nextcloud recipe tests (run by cc-ci as tests/custom/)."""
import pytest


@pytest.fixture
def stack(app):
    """The deployed stack; leaves the instance out of maintenance mode."""
    # occ status polls can leave maintenance mode on when the test is cut off
    yield app.stack
    app.stack.exec("app", ["php", "occ", "maintenance:mode", "--off"], user="www-data", check=True)
'''
    return {"compose.yml": compose, ".env.sample": env, "nginx.conf.tmpl": nginx,
            "abra.sh": "export NGINX_CONF_VERSION=v4\n", "tests/test_occ.py": test, "tests/conftest.py": conftest,
            "README.md": readme("nextcloud", "Nextcloud, php-fpm behind nginx")}


NEXTCLOUD_TAGS = ["6.4.0+30.0.11", "7.0.0+31.0.5", "7.1.0+31.0.6"]


# ------------------------------------------------------- generic small recipes
def simple(name, image_fmt, port, desc, db=None, extra_env="", split_db=False):
    """A one-app (+ optional database) recipe."""
    def make(tag, main=False):
        v = upstream(tag)
        image = image_fmt.format(v=v)
        dbsvc = ""
        vols = "  data:\n"
        if db == "postgres":
            dbsvc = f'''
  db:
    image: postgres:16
    networks:
      - internal
    environment:
      - POSTGRES_DB={name.replace('-', '_')}
      - POSTGRES_USER={name.replace('-', '_')}
      - POSTGRES_PASSWORD_FILE=/run/secrets/db_password
    secrets:
      - db_password
    volumes:
      - postgres:/var/lib/postgresql/data
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "sh -c 'pg_dump -U {name.replace('-', '_')} {name.replace('-', '_')} > /var/lib/postgresql/data/backup.sql'"
        backupbot.backup.volumes.postgres.path: "backup.sql"
        backupbot.restore.post-hook: "sh -c 'psql -U {name.replace('-', '_')} {name.replace('-', '_')} < /var/lib/postgresql/data/backup.sql'"
'''
            vols += "  postgres:\n"
        elif db == "mariadb":
            dbsvc = f'''
  db:
    image: mariadb:11.4
    networks:
      - internal
    environment:
      - MARIADB_DATABASE={name}
      - MARIADB_USER={name}
      - MARIADB_PASSWORD_FILE=/run/secrets/db_password
      - MARIADB_RANDOM_ROOT_PASSWORD=yes
    secrets:
      - db_password
    volumes:
      - mariadb:/var/lib/mysql
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "sh -c 'mariadb-dump -u {name} -p$$(cat /run/secrets/db_password) {name} > /var/lib/mysql/dump.sql'"
        backupbot.backup.volumes.mariadb.path: "dump.sql"
        backupbot.restore.post-hook: "sh -c 'mariadb -u {name} -p$$(cat /run/secrets/db_password) {name} < /var/lib/mysql/dump.sql'"
'''
            vols += "  mariadb:\n"
        secrets = ""
        app_secrets = ""
        if db:
            secrets = f'''
secrets:
  db_password:
    external: true
    name: ${{STACK_NAME}}_db_password_${{SECRET_DB_PASSWORD_VERSION}}
'''
            app_secrets = "    secrets:\n      - db_password\n"
        compose = f'''---
version: "3.8"

services:
  app:
    image: {image}
    networks:
      - proxy
      - internal
    environment:
      - DOMAIN=${{DOMAIN}}
{extra_env}{app_secrets}    volumes:
      - data:/data
    deploy:
      restart_policy:
        condition: on-failure
      labels:
{TRAEFIK.format(port=port, tag=tag)}
        - "backupbot.backup=true"
        - "backupbot.backup.path=/data"
{dbsvc}{secrets}
volumes:
{vols}{NETS}'''
        env = f"TYPE={name}\n\nDOMAIN={name}.example.com\nLETS_ENCRYPT_ENV=production\n"
        if db:
            env += "\nSECRET_DB_PASSWORD_VERSION=v1\n"
        if split_db:
            # The database lives in a chained overlay (COMPOSE_FILE), as many
            # Co-op Cloud recipes do: compose.yml alone has no backup hooks.
            compose = f'''---
version: "3.8"

services:
  app:
    image: {image}
    networks:
      - proxy
      - internal
    environment:
      - DOMAIN=${{DOMAIN}}
{extra_env}    volumes:
      - data:/data
    deploy:
      restart_policy:
        condition: on-failure
      labels:
{TRAEFIK.format(port=port, tag=tag)}
        - "backupbot.backup=true"
        - "backupbot.backup.path=/data"

volumes:
  data:
{NETS}'''
            overlay = f'''---
version: "3.8"

services:
  app:
    environment:
      - CMD_DB_URL=postgres://{name}@db:5432/{name}
{app_secrets}{dbsvc}{secrets}
volumes:
  postgres:
'''
            env = env.replace("LETS_ENCRYPT_ENV=production\n",
                              'LETS_ENCRYPT_ENV=production\n\nCOMPOSE_FILE="compose.yml:compose.postgres.yml"\n')
            return {"compose.yml": compose, "compose.postgres.yml": overlay, ".env.sample": env,
                    "README.md": readme(name, desc)}
        return {"compose.yml": compose, ".env.sample": env, "README.md": readme(name, desc)}
    return make


CRYPTPAD_ENV = '''      - CPAD_MAIN_DOMAIN=https://${DOMAIN}
      - CPAD_SANDBOX_DOMAIN=https://sandbox-${DOMAIN}
      - CPAD_CONF=/cryptpad/config/config.js
'''

SMALL = {
    "cryptpad": (simple("cryptpad", "cryptpad/cryptpad:version-{v}", 3000,
                        "Collaboration suite, end-to-end encrypted", extra_env=CRYPTPAD_ENV),
                 ["0.5.0+v2025.9.0", "0.6.0+v2026.5.1"]),
    "custom-html-tiny": (simple("custom-html-tiny", "nginx:{v}-alpine", 80, "Static HTML, tiny"),
                         ["0.3.0+1.27.4", "0.4.0+1.27.5"]),
    "hedgedoc": (simple("hedgedoc", "quay.io/hedgedoc/hedgedoc:{v}", 3000,
                        "Collaborative markdown notes", db="postgres", split_db=True),
                 ["1.4.1+1.10.2", "1.4.2+1.10.3"]),
    "peertube": (simple("peertube", "chocobozzz/peertube:v{v}-bookworm", 9000,
                        "Federated video platform", db="postgres"),
                 ["1.6.0+7.1.1", "1.7.0+7.2.0"]),
    "wordpress": (simple("wordpress", "wordpress:{v}-php8.3-apache", 80, "Blogging", db="mariadb"),
                  ["2.9.0+6.8.0", "2.9.1+6.8.1"]),
    "keycloak": (simple("keycloak", "quay.io/keycloak/keycloak:{v}", 8080,
                        "Identity and access management", db="postgres"),
                 ["10.3.0+26.2.4", "10.3.1+26.2.5"]),
    "plausible": (simple("plausible", "ghcr.io/plausible/community-edition:v{v}", 8000,
                         "Privacy-friendly analytics", db="postgres"),
                  ["4.0.0+3.0.0", "4.0.1+3.0.1"]),
    "authentik": (simple("authentik", "ghcr.io/goauthentik/server:{v}", 9000,
                         "Identity provider", db="postgres"),
                  ["9.1.0+2025.4.1", "9.2.0+2025.6.2"]),
    "matrix-synapse": (simple("matrix-synapse", "matrixdotorg/synapse:v{v}", 8008,
                              "Matrix homeserver", db="postgres"),
                       ["5.4.0+1.130.0", "5.5.0+1.131.0"]),
    "ghost": (simple("ghost", "ghost:{v}-alpine", 2368, "Publishing platform", db="mariadb"),
              ["1.8.0+5.120.3", "1.9.0+5.121.0"]),
    "n8n": (simple("n8n", "docker.n8n.io/n8nio/n8n:{v}", 5678, "Workflow automation", db="postgres"),
            ["2.3.0+1.97.1", "2.4.0+1.98.2"]),
}


# ------------------------------------------- proxy-fronted recipes (general)
# A web server on `proxy` + `internal` in front of an app only on
# `internal`, reaching it by its bare name: Docker's DNS order decides per
# stack name whether `app` is the stack's own (testdata/general, routing).
def fronted(name, desc, app_image, web_image, port, conf_file, conf, db=None):
    def make(tag, main=False):
        v = upstream(tag)
        dbsvc, vols, secrets, app_secrets = "", "  data:\n", "", ""
        if db == "mongo":
            dbsvc = f"""
  db:
    image: mongo:7.0
    networks:
      - internal
    volumes:
      - mongo:/data/db
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "sh -c 'mongodump --archive=/data/db/dump.archive'"
        backupbot.backup.volumes.mongo.path: "dump.archive"
        backupbot.restore.post-hook: "sh -c 'mongorestore --drop --archive=/data/db/dump.archive'"
"""
            vols += "  mongo:\n"
        elif db == "mariadb":
            dbsvc = f"""
  db:
    image: mariadb:10.11
    networks:
      - internal
    environment:
      - MARIADB_DATABASE={name}
      - MARIADB_USER={name}
      - MARIADB_PASSWORD_FILE=/run/secrets/db_password
      - MARIADB_RANDOM_ROOT_PASSWORD=yes
    secrets:
      - db_password
    volumes:
      - mariadb:/var/lib/mysql
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "sh -c 'mariadb-dump -u {name} -p$$(cat /run/secrets/db_password) {name} > /var/lib/mysql/dump.sql'"
        backupbot.backup.volumes.mariadb.path: "dump.sql"
        backupbot.restore.post-hook: "sh -c 'mariadb -u {name} -p$$(cat /run/secrets/db_password) {name} < /var/lib/mysql/dump.sql'"
"""
            vols += "  mariadb:\n"
        elif db == "postgres":
            dbsvc = f"""
  db:
    image: postgres:16
    networks:
      - internal
    environment:
      - POSTGRES_DB={name}
      - POSTGRES_USER={name}
      - POSTGRES_PASSWORD_FILE=/run/secrets/db_password
    secrets:
      - db_password
    volumes:
      - postgres:/var/lib/postgresql/data
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "sh -c 'pg_dump -U {name} {name} > /var/lib/postgresql/data/backup.sql'"
        backupbot.backup.volumes.postgres.path: "backup.sql"
        backupbot.restore.post-hook: "sh -c 'psql -U {name} {name} < /var/lib/postgresql/data/backup.sql'"
"""
            vols += "  postgres:\n"
        if db in ("mariadb", "postgres"):
            secrets = """
secrets:
  db_password:
    external: true
    name: ${STACK_NAME}_db_password_${SECRET_DB_PASSWORD_VERSION}
"""
            app_secrets = "    secrets:\n      - db_password\n"
        compose = f"""---
version: "3.8"

services:
  app:
    image: {app_image.format(v=v)}
    networks:
      - internal
    environment:
      - DOMAIN=${{DOMAIN}}
{app_secrets}    volumes:
      - data:/data
    deploy:
      restart_policy:
        condition: on-failure
      labels:
        - "backupbot.backup=true"
        - "backupbot.backup.path=/data"
        - "coop-cloud.${{STACK_NAME}}.version={tag}"

  web:
    image: {web_image}
    networks:
      - proxy
      - internal
    configs:
      - source: web_conf
        target: {conf_file[1]}
    deploy:
      restart_policy:
        condition: on-failure
      labels:
        - "traefik.enable=true"
        - "traefik.http.services.${{STACK_NAME}}.loadbalancer.server.port=80"
        - "traefik.http.routers.${{STACK_NAME}}.rule=Host(`${{DOMAIN}}`)"
        - "traefik.http.routers.${{STACK_NAME}}.entrypoints=web-secure"
        - "traefik.http.routers.${{STACK_NAME}}.tls.certresolver=${{LETS_ENCRYPT_ENV}}"
{dbsvc}{secrets}
configs:
  web_conf:
    name: ${{STACK_NAME}}_web_conf_${{WEB_CONF_VERSION}}
    file: {conf_file[0]}
    template_driver: golang

volumes:
{vols}{NETS}"""
        env = f"TYPE={name}\n\nDOMAIN={name}.example.com\nLETS_ENCRYPT_ENV=production\n"
        if db in ("mariadb", "postgres"):
            env += "\nSECRET_DB_PASSWORD_VERSION=v1\n"
        return {"compose.yml": compose, ".env.sample": env, "abra.sh": "export WEB_CONF_VERSION=v2\n",
                conf_file[0]: conf.format(port=port), "README.md": readme(name, desc)}
    return make


NGINX_PROXY = """server {{
    listen 80 default_server;
    server_name _;
    client_max_body_size 50m;

    location / {{
        proxy_pass http://app:{port};
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-Proto https;
    }}
}}
"""

NGINX_FASTCGI = """server {{
    listen 80 default_server;
    root /var/www/html;
    index index.php;

    location ~ \\.php$ {{
        fastcgi_pass app:{port};
        include fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
    }}
}}
"""

CADDY_PROXY = """:80 {{
	encode gzip
	reverse_proxy app:{port}
}}
"""

FRONTED = {
    "wekan": (fronted("wekan", "Kanban boards", "ghcr.io/wekan/wekan:{v}", "nginx:1.27-alpine", 8080,
                      ("nginx/default.conf.tmpl", "/etc/nginx/conf.d/default.conf"), NGINX_PROXY, db="mongo"),
              ["1.0.0+v7.80", "1.1.0+v7.84"]),
    "seafile": (fronted("seafile", "File sync and share", "seafileltd/seafile-mc:{v}", "caddy:2.8-alpine", 80,
                        ("caddy/Caddyfile.tmpl", "/etc/caddy/Caddyfile"), CADDY_PROXY, db="mariadb"),
                ["2.0.0+11.0.12", "2.1.0+11.0.13"]),
    "limesurvey": (fronted("limesurvey", "Online surveys", "martialblog/limesurvey:{v}-fpm", "nginx:1.27-alpine",
                           9000, ("nginx/default.conf.tmpl", "/etc/nginx/conf.d/default.conf"), NGINX_FASTCGI,
                           db="postgres"),
                   ["1.2.0+6.6.1", "1.3.0+6.6.4"]),
}

RECIPES = {
    "discourse": (discourse, DISCOURSE_TAGS, True),
    "mattermost-lts": (mattermost, MATTERMOST_TAGS, False),
    "immich": (immich, IMMICH_TAGS, False),
    "mumble": (mumble, MUMBLE_TAGS, False),
    "bluesky-pds": (bluesky, BLUESKY_TAGS, False),
    "bookstack": (bookstack, BOOKSTACK_TAGS, False),
    "gitea": (gitea, GITEA_TAGS, True),
    "nextcloud": (nextcloud, NEXTCLOUD_TAGS, False),
}
for _n, (_f, _t) in SMALL.items():
    RECIPES[_n] = (_f, _t, False)
for _n, (_f, _t) in FRONTED.items():
    RECIPES[_n] = (_f, _t, False)


def files_at(recipe, tag):
    f, tags, _ = RECIPES[recipe]
    assert tag in tags, (recipe, tag)
    return f(tag)


def prev_tag(recipe, tag):
    tags = RECIPES[recipe][1]
    i = tags.index(tag)
    return tags[i - 1]
