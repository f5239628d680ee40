#!/usr/bin/env bash
# make-samples.sh — regenerate the mtlsdump test PKI and the sample captures.
#
# Usage:  sudo samples/make-samples.sh                 # PKI + every capture
#         sudo samples/make-samples.sh --keep-pki NAME...  # reuse samples/pki, redo NAMEs
#         samples/make-samples.sh --pki-only           # only the PKI (no root needed)
#         samples/make-samples.sh --list               # list capture names
#
# Everything happens on loopback (127.0.0.1 and ::1) on fixed high ports. When
# `unshare -n` works, the script re-executes itself in a private network
# namespace whose only interface is its own `lo`, so no other traffic can land in
# a capture and no server is reachable from outside. Every process it starts is
# recorded and ended by PID (trap on EXIT). tcpdump needs root.
#
# Regenerating the PKI makes new keys, so every capture must be made again with
# it: the default run does both. The certificates are long-lived (10-20 years);
# mtlsdump judges them at the packet timestamp anyway.
#
# All keys under samples/pki are TEST-ONLY and public.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PKI=$HERE/pki
PCAPS=$HERE/pcaps
KEYS=$HERE/keylogs
CNF=$PKI/ca.cnf

ALL_CAPTURES=(
    tls12-mtls-ok tls13-mtls-ok
    tls12-no-client-cert-openssl tls13-no-client-cert-openssl
    tls12-nginx-no-client-cert tls13-nginx-no-client-cert
    tls12-nginx-mtls-ok
    tls12-unknown-ca tls13-unknown-ca
    tls12-expired-client-cert tls12-client-cert-no-clientauth
    tls12-key-mismatch tls13-key-mismatch
    tls12-server-untrusted tls12-missing-intermediate
    tls12-one-way tls13-one-way
    tls-version-mismatch tls12-no-shared-cipher
    tls12-resumption-session-id tls12-resumption-ticket tls13-resumption-psk
    tls13-hrr
    tls12-weak-client-cert
    tls12-mtls-ok-ipv6
    starttls-smtp
    gnutls-tls12-mtls-ok gnutls-tls13-mtls-ok gnutls-tls12-no-client-cert
    many-connections
)

die() { printf 'make-samples.sh: %s\n' "$*" >&2; exit 1; }
note() { printf '== %s\n' "$*"; }

keep_pki=0
pki_only=0
selected=()
while (($#)); do
    case $1 in
        --keep-pki) keep_pki=1 ;;
        --pki-only) pki_only=1 ;;
        --list) printf '%s\n' "${ALL_CAPTURES[@]}"; exit 0 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        -*) die "unknown option $1 (try --help)" ;;
        *) selected+=("$1") ;;
    esac
    shift
