#!/usr/bin/env bash
# make.sh — mutual-TLS captures of two SQL servers with their own clients:
# PostgreSQL 15 (psql/libpq) and MariaDB 10.11 (the mariadb CLI), in TLS 1.2
# and TLS 1.3, with the server REQUIRING and VERIFYING a client certificate the
# way its documentation tells users to (issue 28). These servers often finish
# the TLS handshake and refuse the certificate in their own protocol; some
# answer with a TLS alert and MariaDB then writes its error packet IN THE
# CLEAR on the same socket.
#
#   <tls12|tls13>-postgres-<scenario>   port 44601
#   <tls12|tls13>-mariadb-<scenario>    port 44611
#
#   ok               alice's certificate, accepted; one query; the client quits
#   missing          no client certificate
#   untrusted        mallory (rogue CA)
#   expired          carol-expired
#   revoked          grace-revoked, server loading intermediate.crl.pem
#   weak-key         frank-rsa1024, the client at OpenSSL security level 1 so it
#                    sends the certificate (the server is at Debian's level 2)
#   identity         a valid certificate the server's authorization refuses:
#                    PostgreSQL alice's certificate for user bob (`cert` auth),
#                    MariaDB bob's certificate for a user REQUIRE SUBJECT CN=alice
#   identity-scram   PostgreSQL only: `scram-sha-256 clientcert=verify-full`, the
#                    right password for alice with bob's certificate
#   crl-alice        alice's VALID certificate against the server with the CRL:
#                    both servers check CRLs for the whole chain
#                    (X509_V_FLAG_CRL_CHECK_ALL) and there is no CRL of the root,
#                    so the intermediate's status is unknown and alice is refused
#   tls13-*-weak-key-client
#                    frank-rsa1024 with the client at its default level 2: the
#                    client refuses its own certificate before any ClientHello
#
# Usage:  sudo samples/peers/sql/make.sh            # every capture
#         sudo samples/peers/sql/make.sh NAME...    # some of them
#         samples/peers/sql/make.sh --list          # capture names
#
# Same conventions as samples/make-samples.sh: the PKI in samples/pki,
# samples/pcaps/NAME.pcap and samples/keylogs/NAME.keys, a private network
# namespace (`unshare -n`, re-executed automatically), servers on 127.0.0.1,
# tcpdump on lo, every process this script starts ended by its PID (trap on
# EXIT). The servers run as their own processes from a temporary directory
# (initdb / mariadb-install-db into it, own configuration, no systemd, nothing
# in /etc touched) under the unprivileged postgres / mysql users the Debian
# packages create. Neither server nor client has a key-log option: both run
# with keylog_preload.so (samples/peers/keylog, built here with cc) and the key
# log of a capture holds the lines of BOTH sides (client first, then the
# server's lines the client did not write). Set MTLS_SAMPLES_KEEP_WORK=1 to keep
# the temporary directory with every server log and client output.
#
# All keys under samples/pki are TEST-ONLY and public.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
S=$(cd "$HERE/../.." && pwd)
PKI=$S/pki
PCAPS=$S/pcaps
KEYS=$S/keylogs
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PG_PORT=44601
MY_PORT=44611

PG_SCENARIOS=(ok missing untrusted expired revoked weak-key identity identity-scram crl-alice)
MY_SCENARIOS=(ok missing untrusted expired revoked weak-key identity crl-alice)
NAMES=()
for _v in tls12 tls13; do
    for _s in "${PG_SCENARIOS[@]}"; do NAMES+=("$_v-postgres-$_s"); done
    for _s in "${MY_SCENARIOS[@]}"; do NAMES+=("$_v-mariadb-$_s"); done
done
NAMES+=(tls13-postgres-weak-key-client tls13-mariadb-weak-key-client)
unset _v _s

die() { printf 'sql/make.sh: %s\n' "$*" >&2; exit 1; }
note() { printf '== %s\n' "$*"; }

selected=()
for arg in "$@"; do
    case $arg in
        --list) printf '%s\n' "${NAMES[@]}"; exit 0 ;;
        -h|--help) sed -n '2,50p' "$0"; exit 0 ;;
        -*) die "unknown option $arg (try --help)" ;;
        *) printf '%s\n' "${NAMES[@]}" | grep -qx -- "$arg" || die "unknown capture '$arg' (try --list)"
           selected+=("$arg") ;;
    esac
