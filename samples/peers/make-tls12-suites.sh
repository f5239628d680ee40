#!/usr/bin/env bash
# make-tls12-suites.sh — one small capture per TLS 1.2 cipher-suite family that
# mtlsdump decrypts from a key log beyond the common ECDHE-RSA AES-GCM / CBC
# ones: PSK, DHE_PSK, ECDHE_PSK and RSA_PSK key exchanges, AES-CCM and CCM_8,
# ChaCha20-Poly1305, ARIA-GCM, Camellia-CBC with SHA-384, NULL encryption, a
# SHA-256 MAC suite in TLS 1.0, 3DES (GnuTLS: OpenSSL 3 is built without it),
# and one suite mtlsdump cannot decrypt (Camellia-GCM, GnuTLS only).
#
# Usage:  sudo samples/peers/make-tls12-suites.sh            # every capture
#         sudo samples/peers/make-tls12-suites.sh NAME...    # some of them
#         samples/peers/make-tls12-suites.sh --list          # capture names
#
# Same conventions as samples/make-samples.sh: it uses the existing PKI in
# samples/pki (server.pem + intermediate, trusted via root.pem), writes
# samples/pcaps/NAME.pcap and the client's key log samples/keylogs/NAME.keys,
# runs in a private network namespace (`unshare -n`, only its own lo) when it
# can, servers listen on 127.0.0.1 (gnutls-serv: the wildcard, i.e. only lo in
# the namespace) on fixed ports 44600-44612, and every process it starts is
# ended by PID. tcpdump needs root.
#
# Each session is one-way TLS (no client certificate): the client sends
# "GET /hello.txt HTTP/1.0"; OpenSSL's `s_server -WWW` answers with the file
# and closes with close_notify, which the client answers with its own;
# gnutls-serv --echo echoes the line and the client closes.
#
# All keys under samples/pki are TEST-ONLY and public; so is the PSK below.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PKI=$HERE/pki
PCAPS=$HERE/pcaps
KEYS=$HERE/keylogs
PSK_HEX=6d746c7364756d702d746573742d70736b2d30303031   # "mtlsdump-test-psk-0001"
PSK_ID=mtlsdump-client

# name | port | TLS version (s_client/s_server flag or gnutls) | suite (OpenSSL name or GnuTLS priority) | needs the server certificate
CAPTURES=(
    "tls12-psk-aes128-ccm|44600|-tls1_2|PSK-AES128-CCM|no"
    "tls12-psk-aes256-gcm-sha384|44601|-tls1_2|PSK-AES256-GCM-SHA384|no"
    "tls12-ecdhe-psk-chacha20|44602|-tls1_2|ECDHE-PSK-CHACHA20-POLY1305|no"
    "tls12-dhe-psk-aes128-cbc-sha256|44603|-tls1_2|DHE-PSK-AES128-CBC-SHA256|no"
    "tls12-rsa-psk-aes256-cbc-sha384|44604|-tls1_2|RSA-PSK-AES256-CBC-SHA384|yes"
    "tls12-dhe-psk-aes256-ccm8|44605|-tls1_2|DHE-PSK-AES256-CCM8|no"
    "tls12-rsa-aes128-ccm8|44606|-tls1_2|AES128-CCM8|yes"
    "tls12-ecdhe-aria128-gcm|44607|-tls1_2|ECDHE-ARIA128-GCM-SHA256|yes"
    "tls12-ecdhe-camellia256-sha384|44608|-tls1_2|ECDHE-RSA-CAMELLIA256-SHA384|yes"
    "tls12-ecdhe-psk-null-sha384|44609|-tls1_2|ECDHE-PSK-NULL-SHA384|no"
    "tls10-ecdhe-psk-aes128-cbc-sha256|44610|-tls1|ECDHE-PSK-AES128-CBC-SHA256|no"
    "gnutls-tls12-3des|44611|gnutls|NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+3DES-CBC:-KX-ALL:+ECDHE-RSA|yes"
    "gnutls-tls12-camellia128-gcm|44612|gnutls|NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+CAMELLIA-128-GCM:-KX-ALL:+ECDHE-RSA|yes"
)

die() { printf 'make-tls12-suites.sh: %s\n' "$*" >&2; exit 1; }
note() { printf '== %s\n' "$*"; }

names() { local row; for row in "${CAPTURES[@]}"; do echo "${row%%|*}"; done; }

selected=()
for arg in "$@"; do
    case $arg in
        --list) names; exit 0 ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        -*) die "unknown option $arg (try --help)" ;;
        *) names | grep -qx -- "$arg" || die "unknown capture '$arg' (try --list)"; selected+=("$arg") ;;
    esac
