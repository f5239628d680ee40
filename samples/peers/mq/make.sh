#!/usr/bin/env bash
# make.sh — mutual-TLS captures of two servers that are not web servers: the
# MQTT broker mosquitto 2.0 (client mosquitto_pub) and Redis 7
# (client redis-cli), each requiring and verifying a client certificate, in
# TLS 1.2 and TLS 1.3. Writes samples/pcaps/<tls12|tls13>-<server>-<scenario>.pcap
# and samples/keylogs/<same>.keys (lines written by the client AND the server:
# both are OpenSSL 3 programs without a key-log option, so keylog_preload.so
# from samples/peers/keylog is preloaded into both).
#
# Scenarios (samples/README.md, "Message brokers" section, has the table):
#   ok                alice (+ intermediate): accepted, one publish (QoS 1) / PING
#   missing           no client certificate
#   untrusted         mallory (rogue CA)
#   expired           carol-expired (+ intermediate)
#   revoked           grace-revoked (+ intermediate), server loads intermediate.crl.pem
#                     (mosquitto only: Redis 7.0 has no CRL option)
#   weak-key          frank-rsa1024 (+ intermediate); the CLIENT runs at OpenSSL
#                     security level 1 (OPENSSL_CONF) so it can load the key at all,
#                     the server stays at Debian's default level 2
#   mosquitto identity, identity-mqtt5
#                     use_identity_as_username + an acl_file that grants only bob:
#                     alice connects (CONNACK accepted, username = CN), her QoS 1
#                     PUBLISH is denied: MQTT 5 PUBACK "not authorized" (0x87); MQTT
#                     3.1.1 has no reason code, the PUBACK looks like success and only
#                     the broker's log says "Denied PUBLISH" (mosquitto 2.0's acl_file
#                     never refuses a SUBSCRIBE: it filters delivery instead)
#   mosquitto identity-connack, identity-connack-mqtt5
#                     require_certificate but identity from a password_file (no
#                     use_identity_as_username): alice's certificate without a
#                     username gets CONNACK "not authorized"
#   mosquitto not-requested
#                     require_certificate false + use_identity_as_username: no
#                     CertificateRequest, so no certificate, CONNACK "bad user name
#                     or password"
#   redis identity    ACL `user default off` + a password user alice: a command
#                     without AUTH gets -NOAUTH
#   redis identity-wrongpass   AUTH alice with a wrong password: -WRONGPASS
#   redis identity-noperm      AUTH alice (read-only ACL), SET: -NOPERM
#
# Usage:  sudo samples/peers/mq/make.sh            # every capture
#         sudo samples/peers/mq/make.sh NAME...    # some of them
#         samples/peers/mq/make.sh --list          # capture names
#
# Ports 127.0.0.1:44630 (mosquitto TLS 1.2), 44631 (mosquitto TLS 1.3), 44640
# (Redis TLS 1.2), 44641 (Redis TLS 1.3), in a private network namespace
# (`unshare -n`, only its own lo). Each capture starts its own server from a
# temporary directory (own config, own data dir, no systemd, nothing in /etc)
# as user nobody (setpriv), then tcpdump, then one client; every process the
# script starts is ended by its PID (trap on EXIT). tcpdump needs root.
# MTLS_SAMPLES_KEEP_WORK=1 keeps the temporary directory with every server and
# client log.
#
# All keys under samples/pki are TEST-ONLY and public.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
S=$(cd "$HERE/../.." && pwd)
PKI=$S/pki
PCAPS=$S/pcaps
KEYS=$S/keylogs

MOSQ_SCEN=(ok missing untrusted expired revoked weak-key identity identity-mqtt5
    identity-connack identity-connack-mqtt5 not-requested)
REDIS_SCEN=(ok missing untrusted expired weak-key identity identity-wrongpass identity-noperm)
NAMES=()
for v in tls12 tls13; do
    for s in "${MOSQ_SCEN[@]}"; do NAMES+=("$v-mosquitto-$s"); done
    for s in "${REDIS_SCEN[@]}"; do NAMES+=("$v-redis-$s"); done
done

die() { printf 'mq/make.sh: %s\n' "$*" >&2; exit 1; }
note() { printf '== %s\n' "$*"; }

selected=()
for arg in "$@"; do
    case $arg in
        --list) printf '%s\n' "${NAMES[@]}"; exit 0 ;;
        -h|--help) sed -n '2,53p' "$0"; exit 0 ;;
        -*) die "unknown option $arg (try --help)" ;;
        *) printf '%s\n' "${NAMES[@]}" | grep -qx -- "$arg" || die "unknown capture '$arg' (try --list)"
           selected+=("$arg") ;;
    esac
