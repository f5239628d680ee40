#!/usr/bin/env bash
# make-renegotiation.sh — TLS 1.2 renegotiation captures: a second handshake
# sent inside the encrypted stream after the first one finished.
#
#   tls12-apache-reneg-mtls-ok          Apache mod_ssl, `SSLVerifyClient none` for the
#                                       virtual host and `SSLVerifyClient require` in
#                                       <Location /secure>: the server answers GET /secure/
#                                       with a HelloRequest, a new handshake asks for a
#                                       client certificate, curl sends alice; HTTP 200
#   tls12-apache-reneg-no-client-cert   the same Apache, curl without a certificate: the
#                                       renegotiation's Certificate is empty, the server
#                                       aborts it with an alert
#   tls12-openssl-reneg-client          client-initiated: openssl s_client types `R`
#                                       (s_server -client_renegotiation -no_resumption_on_reneg:
#                                       a full second handshake, no client certificate)
#   tls12-gnutls-reneg-insecure         legacy (insecure) renegotiation: gnutls-cli
#                                       --rehandshake with %DISABLE_SAFE_RENEGOTIATION (no
#                                       renegotiation_info extension, no SCSV) against
#                                       openssl s_server -legacy_renegotiation
#
# Usage:  sudo samples/peers/make-renegotiation.sh            # every capture
#         sudo samples/peers/make-renegotiation.sh NAME...    # some of them
#         samples/peers/make-renegotiation.sh --list          # capture names
#
# Same conventions as samples/make-samples.sh and make-tls12-suites.sh: the
# PKI in samples/pki, samples/pcaps/NAME.pcap and the client's key log
# samples/keylogs/NAME.keys (one CLIENT_RANDOM line per handshake: the
# renegotiation has its own client random and master secret), a private
# network namespace (`unshare -n`), servers on 127.0.0.1 ports 44620-44623,
# every process it starts ended by PID. tcpdump needs root.
#
# All keys under samples/pki are TEST-ONLY and public.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PKI=$HERE/pki
PCAPS=$HERE/pcaps
KEYS=$HERE/keylogs
APACHE_MODS=/usr/lib/apache2/modules

NAMES=(tls12-apache-reneg-mtls-ok tls12-apache-reneg-no-client-cert tls12-openssl-reneg-client
    tls12-gnutls-reneg-insecure)

die() { printf 'make-renegotiation.sh: %s\n' "$*" >&2; exit 1; }
note() { printf '== %s\n' "$*"; }

selected=()
for arg in "$@"; do
    case $arg in
        --list) printf '%s\n' "${NAMES[@]}"; exit 0 ;;
        -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
        -*) die "unknown option $arg (try --help)" ;;
        *) printf '%s\n' "${NAMES[@]}" | grep -qx -- "$arg" || die "unknown capture '$arg' (try --list)"
           selected+=("$arg") ;;
    esac