done
((${#selected[@]})) || selected=("${NAMES[@]}")
want() { [[ " ${selected[*]} " == *"$1"* ]]; }

# every tool, with the Debian package that has it
need() { # TOOL PACKAGE
    command -v "$1" >/dev/null || [[ -x $1 ]] || die "$1 not found: apt-get install $2"
}
need openssl openssl
need tcpdump tcpdump
need ss iproute2
need ip iproute2
need timeout coreutils
need unshare util-linux
need setpriv util-linux
need cc gcc
[[ -f /usr/include/openssl/ssl.h ]] || die "OpenSSL headers not found (for keylog_preload.so): apt-get install libssl-dev"
if want -postgres-; then
    need "$PGBIN/postgres" postgresql-15
    need "$PGBIN/initdb" postgresql-15
    need psql postgresql-client-15
    id postgres >/dev/null 2>&1 || die "no postgres user (created by the postgresql-15 package)"
fi
if want -mariadb-; then
    need mariadbd mariadb-server
    need mariadb-install-db mariadb-server
    need mariadb mariadb-client
    id mysql >/dev/null 2>&1 || die "no mysql user (created by the mariadb-server package)"
fi
[[ -f $PKI/server-chain.pem && -f $PKI/grace-revoked.pem && -f $PKI/intermediate.crl.pem ]] ||
    die "no PKI in $PKI: run samples/make-samples.sh --pki-only first"
((EUID == 0)) || die "tcpdump needs root to capture on lo: run this script as root (sudo $0)"

if [[ -z ${MTLS_SAMPLES_NETNS:-} ]]; then
    unshare -n true 2>/dev/null || die "unshare -n failed (needs root and a kernel with network namespaces)"
    exec unshare -n env MTLS_SAMPLES_NETNS=1 bash "$0" "${selected[@]}"
fi
ip link set lo up

WORK=$(mktemp -d /tmp/mtls-sql.XXXXXX)
chmod 0755 "$WORK" # the servers run as postgres / mysql and read their files here
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    exec 9>&- 2>/dev/null || true
    if [[ -n ${MTLS_SAMPLES_KEEP_WORK:-} ]]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
mkfifo "$WORK/stdin.fifo"
exec 9<>"$WORK/stdin.fifo"

# shellcheck source-path=SCRIPTDIR source=../capture-lib.sh
. "$S/peers/capture-lib.sh"

PRELOAD=$WORK/keylog_preload.so
cc -shared -fPIC -O2 -o "$PRELOAD" "$S/peers/keylog/keylog_preload.c" -ldl || die "cannot build keylog_preload.so"
chmod 0755 "$PRELOAD"

# Client files: libpq wants its key readable by the user only (0600).
CLI=$WORK/client
mkdir -p "$CLI" "$WORK/home"
for c in alice bob mallory carol-expired grace-revoked frank-rsa1024; do
    cp "$PKI/$c.key" "$CLI/"
    # what the client sends: leaf + intermediate where the leaf has one (both
    # documentations: append the intermediate to the client certificate file)
    if [[ -f $PKI/$c-chain.pem ]]; then cp "$PKI/$c-chain.pem" "$CLI/$c.pem"; else cp "$PKI/$c.pem" "$CLI/"; fi
done
cp "$PKI/root.pem" "$CLI/"
chmod 0600 "$CLI"/*.key
# OpenSSL configuration for the weak-key captures: the client at security level 1
# (Debian's OpenSSL defaults to level 2, where the client refuses its own
# 1024-bit key, "ee key too small", before any ClientHello: *-weak-key-client).
cat >"$WORK/seclevel1.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
CipherString = DEFAULT:@SECLEVEL=1
EOF

# run_client NAME CMD... — the client with only the environment it needs and the
# preload writing the client's key log; its output in $WORK/NAME.client.log
run_client() {
    local name=$1 conf=/etc/ssl/openssl.cnf rc=0
    shift
    [[ $name == *-weak-key ]] && conf=$WORK/seclevel1.cnf
    timeout 30 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$WORK/home" LANG=C \
        OPENSSL_CONF="$conf" SSLKEYLOGFILE="$WORK/$name.client.keys" LD_PRELOAD="$PRELOAD" \
        "$@" >"$WORK/$name.client.log" 2>&1 || rc=$?
    echo "exit $rc" >>"$WORK/$name.client.log"
}

# finish_keys NAME SERVER_KEYLOG — the capture's key log: the client's lines,
# then those of the server the client did not write
finish_keys() {
    local name=$1 srv=$2 cli=$WORK/$1.client.keys nc=0 ns=0
    [[ -f $srv ]] && mv "$srv" "$WORK/$name.server.keys"
    srv=$WORK/$name.server.keys
    [[ -f $cli ]] && nc=$(grep -c . "$cli" || true)
    [[ -f $srv ]] && ns=$(grep -c . "$srv" || true)
    { cat "$cli" "$srv" 2>/dev/null || true; } | awk 'NF && !seen[$0]++' >"$KEYS/$name.keys"
    [[ -s $KEYS/$name.keys ]] || rm -f "$KEYS/$name.keys"
    chown --reference="$PCAPS" "$PCAPS/$name.pcap" # tcpdump wrote it as its own user
    printf '%s: key log lines client %s, server %s; client: %s\n' "$name" "$nc" "$ns" \
        "$(grep -v -e '^exit' -e '^ *$' -e '^(' -e '^-' "$WORK/$name.client.log" | tail -1 | cut -c1-200) ($(tail -1 "$WORK/$name.client.log"))"
}

# ---------------------------------------------------------------------------
# PostgreSQL: hostssl + `cert` authentication (the CN is the user name), and a
# `scram-sha-256 clientcert=verify-full` line for the database scramdb.
# ---------------------------------------------------------------------------
PG=$WORK/postgres
PG_PID=
pg_init() {
    mkdir -p "$PG/data" "$PG/run" "$PG/ssl"
    cp "$PKI/server-chain.pem" "$PKI/server.key" "$PKI/ca-chain.pem" "$PKI/intermediate.crl.pem" "$PG/ssl/"
    chown -R postgres "$PG"
    chmod 0600 "$PG/ssl/server.key"
    chmod 0700 "$PG/data"
    setpriv --reuid=postgres --regid=postgres --clear-groups --reset-env \
        "$PGBIN/initdb" -D "$PG/data" -U postgres --auth=trust >"$WORK/initdb.log" 2>&1 ||
        die "initdb failed: $(tail -3 "$WORK/initdb.log")"
    cat >>"$PG/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG/run'
log_connections = on
log_disconnections = on
ssl = on
ssl_cert_file = '$PG/ssl/server-chain.pem'
ssl_key_file = '$PG/ssl/server.key'
ssl_ca_file = '$PG/ssl/ca-chain.pem'
include = 'mtls.conf'
EOF
    cat >"$PG/data/pg_hba.conf" <<EOF
local   all     all                     trust
hostssl scramdb all     127.0.0.1/32    scram-sha-256 clientcert=verify-full
hostssl all     all     127.0.0.1/32    cert
EOF
}
pg_start() { # VERSION(TLSv1.2|TLSv1.3) CRL(0|1)
    {
        echo "ssl_min_protocol_version = '$1'"
        echo "ssl_max_protocol_version = '$1'"
        (($2)) && echo "ssl_crl_file = '$PG/ssl/intermediate.crl.pem'"
        true
    } >"$PG/data/mtls.conf"
    chown postgres "$PG/data/mtls.conf"
    start_bg "postgres-$1-crl$2" setpriv --reuid=postgres --regid=postgres --clear-groups \
        env SSLKEYLOGFILE="$PG/run/server.keys" LD_PRELOAD="$PRELOAD" \
        "$PGBIN/postgres" -D "$PG/data" -k "$PG/run"
    # shellcheck disable=SC2153 # BG_PID is set by start_bg (capture-lib.sh)
    PG_PID=$BG_PID
    wait_listen "$PG_PORT"
}
pg_roles() {
    psql -X -q -h "$PG/run" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >"$WORK/pg-roles.log" 2>&1 <<'EOF' ||
CREATE ROLE alice LOGIN PASSWORD 'alice-password';
CREATE ROLE bob LOGIN;
CREATE ROLE mallory LOGIN;
CREATE ROLE "carol-expired" LOGIN;
CREATE ROLE "grace-revoked" LOGIN;
CREATE ROLE "frank-rsa1024" LOGIN;
CREATE DATABASE scramdb;
EOF
        die "creating the PostgreSQL roles failed: $(cat "$WORK/pg-roles.log")"
}
pg_capture() { # NAME SCENARIO
    local name=$1 cert user db=postgres pw=
    case $2 in
        ok) cert=alice user=alice ;;
        missing) cert='' user=alice ;;
        untrusted) cert=mallory user=mallory ;;
        expired) cert=carol-expired user=carol-expired ;;
        revoked) cert=grace-revoked user=grace-revoked ;;
        weak-key|weak-key-client) cert=frank-rsa1024 user=frank-rsa1024 ;;
        identity) cert=alice user=bob ;;
        identity-scram) cert=bob user=alice db=scramdb pw=alice-password ;;
        crl-alice) cert=alice user=alice ;;
        *) die "pg_capture: unknown scenario $2" ;;
    esac
    local conn="host=localhost hostaddr=127.0.0.1 port=$PG_PORT dbname=$db user=$user"
    conn+=" sslmode=verify-full sslrootcert=$CLI/root.pem gssencmode=disable application_name=mtlsdump-$2"
    [[ -n $cert ]] && conn+=" sslcert=$CLI/$cert.pem sslkey=$CLI/$cert.key"
    [[ -n $pw ]] && conn+=" password=$pw"
    rm -f "$PG/run/server.keys" # lines of earlier connections (the setup's)
    capture_start "$name" "tcp port $PG_PORT"
    run_client "$name" psql -X -w "$conn" -c 'SELECT current_user, ssl.version FROM pg_stat_ssl ssl WHERE pid = pg_backend_pid()'
    capture_stop "$name"
    finish_keys "$name" "$PG/run/server.keys"
}

# ---------------------------------------------------------------------------
# MariaDB: users with REQUIRE X509, and app REQUIRE SUBJECT '/O=mtlsdump test/CN=alice'.
# ---------------------------------------------------------------------------
MY=$WORK/mariadb
MY_PID=
my_init() {
    mkdir -p "$MY/data" "$MY/run" "$MY/ssl"
    cp "$PKI/server-chain.pem" "$PKI/server.key" "$PKI/ca-chain.pem" "$PKI/intermediate.crl.pem" "$MY/ssl/"
    chown -R mysql "$MY"
    chmod 0600 "$MY/ssl/server.key"
    mariadb-install-db --no-defaults --user=mysql --datadir="$MY/data" \
        --auth-root-authentication-method=socket --skip-test-db >"$WORK/mariadb-install-db.log" 2>&1 ||
        die "mariadb-install-db failed: $(tail -3 "$WORK/mariadb-install-db.log")"
}
my_start() { # VERSION(TLSv1.2|TLSv1.3) CRL(0|1)
    local crl_opt=()
    (($2)) && crl_opt=(--ssl-crl="$MY/ssl/intermediate.crl.pem")
    rm -f "$MY/run/error.log"
    start_bg "mariadb-$1-crl$2" env SSLKEYLOGFILE="$MY/run/server.keys" LD_PRELOAD="$PRELOAD" \
        mariadbd --no-defaults --user=mysql --datadir="$MY/data" --socket="$MY/run/mysqld.sock" \
        --pid-file="$MY/run/mysqld.pid" --log-error="$MY/run/error.log" --log-warnings=4 \
        --port="$MY_PORT" --bind-address=127.0.0.1 --skip-name-resolve --skip-log-bin \
        --innodb-buffer-pool-size=16M --ssl-ca="$MY/ssl/ca-chain.pem" \
        --ssl-cert="$MY/ssl/server-chain.pem" --ssl-key="$MY/ssl/server.key" "${crl_opt[@]}" --tls-version="$1"
    MY_PID=$BG_PID
    wait_listen "$MY_PORT"
}
my_users() {
    mariadb --no-defaults --socket="$MY/run/mysqld.sock" -u root >"$WORK/mariadb-users.log" 2>&1 <<'EOF' ||
CREATE USER 'alice'@'%' IDENTIFIED BY 'alice-password' REQUIRE X509;
CREATE USER 'mallory'@'%' IDENTIFIED BY 'mallory-password' REQUIRE X509;
CREATE USER 'carol-expired'@'%' IDENTIFIED BY 'carol-expired-password' REQUIRE X509;
CREATE USER 'grace-revoked'@'%' IDENTIFIED BY 'grace-revoked-password' REQUIRE X509;
CREATE USER 'frank-rsa1024'@'%' IDENTIFIED BY 'frank-rsa1024-password' REQUIRE X509;
CREATE USER 'app'@'%' IDENTIFIED BY 'app-password' REQUIRE SUBJECT '/O=mtlsdump test/CN=alice';
EOF
        die "creating the MariaDB users failed: $(cat "$WORK/mariadb-users.log")"
}
my_capture() { # NAME SCENARIO VERSION
    local name=$1 cert user
    case $2 in
        ok) cert=alice user=alice ;;
        missing) cert='' user=alice ;;
        untrusted) cert=mallory user=mallory ;;
        expired) cert=carol-expired user=carol-expired ;;
        revoked) cert=grace-revoked user=grace-revoked ;;
        weak-key|weak-key-client) cert=frank-rsa1024 user=frank-rsa1024 ;;
        identity) cert=bob user=app ;;
        crl-alice) cert=alice user=alice ;;
        *) die "my_capture: unknown scenario $2" ;;
    esac
    local args=(--no-defaults --protocol=TCP --host=127.0.0.1 --port="$MY_PORT" --user="$user"
        --password="$user-password" --ssl-ca="$CLI/root.pem" --ssl-verify-server-cert --tls-version="$3")
    [[ -n $cert ]] && args+=(--ssl-cert="$CLI/$cert.pem" --ssl-key="$CLI/$cert.key")
    rm -f "$MY/run/server.keys" # lines of earlier connections (the setup's, over TLS on the socket)
    capture_start "$name" "tcp port $MY_PORT"
    run_client "$name" mariadb "${args[@]}" -e "SELECT CURRENT_USER(); SHOW SESSION STATUS LIKE 'Ssl_version'"
    capture_stop "$name"
    finish_keys "$name" "$MY/run/server.keys"
}

# ---------------------------------------------------------------------------
# run: one server start per TLS version and CRL setting
# ---------------------------------------------------------------------------
# scenarios_for SERVER VERSION CRL — the selected scenarios served by that configuration
scenarios_for() {
    local srv=$1 v=$2 crl=$3 name scen
    for name in "${selected[@]}"; do
        [[ $name == "$v-$srv-"* ]] || continue
        scen=${name#"$v-$srv-"}
        case $scen in revoked|crl-alice) ((crl)) || continue ;; *) ((crl)) && continue ;; esac
        echo "$scen"
    done
}

if want -postgres-; then
    note "PostgreSQL ($("$PGBIN/postgres" --version)), port $PG_PORT"
    pg_init
    roles_done=0
    for v in tls12 tls13; do
        for crl in 0 1; do
            mapfile -t scens < <(scenarios_for postgres "$v" "$crl")
            ((${#scens[@]})) || continue
            tlsv=TLSv1.2; [[ $v == tls13 ]] && tlsv=TLSv1.3
            pg_start "$tlsv" "$crl"
            ((roles_done)) || { pg_roles; roles_done=1; }
            for scen in "${scens[@]}"; do pg_capture "$v-postgres-$scen" "$scen"; done
            stop_bg "$PG_PID"
        done
    done
fi

if want -mariadb-; then
    note "MariaDB ($(mariadbd --version 2>/dev/null | sed 's/ *for .*//')), port $MY_PORT"
    my_init
    users_done=0
    for v in tls12 tls13; do
        for crl in 0 1; do
            mapfile -t scens < <(scenarios_for mariadb "$v" "$crl")
            ((${#scens[@]})) || continue
            tlsv=TLSv1.2; [[ $v == tls13 ]] && tlsv=TLSv1.3
            my_start "$tlsv" "$crl"
            ((users_done)) || { my_users; users_done=1; }
            for scen in "${scens[@]}"; do my_capture "$v-mariadb-$scen" "$scen" "$tlsv"; done
            stop_bg "$MY_PID"
            cp "$MY/run/error.log" "$WORK/mariadb-$tlsv-crl$crl.error.log" 2>/dev/null || true
        done
    done
fi
note "done: ${#selected[@]} captures in $PCAPS"