done
((${#selected[@]})) || selected=("${NAMES[@]}")

need() { # TOOL DEBIAN-PACKAGE
    command -v "$1" >/dev/null || die "$1 not found: apt-get install $2"
}
need tcpdump tcpdump
need ss iproute2
need ip iproute2
need unshare util-linux
need setpriv util-linux
need timeout coreutils
need cc gcc
need mosquitto mosquitto
need mosquitto_passwd mosquitto
need mosquitto_pub mosquitto-clients
need redis-server redis-server
need redis-cli redis-tools
[[ -f /usr/include/openssl/ssl.h ]] || die "OpenSSL headers not found (keylog_preload.c): apt-get install libssl-dev"
[[ -f $PKI/server-chain.pem && -f $PKI/grace-revoked.pem && -f $PKI/intermediate.crl.pem ]] ||
    die "no PKI in $PKI: run samples/make-samples.sh --pki-only first"
{ getent passwd nobody && getent group nogroup; } >/dev/null || die "user nobody / group nogroup missing"
((EUID == 0)) || die "tcpdump needs root to capture on lo: run this script as root (sudo $0)"

if [[ -z ${MTLS_SAMPLES_NETNS:-} ]]; then
    exec unshare -n env MTLS_SAMPLES_NETNS=1 bash "$0" "${selected[@]}"
fi
ip link set lo up

WORK=$(mktemp -d /tmp/mtls-mq.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    exec 9>&- 2>/dev/null || true
    if [[ -n ${MTLS_SAMPLES_KEEP_WORK:-} ]]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
chmod 0711 "$WORK"

# servers in the background read a FIFO held open by this shell (capture-lib.sh)
mkfifo "$WORK/stdin.fifo"
exec 9<>"$WORK/stdin.fifo"
# shellcheck source=../capture-lib.sh
. "$S/peers/capture-lib.sh"

# the PKI, readable by the unprivileged servers
mkdir -p "$WORK/pki"
cp "$PKI"/*.pem "$PKI"/*.key "$WORK/pki/"
chmod 0755 "$WORK/pki"
chmod 0644 "$WORK/pki"/*
P=$WORK/pki

# key logs from both sides (keylog_preload.so wraps SSL_new)
cc -shared -fPIC -O2 -o "$WORK/keylog_preload.so" "$S/peers/keylog/keylog_preload.c" -ldl
chmod 0755 "$WORK/keylog_preload.so"
PRELOAD=$WORK/keylog_preload.so

# OpenSSL configurations: Debian's libssl is built with security level 2 and
# reads no ssl_conf from /etc/ssl/openssl.cnf, so these only add one setting.
# tls12: mosquitto 2.0's `tls_version tlsv1.2` is a minimum (it still
# negotiates 1.3), so the TLS 1.2 broker is capped here.
cat >"$WORK/openssl-max-tls12.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MaxProtocol = TLSv1.2
EOF
# seclevel1: the weak-key CLIENT only (at level 2 it cannot load a 1024-bit key)
cat >"$WORK/openssl-seclevel1.cnf" <<'EOF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
CipherString = DEFAULT:@SECLEVEL=1
EOF
chmod 0644 "$WORK"/*.cnf

# client certificate (chain) and key per scenario
client_cert() { # SCENARIO -> "CERT KEY" or nothing
    case $1 in
        missing) ;;
        untrusted) echo "$P/mallory.pem $P/mallory.key" ;;
        expired) echo "$P/carol-expired-chain.pem $P/carol-expired.key" ;;
        revoked) echo "$P/grace-revoked-chain.pem $P/grace-revoked.key" ;;
        weak-key) echo "$P/frank-rsa1024-chain.pem $P/frank-rsa1024.key" ;;
        *) echo "$P/alice-chain.pem $P/alice.key" ;;
    esac
}

# one capture directory per capture, owned by the server's user
case_dir() { # NAME
    local d=$WORK/$1
    rm -rf "$d"
    mkdir -p "$d"
    chown nobody:nogroup "$d"
    chmod 0755 "$d"
    : >"$d/client.keys"
    install -o nobody -g nogroup -m 0644 /dev/null "$d/server.keys"
    echo "$d"
}

run_server() { # LOG NAME-DIR OPENSSL_CONF-or-"" CMD...
    local log=$1 dir=$2 conf=$3
    shift 3
    local envs=(LD_PRELOAD="$PRELOAD" SSLKEYLOGFILE="$dir/server.keys")
    [[ -n $conf ]] && envs+=(OPENSSL_CONF="$conf")
    start_bg "$log" env "${envs[@]}" setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}

# keys: the client's lines, then the server's lines the client did not write
merge_keys() { # NAME DIR CLIENT-PROGRAM SERVER-PROGRAM
    local name=$1 d=$2 out=$KEYS/$1.keys nc ns nsame
    nc=$(grep -c . "$d/client.keys" || true)
    ns=$(grep -c . "$d/server.keys" || true)
    nsame=$(grep -cxFf "$d/client.keys" "$d/server.keys" || true)
    [[ -s $d/client.keys ]] || nsame=0
    {
        printf '# %s: NSS key log written through samples/peers/keylog/keylog_preload.so\n' "$name"
        printf '# client (%s): %s lines\n' "$3" "$nc"
        cat "$d/client.keys"
        printf '# server (%s): %s lines, %s of them identical to client lines above (left out)\n' "$4" "$ns" "$nsame"
        if [[ -s $d/client.keys ]]; then grep -vxFf "$d/client.keys" "$d/server.keys" || true
        else cat "$d/server.keys"; fi
    } >"$out"
    printf '   key log: client %s lines, server %s lines (%s shared)\n' "$nc" "$ns" "$nsame"
}

expect_log() { # NAME LOGFILE ERE
    grep -Eq "$3" "$2" ||
        die "$1: expected /$3/ in $2, got: $(head -c 600 "$2" | tr '\n' ' ')"
}

# ---------------------------------------------------------------- mosquitto
mosq_case() { # NAME VER SCENARIO
    local name=$1 ver=$2 scen=$3 d port conf="" cert key mqtt=mqttv311 pid rc
    d=$(case_dir "$name")
    if [[ $ver == tls12 ]]; then port=44630; conf=$WORK/openssl-max-tls12.cnf; else port=44631; fi
    {
        echo "per_listener_settings false"
        echo "persistence false"
        echo "log_dest stderr"
        echo "log_type all"
        echo "connection_messages true"
        echo "allow_anonymous false"
        echo "listener $port 127.0.0.1"
        echo "cafile $P/root.pem"
        echo "certfile $P/server-chain.pem"
        echo "keyfile $P/server.key"
        [[ $ver == tls13 ]] && echo "tls_version tlsv1.3"
        case $scen in
            identity-connack*)
                echo "require_certificate true"
                echo "password_file $d/passwd" ;;
            not-requested)
                echo "require_certificate false"
                echo "use_identity_as_username true" ;;
            *)
                echo "require_certificate true"
                echo "use_identity_as_username true" ;;
        esac
        [[ $scen == revoked ]] && echo "crlfile $P/intermediate.crl.pem"
        [[ $scen == identity || $scen == identity-mqtt5 ]] && echo "acl_file $d/acl"
    } >"$d/mosquitto.conf"
    printf 'user bob\ntopic readwrite mtls/#\n' >"$d/acl"
    mosquitto_passwd -b -c "$d/passwd" alice 's3cret-alice' 2>/dev/null
    chown nobody:nogroup "$d/passwd" "$d/acl" "$d/mosquitto.conf"
    chmod 0600 "$d/passwd"

    run_server "$name-server" "$d" "$conf" mosquitto -c "$d/mosquitto.conf"
    pid=$BG_PID
    wait_listen "$port"

    [[ $scen == *mqtt5 ]] && mqtt=mqttv5
    local tv=tlsv1.2
    [[ $ver == tls13 ]] && tv=tlsv1.3
    local copts=(-h 127.0.0.1 -p "$port" --cafile "$P/root.pem" --tls-version "$tv" -V "$mqtt" -d
        -i "mtlsdump-$scen")
    read -r cert key <<<"$(client_cert "$scen")"
    [[ -n ${cert:-} ]] && copts+=(--cert "$cert" --key "$key")
    local cenv=(LD_PRELOAD="$PRELOAD" SSLKEYLOGFILE="$d/client.keys")
    [[ $scen == weak-key ]] && cenv+=(OPENSSL_CONF="$WORK/openssl-seclevel1.cnf")

    capture_start "$name" "tcp port $port"
    rc=0
    env "${cenv[@]}" timeout 10 mosquitto_pub "${copts[@]}" -t mtls/test -m "hello from $scen" -q 1 \
        >"$d/client.log" 2>&1 || rc=$?
    echo "exit status $rc" >>"$d/client.log"
    capture_stop "$name"
    stop_bg "$pid"
    cp "$WORK/$name-server.log" "$d/server.log"
    sed 's/^/   client: /' "$d/client.log"
    grep -E 'OpenSSL Error|Client .* (disconnected|closed)|New client connected|Sending CONNACK|Sending PUBACK|Denied|refused|error' \
        "$d/server.log" | sed 's/^/   server: /' || true
    case $scen in
        ok) expect_log "$name" "$d/client.log" 'Client mtlsdump-ok received PUBACK' ;;
        identity) expect_log "$name" "$d/server.log" 'Denied PUBLISH' ;;
        identity-mqtt5) expect_log "$name" "$d/client.log" 'Publish 1 failed: Not authorized' ;;
        identity-connack*) expect_log "$name" "$d/client.log" '[Nn]ot authori[sz]ed' ;;
        not-requested) expect_log "$name" "$d/client.log" 'bad user name or password|Bad user name or password' ;;
        *) expect_log "$name" "$d/client.log" 'exit status [1-9]' ;;
    esac
    merge_keys "$name" "$d" mosquitto_pub mosquitto
}

# -------------------------------------------------------------------- Redis
redis_case() { # NAME VER SCENARIO
    local name=$1 ver=$2 scen=$3 d port cert key pid rc
    d=$(case_dir "$name")
    if [[ $ver == tls12 ]]; then port=44640; else port=44641; fi
    {
        echo "bind 127.0.0.1"
        echo "port 0"
        echo "tls-port $port"
        echo "tls-cert-file $P/server-chain.pem"
        echo "tls-key-file $P/server.key"
        echo "tls-ca-cert-file $P/root.pem"
        echo "tls-auth-clients yes"
        [[ $ver == tls12 ]] && echo 'tls-protocols "TLSv1.2"' || echo 'tls-protocols "TLSv1.3"'
        echo "daemonize no"
        echo "supervised no"
        echo 'logfile ""'
        echo "loglevel verbose"
        echo "dir $d"
        echo 'save ""'
        echo "appendonly no"
        echo "protected-mode no"
        case $scen in
            identity*)
                echo "user default off"
                echo "user alice on >s3cret-alice ~app:* +@read +ping" ;;
        esac
    } >"$d/redis.conf"
    chown nobody:nogroup "$d/redis.conf"

    run_server "$name-server" "$d" "" redis-server "$d/redis.conf"
    pid=$BG_PID
    wait_listen "$port"

    local copts=(-h 127.0.0.1 -p "$port" --tls --cacert "$P/root.pem" --sni server.mtls.test --no-auth-warning)
    read -r cert key <<<"$(client_cert "$scen")"
    [[ -n ${cert:-} ]] && copts+=(--cert "$cert" --key "$key")
    local cmd=(PING)
    case $scen in
        identity-wrongpass) copts+=(--user alice --pass wrong-password) ;;
        identity-noperm) copts+=(--user alice --pass s3cret-alice); cmd=(SET app:greeting hello) ;;
    esac
    local cenv=(LD_PRELOAD="$PRELOAD" SSLKEYLOGFILE="$d/client.keys")
    [[ $scen == weak-key ]] && cenv+=(OPENSSL_CONF="$WORK/openssl-seclevel1.cnf")

    capture_start "$name" "tcp port $port"
    rc=0
    env "${cenv[@]}" timeout 10 redis-cli "${copts[@]}" "${cmd[@]}" >"$d/client.log" 2>&1 </dev/null || rc=$?
    echo "exit status $rc" >>"$d/client.log"
    capture_stop "$name"
    stop_bg "$pid"
    cp "$WORK/$name-server.log" "$d/server.log"
    sed 's/^/   client: /' "$d/client.log"
    grep -Ei 'error|accepted|closed|client' "$d/server.log" | grep -v 'Server initialized\|Ready to accept' |
        sed 's/^/   server: /' || true
    case $scen in
        ok) expect_log "$name" "$d/client.log" '^PONG' ;;
        identity) expect_log "$name" "$d/client.log" 'NOAUTH' ;;
        identity-wrongpass) expect_log "$name" "$d/client.log" 'WRONGPASS' ;;
        identity-noperm) expect_log "$name" "$d/client.log" 'NOPERM' ;;
        *) expect_log "$name" "$d/client.log" 'Could not connect|I/O error|SSL|error|Error' ;;
    esac
    merge_keys "$name" "$d" redis-cli redis-server
}

mkdir -p "$PCAPS" "$KEYS"
for name in "${selected[@]}"; do
    note "$name"
    ver=${name%%-*}
    rest=${name#*-}
    server=${rest%%-*}
    scen=${rest#*-}
    case $server in
        mosquitto) mosq_case "$name" "$ver" "$scen" ;;
        redis) redis_case "$name" "$ver" "$scen" ;;
    esac
done
chown --reference="$S" "$PCAPS"/*.pcap "$KEYS"/*.keys 2>/dev/null || true
note "done"