done
((${#selected[@]})) || selected=("${NAMES[@]}")

for tool in openssl tcpdump ss timeout curl apache2 gnutls-cli; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian: openssl, tcpdump, iproute2, coreutils, curl, apache2, gnutls-bin)"
done
[[ -f $APACHE_MODS/mod_ssl.so ]] || die "mod_ssl not found in $APACHE_MODS: apt-get install apache2"
[[ -f $PKI/server.pem && -f $PKI/root.pem ]] || die "no PKI in $PKI: run samples/make-samples.sh --pki-only first"
((EUID == 0)) || die "tcpdump needs root to capture on lo: run this script as root (sudo $0)"

if [[ -z ${MTLS_SAMPLES_NETNS:-} ]]; then
    if unshare -n true 2>/dev/null; then
        exec unshare -n env MTLS_SAMPLES_NETNS=1 bash "$0" "${selected[@]}"
    fi
    printf 'make-renegotiation.sh: warning: unshare -n unavailable, using the host loopback\n' >&2
else
    ip link set lo up
fi

WORK=$(mktemp -d /tmp/mtls-reneg.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    exec 9>&- 2>/dev/null || true
    if [[ -n ${MTLS_SAMPLES_KEEP_WORK:-} ]]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# servers read a FIFO held open by this shell: s_server quits on EOF from stdin
mkfifo "$WORK/stdin.fifo"
exec 9<>"$WORK/stdin.fifo"

# shellcheck source=capture-lib.sh
. "$HERE/peers/capture-lib.sh"
expect_log() { # NAME LOG ERE
    grep -Eq "$3" "$WORK/$2.log" ||
        die "$1: expected /$3/ in $2.log, got: $(head -c 400 "$WORK/$2.log" | tr '\n' ' ')"
}

# --- Apache: client certificate required for /secure only (per-directory renegotiation)
apache_start() { # NAME PORT
    local name=$1 port=$2 dir=$WORK/apache-$1
    chmod 0711 "$WORK"
    mkdir -p "$dir/htdocs/secure"
    chmod 0755 "$dir" "$dir/htdocs" "$dir/htdocs/secure"
    printf 'hello from apache\n' >"$dir/htdocs/index.html"
    printf 'hello from the client-certificate area\n' >"$dir/htdocs/secure/index.html"
    cat >"$dir/httpd.conf" <<EOF
ServerRoot "$dir"
DefaultRuntimeDir "$dir"
PidFile "$dir/httpd.pid"
Mutex file:$dir default
User www-data
Group www-data
ServerName server.mtls.test
Listen 127.0.0.1:$port
LoadModule mpm_event_module $APACHE_MODS/mod_mpm_event.so
LoadModule authz_core_module $APACHE_MODS/mod_authz_core.so
LoadModule dir_module $APACHE_MODS/mod_dir.so
LoadModule socache_shmcb_module $APACHE_MODS/mod_socache_shmcb.so
LoadModule ssl_module $APACHE_MODS/mod_ssl.so
ErrorLog "$dir/error.log"
LogLevel info ssl:debug
LogFormat "%h \"%r\" %>s verify=%{SSL_CLIENT_VERIFY}x dn=%{SSL_CLIENT_S_DN}x" mtls
SSLSessionCache "shmcb:$dir/ssl_scache(51200)"
<VirtualHost 127.0.0.1:$port>
    ServerName server.mtls.test
    DocumentRoot "$dir/htdocs"
    DirectoryIndex index.html
    CustomLog "$dir/access.log" mtls
    SSLEngine on
    SSLProtocol -all +TLSv1.2
    SSLCertificateFile "$PKI/server-chain.pem"
    SSLCertificateKeyFile "$PKI/server.key"
    SSLCACertificateFile "$PKI/root.pem"
    SSLVerifyClient none
    <Location /secure>
        SSLVerifyClient require
        SSLVerifyDepth 3
    </Location>
</VirtualHost>
EOF
    start_bg "$name-apache" apache2 -X -d "$dir" -f "$dir/httpd.conf"
    APACHE_PID=$BG_PID
    wait_listen "$port"
}
apache_case() { # NAME PORT EXPECT-ERE [curl options]
    local name=$1 port=$2 expect=$3
    shift 3
    apache_start "$name" "$port"
    capture_start "$name" "tcp port $port"
    SSLKEYLOGFILE=$KEYS/$name.keys timeout 15 curl -sS --http1.1 --tlsv1.2 --tls-max 1.2 \
        --cacert "$PKI/root.pem" --resolve "server.mtls.test:$port:127.0.0.1" \
        -o "$WORK/$name.body" -w '%{http_code}\n' "$@" "https://server.mtls.test:$port/secure/" \
        >"$WORK/$name-curl.log" 2>&1 || true
    capture_stop "$name"
    stop_bg "$APACHE_PID"
    expect_log "$name" "$name-curl" "$expect"
    cat "$WORK/apache-$name/access.log" 2>/dev/null || true
}
cap_tls12-apache-reneg-mtls-ok() {
    apache_case "$1" 44620 '^200' --cert "$PKI/alice-chain.pem" --key "$PKI/alice.key"
}
cap_tls12-apache-reneg-no-client-cert() {
    apache_case "$1" 44621 '^000'
}

# --- openssl s_client types R: a client-initiated renegotiation
cap_tls12-openssl-reneg-client() {
    local name=$1 port=44622 pid
    start_bg "$name-server" openssl s_server -accept "127.0.0.1:$port" -tls1_2 -naccept 1 \
        -client_renegotiation -no_resumption_on_reneg \
        -cert "$PKI/server.pem" -key "$PKI/server.key" -cert_chain "$PKI/intermediate.pem"
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    { sleep 0.5; echo "hello before"; sleep 0.5; echo R; sleep 1; echo "hello after"; sleep 0.5; } |
        timeout 15 openssl s_client -connect "127.0.0.1:$port" -tls1_2 -servername server.mtls.test \
            -CAfile "$PKI/root.pem" -verify_return_error -keylogfile "$KEYS/$name.keys" \
            >"$WORK/$name-client.log" 2>&1 || true
    capture_stop "$name"
    stop_bg "$pid"
    expect_log "$name" "$name-client" 'RENEGOTIATING'
    expect_log "$name" "$name-server" 'hello after'
}

# --- gnutls-cli --rehandshake without renegotiation_info: legacy renegotiation
cap_tls12-gnutls-reneg-insecure() {
    local name=$1 port=44623 pid
    start_bg "$name-server" openssl s_server -accept "127.0.0.1:$port" -tls1_2 -naccept 1 \
        -legacy_renegotiation -client_renegotiation -no_resumption_on_reneg -no_ticket \
        -cert "$PKI/server.pem" -key "$PKI/server.key" -cert_chain "$PKI/intermediate.pem"
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    { sleep 1.5; echo "hello after"; sleep 0.5; } |
        SSLKEYLOGFILE=$KEYS/$name.keys timeout 15 gnutls-cli -p "$port" --rehandshake \
            --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2:%DISABLE_SAFE_RENEGOTIATION' \
            --x509cafile "$PKI/root.pem" --sni-hostname server.mtls.test \
            --verify-hostname server.mtls.test 127.0.0.1 >"$WORK/$name-client.log" 2>&1 || true
    capture_stop "$name"
    stop_bg "$pid"
    expect_log "$name" "$name-client" 'ReHandshake was completed'
}

mkdir -p "$PCAPS" "$KEYS"
for name in "${selected[@]}"; do
    note "$name"
    "cap_$name" "$name"
    [[ -s $KEYS/$name.keys ]] || die "$name: the client wrote no key log"
    printf '   key log: %s CLIENT_RANDOM lines\n' "$(grep -c '^CLIENT_RANDOM' "$KEYS/$name.keys")"
done
chown --reference="$HERE" "$PCAPS"/* "$KEYS"/* 2>/dev/null || true
note "done"