done
((${#selected[@]})) || mapfile -t selected < <(names)

for tool in openssl tcpdump ss timeout gnutls-serv gnutls-cli; do
    command -v "$tool" >/dev/null || die "$tool not found (Debian: openssl, tcpdump, iproute2, coreutils, gnutls-bin)"
done
[[ -f $PKI/server.pem && -f $PKI/root.pem ]] || die "no PKI in $PKI: run samples/make-samples.sh --pki-only first"
((EUID == 0)) || die "tcpdump needs root to capture on lo: run this script as root (sudo $0)"

# private network namespace: only our own loopback
if [[ -z ${MTLS_SAMPLES_NETNS:-} ]]; then
    if unshare -n true 2>/dev/null; then
        exec unshare -n env MTLS_SAMPLES_NETNS=1 bash "$0" "${selected[@]}"
    fi
    printf 'make-tls12-suites.sh: warning: unshare -n unavailable, using the host loopback\n' >&2
else
    ip link set lo up
fi

WORK=$(mktemp -d /tmp/mtls-suites.XXXXXX)
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
mkdir "$WORK/www"
printf 'hello from mtlsdump samples\n' >"$WORK/www/hello.txt"

# shellcheck source=capture-lib.sh
. "$HERE/peers/capture-lib.sh"
request() { printf 'GET /hello.txt HTTP/1.0\r\n\r\n'; sleep "${1:-1}"; }

# openssl_suite NAME PORT VERSION-FLAG CIPHER CERT(yes|no)
openssl_suite() {
    local name=$1 port=$2 ver=$3 cipher=$4 cert=$5 pid
    local -a sopts=(-accept "127.0.0.1:$port" "$ver" -cipher "$cipher:@SECLEVEL=0" -naccept 1 -WWW)
    local -a copts=(-connect "127.0.0.1:$port" "$ver" -cipher "$cipher:@SECLEVEL=0" -keylogfile "$KEYS/$name.keys")
    if [[ $cipher == *PSK* ]]; then
        sopts+=(-psk "$PSK_HEX" -psk_identity "$PSK_ID" -psk_hint mtlsdump)
        copts+=(-psk "$PSK_HEX" -psk_identity "$PSK_ID")
    fi
    if [[ $cert == yes ]]; then
        sopts+=(-cert "$PKI/server.pem" -key "$PKI/server.key" -cert_chain "$PKI/intermediate.pem")
        copts+=(-servername server.mtls.test -CAfile "$PKI/root.pem" -verify_return_error
            -verify_hostname server.mtls.test)
    else
        sopts+=(-nocert)
    fi
    # -WWW serves files relative to the working directory
    start_bg "$name-server" env -C "$WORK/www" openssl s_server "${sopts[@]}"
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    request 1 | timeout 15 openssl s_client "${copts[@]}" >"$WORK/$name-client.log" 2>&1 || true
    capture_stop "$name"
    stop_bg "$pid"
    grep -q '^hello from mtlsdump samples' "$WORK/$name-client.log" ||
        { cat "$WORK/$name-client.log" "$WORK/$name-server.log" >&2; die "$name: no HTTP answer"; }
}

# gnutls_suite NAME PORT PRIORITY — one-way gnutls-serv --echo, gnutls-cli with SSLKEYLOGFILE
gnutls_suite() {
    local name=$1 port=$2 prio=$3 pid
    start_bg "$name-server" gnutls-serv --echo -p "$port" --priority "$prio" \
        --x509certfile "$PKI/server-chain.pem" --x509keyfile "$PKI/server.key" --disable-client-cert
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    request 0.5 | SSLKEYLOGFILE=$KEYS/$name.keys timeout 15 gnutls-cli -p "$port" \
        --x509cafile "$PKI/root.pem" --sni-hostname server.mtls.test \
        --verify-hostname server.mtls.test --priority "$prio" 127.0.0.1 \
        >"$WORK/$name-client.log" 2>&1 || true
    capture_stop "$name"
    stop_bg "$pid"
    grep -q '^GET /hello.txt' "$WORK/$name-client.log" ||
        { cat "$WORK/$name-client.log" "$WORK/$name-server.log" >&2; die "$name: no echo"; }
}

mkdir -p "$PCAPS" "$KEYS"
for row in "${CAPTURES[@]}"; do
    IFS='|' read -r name port ver suite cert <<<"$row"
    [[ " ${selected[*]} " == *" $name "* ]] || continue
    note "$name ($suite)"
    if [[ $ver == gnutls ]]; then gnutls_suite "$name" "$port" "$suite"
    else openssl_suite "$name" "$port" "$ver" "$suite" "$cert"; fi
    [[ -s $KEYS/$name.keys ]] || die "$name: the client wrote no key log"
done
# files belong to whoever owns samples/ (tcpdump drops privileges when it writes)
chown --reference="$HERE" "$PCAPS"/* "$KEYS"/* 2>/dev/null || true
note "done"