done
((${#selected[@]})) || selected=("${ALL_CAPTURES[@]}")
for name in "${selected[@]}"; do
    [[ " ${ALL_CAPTURES[*]} " == *" $name "* ]] || die "unknown capture '$name' (try --list)"
done
if ((${#selected[@]} != ${#ALL_CAPTURES[@]})) && ((!keep_pki)) && ((!pki_only)); then
    die "a subset of captures needs --keep-pki (a new PKI invalidates every capture)"
fi

for tool in openssl; do
    command -v "$tool" >/dev/null || die "$tool not found"
done

if ((!pki_only)); then
    if ((EUID != 0)); then
        die "tcpdump needs root to capture on lo: run this script as root (sudo $0)"
    fi
    for tool in tcpdump ss nginx curl gnutls-serv gnutls-cli python3 timeout; do
        command -v "$tool" >/dev/null || die "$tool not found (needed for the captures)"
    done
    # private network namespace: only our own loopback
    if [[ -z ${MTLS_SAMPLES_NETNS:-} ]]; then
        if unshare -n true 2>/dev/null; then
            exec unshare -n env MTLS_SAMPLES_NETNS=1 bash "$0" "$@" \
                $( ((keep_pki)) && echo --keep-pki ) "${selected[@]}"
        fi
        printf 'make-samples.sh: warning: unshare -n unavailable, using the host loopback\n' >&2
    else
        ip link set lo up
    fi
fi

WORK=$(mktemp -d /tmp/mtls-samples.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    exec 9>&- 2>/dev/null || true
    if [[ -n ${MTLS_SAMPLES_KEEP_WORK:-} ]]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# A FIFO held open read-write by this shell: servers read it as stdin, so they
# never see end-of-file (openssl s_server quits on EOF from stdin).
mkfifo "$WORK/stdin.fifo"
exec 9<>"$WORK/stdin.fifo"

# ---------------------------------------------------------------------------
# PKI
# ---------------------------------------------------------------------------

O='/O=mtlsdump test'

# new_ca DIR — an empty `openssl ca` database
new_ca_db() {
    rm -rf "$1"
    mkdir -p "$1/newcerts"
    : >"$1/index.txt"
    openssl rand -hex 16 >"$1/serial"
}

# issue CA_NAME NAME SUBJECT EXTENSION [extra openssl ca options...]
# Makes pki/NAME.key (unless it exists) and pki/NAME.pem signed by pki/CA_NAME.
issue() {
    local ca=$1 name=$2 subj=$3 ext=$4
    shift 4
    [[ -f $PKI/$name.key ]] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
        -out "$PKI/$name.key" 2>/dev/null
    openssl req -new -config "$CNF" -key "$PKI/$name.key" -subj "$subj" -out "$WORK/$name.csr"
    CA_DIR=$WORK/db-$ca CA_CERT=$PKI/$ca.pem CA_KEY=$PKI/$ca.key \
        openssl ca -batch -config "$CNF" -extensions "$ext" -notext \
        -in "$WORK/$name.csr" -out "$PKI/$name.pem" "$@" 2>"$WORK/ca-$name.log" \
        || { cat "$WORK/ca-$name.log" >&2; die "openssl ca failed for $name"; }
}

# self_signed_ca NAME SUBJECT DAYS
self_signed_ca() {
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/$1.key" 2>/dev/null
    openssl req -x509 -new -config "$CNF" -extensions v3_root_ca -key "$PKI/$1.key" \
        -subj "$2" -days "$3" -sha256 -out "$PKI/$1.pem"
    new_ca_db "$WORK/db-$1"
}

# rsa_der_ints FILE — the nine INTEGERs of an RSAPrivateKey, hex, one per line
rsa_der_ints() {
    openssl rsa -in "$1" -traditional -outform DER 2>/dev/null \
        | openssl asn1parse -inform DER | sed -n 's/.*prim: INTEGER *:\([0-9A-Fa-f]*\)$/\1/p'
}

make_pki() {
    note "PKI in $PKI"
    find "$PKI" -maxdepth 1 -type f \( -name '*.pem' -o -name '*.key' \) -delete

    self_signed_ca root "$O/CN=mtlsdump Test Root CA" 7300
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/intermediate.key" 2>/dev/null
    issue root intermediate "$O/CN=mtlsdump Test Intermediate CA" v3_intermediate_ca -days 5475
    new_ca_db "$WORK/db-intermediate"
    cat "$PKI/intermediate.pem" "$PKI/root.pem" >"$PKI/ca-chain.pem"

    # server: leaf from the intermediate; server-chain.pem = leaf + intermediate
    issue intermediate server "$O/CN=server.mtls.test" v3_server
    cat "$PKI/server.pem" "$PKI/intermediate.pem" >"$PKI/server-chain.pem"

    # clients
    issue intermediate alice "$O/CN=alice" v3_client
    cat "$PKI/alice.pem" "$PKI/intermediate.pem" >"$PKI/alice-chain.pem"
    issue root bob "$O/CN=bob" v3_client
    issue intermediate carol-expired "$O/CN=carol-expired" v3_client \
        -startdate 20200101000000Z -enddate 20210101000000Z
    cat "$PKI/carol-expired.pem" "$PKI/intermediate.pem" >"$PKI/carol-expired-chain.pem"
    issue intermediate dave-serverauth "$O/CN=dave-serverauth" v3_client_serverauth_only
    cat "$PKI/dave-serverauth.pem" "$PKI/intermediate.pem" >"$PKI/dave-serverauth-chain.pem"
    issue intermediate erin-sha1 "$O/CN=erin-sha1" v3_client -md sha1
    cat "$PKI/erin-sha1.pem" "$PKI/intermediate.pem" >"$PKI/erin-sha1-chain.pem"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$PKI/frank-rsa1024.key" 2>/dev/null
    issue intermediate frank-rsa1024 "$O/CN=frank-rsa1024" v3_client
    cat "$PKI/frank-rsa1024.pem" "$PKI/intermediate.pem" >"$PKI/frank-rsa1024-chain.pem"

    # an unrelated CA and its client
    self_signed_ca rogue-ca "/O=rogue/CN=Rogue Test CA" 7300
    issue rogue-ca mallory "/O=rogue/CN=mallory" v3_client

    # a self-signed server certificate no client trusts
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/server-selfsigned.key" 2>/dev/null
    openssl req -x509 -new -config "$CNF" -extensions v3_selfsigned_server \
        -key "$PKI/server-selfsigned.key" -subj "/O=nobody/CN=server.mtls.test" -days 3650 \
        -sha256 -out "$PKI/server-selfsigned.pem"

    # alice-mismatched.key: alice's public modulus and exponent, but the private
    # exponent and CRT values of an unrelated key. OpenSSL's cert/key check
    # compares public parts only, so s_client loads it and then signs
    # CertificateVerify with the wrong private key.
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/other.key" 2>/dev/null
    local -a a o
    mapfile -t a < <(rsa_der_ints "$PKI/alice.key")
    mapfile -t o < <(rsa_der_ints "$WORK/other.key")
    ((${#a[@]} == 9 && ${#o[@]} == 9)) || die "could not read RSA key integers"
    cat >"$WORK/mismatch.cnf" <<EOF
asn1 = SEQUENCE:rsa
[rsa]
version = INTEGER:0
n = INTEGER:0x${a[1]}
e = INTEGER:0x${a[2]}
d = INTEGER:0x${o[3]}
p = INTEGER:0x${o[4]}
q = INTEGER:0x${o[5]}
dp = INTEGER:0x${o[6]}
dq = INTEGER:0x${o[7]}
qinv = INTEGER:0x${o[8]}
EOF
    openssl asn1parse -genconf "$WORK/mismatch.cnf" -noout -out "$WORK/mismatch.der"
    openssl rsa -inform DER -in "$WORK/mismatch.der" -traditional -out "$PKI/alice-mismatched.key" 2>/dev/null
    # prove it: same public key as the certificate ...
    [[ $(openssl rsa -in "$PKI/alice-mismatched.key" -pubout 2>/dev/null) == \
       $(openssl x509 -in "$PKI/alice.pem" -noout -pubkey) ]] || die "mismatched key: public part differs"
    # ... but a signature made with it does not verify against the certificate
    printf 'mtlsdump' >"$WORK/msg"
    openssl dgst -sha256 -sign "$PKI/alice-mismatched.key" -out "$WORK/msg.sig" "$WORK/msg"
    openssl x509 -in "$PKI/alice.pem" -noout -pubkey >"$WORK/alice.pub"
    if openssl dgst -sha256 -verify "$WORK/alice.pub" -signature "$WORK/msg.sig" "$WORK/msg" >/dev/null 2>&1; then
        die "mismatched key still signs correctly"
    fi

    # sanity: the chains verify (and the broken ones do not) as intended
    openssl verify -CAfile "$PKI/root.pem" -untrusted "$PKI/intermediate.pem" -purpose sslserver \
        "$PKI/server.pem" >/dev/null
    openssl verify -CAfile "$PKI/root.pem" -untrusted "$PKI/intermediate.pem" -purpose sslclient \
        "$PKI/alice.pem" >/dev/null
    openssl verify -CAfile "$PKI/root.pem" -purpose sslclient "$PKI/bob.pem" >/dev/null
    ! openssl verify -CAfile "$PKI/root.pem" -untrusted "$PKI/intermediate.pem" \
        "$PKI/carol-expired.pem" >/dev/null 2>&1 || die "carol-expired verifies"
    ! openssl verify -CAfile "$PKI/root.pem" -untrusted "$PKI/intermediate.pem" -purpose sslclient \
        "$PKI/dave-serverauth.pem" >/dev/null 2>&1 || die "dave-serverauth verifies for sslclient"
    chmod 0644 "$PKI"/*.key
}

# ---------------------------------------------------------------------------
# capture helpers
# ---------------------------------------------------------------------------

TCPDUMP_PID=
# capture_start NAME BPF — start tcpdump writing pcaps/NAME.pcap, wait until it listens
capture_start() {
    local name=$1 bpf=$2 i
    rm -f "$PCAPS/$name.pcap" "$KEYS/$name.keys"
    tcpdump -i lo -n -s 0 -U --immediate-mode -w "$PCAPS/$name.pcap" "$bpf" 2>"$WORK/tcpdump-$name.log" &
    TCPDUMP_PID=$!
    PIDS+=("$TCPDUMP_PID")
    for i in $(seq 100); do
        grep -q 'listening on' "$WORK/tcpdump-$name.log" 2>/dev/null && return 0
        sleep 0.05
    done
    cat "$WORK/tcpdump-$name.log" >&2
    die "tcpdump did not start for $name"
}

# capture_stop — let the last packets arrive, then SIGINT tcpdump and wait for it
capture_stop() {
    sleep 0.3
    kill -INT "$TCPDUMP_PID"
    wait "$TCPDUMP_PID" 2>/dev/null || true
    TCPDUMP_PID=
}

# start_bg LOGNAME CMD... — run a server in the background, remember its PID in BG_PID
BG_PID=
start_bg() {
    local log=$1
    shift
    "$@" <&9 >"$WORK/$log.log" 2>&1 &
    BG_PID=$!
    PIDS+=("$BG_PID")
}

# stop_bg PID — end one server we started, by PID
stop_bg() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# wait_listen PORT — until something listens on TCP PORT (checked with ss, no probe traffic)
wait_listen() {
    local i
    for i in $(seq 100); do
        ss -Hltn "sport = :$1" | grep -q . && return 0
        sleep 0.05
    done
    die "nothing listens on port $1"
}

# client_input SECONDS — one line of data, then hold stdin open a while so the
# client reads what the server answers (alerts, TLS 1.3 tickets), then EOF
client_input() {
    printf 'ping\n'
    sleep "${1:-0.5}"
}

# run_client LOGNAME SECONDS CMD... — a client in the foreground, failures allowed
run_client() {
    local log=$1 secs=$2
    shift 2
    client_input "$secs" | timeout 15 "$@" >"$WORK/$log.log" 2>&1 || true
}

# s_server option sets
srv_common() {
    printf '%s\n' -cert "$PKI/server.pem" -key "$PKI/server.key" -cert_chain "$PKI/intermediate.pem"
}
# server asks for a client certificate and aborts on any verification error
srv_mtls() {
    srv_common
    printf '%s\n' -CAfile "$PKI/root.pem" -Verify 5 -verify_return_error
}
# client trusts the root, checks the server name, aborts on error
cli_common() {
    printf '%s\n' -servername server.mtls.test -CAfile "$PKI/root.pem" -verify_return_error \
        -verify_hostname server.mtls.test
}
cli_alice() {
    printf '%s\n' -cert "$PKI/alice.pem" -key "$PKI/alice.key" -cert_chain "$PKI/intermediate.pem"
}

# openssl_pair NAME PORT "SERVER OPTS" "CLIENT OPTS" [SECS] — one s_server, one s_client
# (options are newline-separated lists, as produced by the srv_*/cli_* helpers)
openssl_pair() {
    local name=$1 port=$2 secs=${5:-0.5} pid
    local -a sopts copts
    mapfile -t sopts <<<"$3"
    mapfile -t copts <<<"$4"
    start_bg "$name-server" openssl s_server -accept "127.0.0.1:$port" "${sopts[@]}"
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    run_client "$name-client" "$secs" openssl s_client -connect "127.0.0.1:$port" \
        -keylogfile "$KEYS/$name.keys" "${copts[@]}"
    capture_stop
    stop_bg "$pid"
}

# ---------------------------------------------------------------------------
# captures
# ---------------------------------------------------------------------------

cap_tls12-mtls-ok() {
    openssl_pair "$1" 44301 "$(srv_mtls)" "$(cli_common; cli_alice; echo -tls1_2)"
}
cap_tls13-mtls-ok() {
    openssl_pair "$1" 44302 "$(srv_mtls)" "$(cli_common; cli_alice; echo -tls1_3)"
}
cap_tls12-no-client-cert-openssl() {
    openssl_pair "$1" 44303 "$(srv_mtls)" "$(cli_common; echo -tls1_2)"
}
cap_tls13-no-client-cert-openssl() {
    openssl_pair "$1" 44304 "$(srv_mtls)" "$(cli_common; echo -tls1_3)" 1
}

# ---------------------------------------------------------------------------

mkdir -p "$PCAPS" "$KEYS"
if ((!keep_pki)); then
    make_pki
else
    [[ -f $PKI/root.pem && -f $PKI/alice-mismatched.key ]] || die "--keep-pki: no PKI in $PKI"
    for ca in root intermediate rogue-ca; do new_ca_db "$WORK/db-$ca"; done
fi
((pki_only)) && exit 0

for name in "${selected[@]}"; do
    declare -F "cap_$name" >/dev/null || { note "$name: not scripted yet, skipped"; continue; }
    note "$name"
    "cap_$name" "$name"
    [[ -s $KEYS/$name.keys ]] || rm -f "$KEYS/$name.keys"
done
note "done: $(ls "$PCAPS" | wc -l) captures in $PCAPS"
