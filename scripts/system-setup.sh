#!/usr/bin/env bash
# The system side of the test suite, shared by `make test` and `.ci/run`: as root on Debian, install the Debian
# packages the server and browser tests need (unixODBC, the MariaDB / PostgreSQL / FreeTDS ODBC drivers, Chromium
# and a font), register the drivers with unixODBC, and start PostgreSQL and MariaDB if they do not answer.
#
# Not root, or not Debian: says so in one line and changes nothing; those tests then skip with a reason.
# A problem on the way (apt-get failing, a server not answering) fails the script under CI=true, where every
# test must run; elsewhere it is reported and the tests that need the missing piece skip with the reason.
# SMSYNC_SYSTEM_SETUP=done (set by .ci/run after running this script) skips it.
set -uo pipefail

APT_PACKAGES=(unixodbc unixodbc-dev odbc-mariadb odbc-postgresql tdsodbc chromium fonts-dejavu-core poppler-utils)
WAIT_SECONDS=60

say() { printf '== %s\n' "$*"; }

case "${CI:-}" in true | TRUE | True | 1 | yes) in_ci=1 ;; *) in_ci=0 ;; esac
problems=0
problem() {  # MESSAGE: fatal under CI, a warning elsewhere
    say "$*"
    problems=$((problems + 1))
}

if [[ "${SMSYNC_SYSTEM_SETUP:-}" == done ]]; then
    exit 0
fi
debian=$( (. /etc/os-release 2>/dev/null && echo "${ID:-}") )
if [[ $(id -u) -ne 0 || $debian != debian ]] || ! command -v apt-get >/dev/null; then
    say "system setup skipped (needs root on Debian): tests needing unixODBC, the servers or Chromium skip if missing"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive

# --- Debian packages: only when one is missing, so a machine that has them all is not slowed down -------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    if ! { apt-get update -qq -o DPkg::Lock::Timeout=300 &&
           apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${APT_PACKAGES[@]}"; } </dev/null
    then
        problem "apt-get could not install ${missing[*]}"
    fi
else
    say "Debian packages already installed: ${APT_PACKAGES[*]}"
fi

# Each driver package registers itself with unixODBC when installed; register from its template if not.
register_driver() {  # NAME TEMPLATE
    if ! command -v odbcinst >/dev/null; then
        problem "odbcinst is missing (apt-get install unixodbc); cannot register ODBC driver $1"
    elif ! odbcinst -q -d -n "$1" >/dev/null 2>&1; then
        say "registering ODBC driver $1"
        odbcinst -i -d -f "$2" >/dev/null || problem "registering ODBC driver $1 from $2 failed"
    fi
}
register_driver "MariaDB Unicode" /usr/share/odbc-mariadb/odbcinst.ini.template
register_driver "PostgreSQL Unicode" /usr/share/psqlodbc/odbcinst.ini.template
register_driver "FreeTDS" /usr/share/tdsodbc/odbcinst.ini

# --- database servers: start the one that does not answer, then wait (bounded) until it does ------------
postgres_answers() {
    PGCONNECT_TIMEOUT=3 psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1
}
mariadb_answers() {
    mariadb --connect-timeout=3 -h 127.0.0.1 -P 3306 -u root -e 'SELECT 1' >/dev/null 2>&1
}
start_postgres() {
    [[ -d /etc/postgresql ]] || { say "PostgreSQL is not installed (apt-get install postgresql)"; return 2; }
    install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
}
start_mariadb() {
    [[ -x /usr/sbin/mariadbd ]] || { say "MariaDB is not installed (apt-get install mariadb-server)"; return 2; }
    install -d -o mysql -g mysql -m 0755 /run/mysqld
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
}
ensure_server() {  # NAME ANSWERS START
    local name=$1 answers=$2 start=$3 waited=0 started=0
    if "$answers"; then
        say "$name is answering"
        return 0
    fi
    say "$name is not answering; starting it"
    "$start" || started=$?
    if ((started == 2)); then
        problem "$name cannot be started; its tests skip (fail under CI)"
        return 0
    elif ((started != 0)); then
        say "starting $name reported an error; waiting for it anyway"
    fi
    until "$answers"; do
        if ((waited >= WAIT_SECONDS)); then
            problem "$name did not answer within ${WAIT_SECONDS}s"
            return 0
        fi
        sleep 1
        waited=$((waited + 1))
    done
    say "$name is answering after ${waited}s"
}
ensure_server PostgreSQL postgres_answers start_postgres
ensure_server MariaDB mariadb_answers start_mariadb

# --- PostgreSQL: members of PG_PASSWORD_GROUP give their password even from 127.0.0.1 --------------------
# The rest of 127.0.0.1 stays as the machine has it (usually trust, which the fixtures' postgres login relies
# on); the secret tests' logins join the group, so a password in their URL's query string is really checked.
PG_PASSWORD_GROUP=smsync_password_logins
require_pg_passwords() {
    local hba line="host all +$PG_PASSWORD_GROUP 127.0.0.1/32 scram-sha-256"
    postgres_answers || return 0
    psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc \
        "DO \$\$ BEGIN CREATE ROLE $PG_PASSWORD_GROUP NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" \
        >/dev/null || { problem "could not create the PostgreSQL role $PG_PASSWORD_GROUP"; return 0; }
    hba=$(psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'SHOW hba_file') || hba=
    if [[ -z $hba || ! -f $hba ]]; then
        problem "PostgreSQL's pg_hba.conf was not found; password logins are not checked from 127.0.0.1"
    elif ! grep -qxF "$line" "$hba"; then
        say "PostgreSQL: members of $PG_PASSWORD_GROUP must give their password ($hba)"
        sed -i "1i $line" "$hba" &&
            psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'SELECT pg_reload_conf()' >/dev/null ||
            problem "could not add the password rule to $hba"
    fi
}
require_pg_passwords

if command -v odbcinst >/dev/null; then
    say "ODBC drivers registered with unixODBC: $(odbcinst -q -d | tr -d '[]' | paste -sd, -)"
fi

if ((problems)); then
    if ((in_ci)); then
        say "system setup failed ($problems problem(s) above); under CI=true every test must run"
        exit 1
    fi
    say "system setup incomplete ($problems problem(s) above); the tests that need those parts will skip"
fi
exit 0
