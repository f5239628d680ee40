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
    tls12-mtls-ok tls13-mtls-ok tls12-mtls-ok-linux-sll2
    tls12-no-client-cert-openssl tls13-no-client-cert-openssl
    tls12-nginx-no-client-cert tls13-nginx-no-client-cert
    tls12-nginx-mtls-ok
    tls12-nginx-unknown-ca
    tls12-unknown-ca tls13-unknown-ca
    tls12-expired-client-cert tls12-client-cert-no-clientauth
    tls12-key-mismatch tls13-key-mismatch
    tls12-server-untrusted tls12-missing-intermediate
    tls12-one-way tls13-one-way
    tls-version-mismatch tls12-no-shared-cipher
    tls12-resumption-session-id tls12-resumption-ticket tls13-resumption-psk tls13-early-data
    tls13-hrr
    tls12-sha1-client-cert tls12-rsa1024-client-cert tls12-sha1-client-cert-rejected
    tls12-mtls-ok-ipv6
    starttls-smtp
    gnutls-tls12-mtls-ok gnutls-tls13-mtls-ok gnutls-tls12-no-client-cert
    gnutls-tls13-unknown-ca
    many-connections
)
# More stacks (captures named tlsVV-STACK-SCENARIO; see "more stacks" below).
# SCENARIO is the client certificate the client presents:
#   mtls-ok alice (good) | no-client-cert none | unknown-ca mallory (rogue CA) |
#   expired-client-cert carol-expired | client-cert-no-clientauth dave-serverauth
# and server-untrusted = the client refuses the server's certificate.
CLIENT_SCENARIOS=(mtls-ok no-client-cert unknown-ca expired-client-cert client-cert-no-clientauth)
ALL_CAPTURES+=(
    tls13-nginx-mtls-ok tls13-nginx-unknown-ca
    tls12-nginx-expired-client-cert tls13-nginx-expired-client-cert
    tls12-nginx-client-cert-no-clientauth tls13-nginx-client-cert-no-clientauth
)
for _stack in apache haproxy go go-app java node; do
    for _v in 12 13; do
        for _s in "${CLIENT_SCENARIOS[@]}"; do
            [[ $_stack == go-app && $_s == mtls-ok ]] && continue
            ALL_CAPTURES+=("tls$_v-$_stack-$_s")
        done
    done
done
ALL_CAPTURES+=(
    tls12-apache-require-no-client-cert tls13-apache-require-no-client-cert
    tls12-apache-require-unknown-ca tls13-apache-require-unknown-ca
    tls12-apache-optional-no-ca-unknown-ca tls13-apache-optional-no-ca-unknown-ca
    tls12-haproxy-required-no-client-cert tls13-haproxy-required-no-client-cert
    tls12-haproxy-required-unknown-ca tls13-haproxy-required-unknown-ca
    tls12-go-server-untrusted tls13-go-server-untrusted
    tls12-node-server-untrusted tls13-node-server-untrusted
    tls12-nss-server-untrusted tls13-nss-server-untrusted
)
unset _stack _v _s

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

# tools_for NAME — "TOOL DEBIAN-PACKAGE" lines: what capture NAME runs
tools_for() {
    printf '%s\n' 'tcpdump tcpdump' 'ss iproute2' 'timeout coreutils' 'unshare util-linux'
    case $1 in
        *-nginx-*|many-connections) printf '%s\n' 'nginx nginx' 'curl curl' ;;&
        gnutls-*|many-connections) printf '%s\n' 'gnutls-serv gnutls-bin' 'gnutls-cli gnutls-bin' ;;
        starttls-*) echo 'python3 python3' ;;
        *-apache-*) printf '%s\n' 'apache2 apache2' 'curl curl' ;;
        *-haproxy-*) printf '%s\n' 'haproxy haproxy' 'curl curl' ;;
        *-go-*) echo 'go golang-go' ;;
        *-java-*) printf '%s\n' 'java openjdk-17-jdk-headless' 'javac openjdk-17-jdk-headless' \
            'keytool openjdk-17-jdk-headless' ;;
        *-node-server-untrusted) echo 'node nodejs' ;;
        *-node-*) printf '%s\n' 'node nodejs' 'curl curl' ;;
        *-nss-*) printf '%s\n' 'tstclnt libnss3-tools' 'certutil libnss3-tools' ;;
    esac
}
# check_tools NAME... — every tool the selected captures need, or say which package has it
check_tools() {
    local name tool pkg
    local -A seen=()
    for name in "$@"; do
        while read -r tool pkg; do
            [[ -n ${seen[$tool]:-} ]] && continue
            seen[$tool]=1
            command -v "$tool" >/dev/null ||
                die "$tool not found (needed for $name): apt-get install $pkg"
        done < <(tools_for "$name")
    done
    if [[ " $* " == *-apache-* ]]; then
        [[ -f /usr/lib/apache2/modules/mod_ssl.so ]] ||
            die "mod_ssl not found in /usr/lib/apache2/modules: apt-get install apache2"
    fi
}

command -v openssl >/dev/null || die "openssl not found: apt-get install openssl"

if ((!pki_only)); then
    if ((EUID != 0)); then
        die "tcpdump needs root to capture on lo: run this script as root (sudo $0)"
    fi
    check_tools "${selected[@]}"
    # private network namespace: only our own loopback
    if [[ -z ${MTLS_SAMPLES_NETNS:-} ]]; then
        if unshare -n true 2>/dev/null; then
            reexec=()
            ((keep_pki)) && reexec+=(--keep-pki)
            exec unshare -n env MTLS_SAMPLES_NETNS=1 bash "$0" "${reexec[@]}" "${selected[@]}"
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

# make_revoked — grace-revoked (clientAuth, from the intermediate) and
# intermediate.crl.pem, the intermediate's CRL that lists it as revoked
# (keyCompromise). Needs the intermediate's database in $WORK/db-intermediate;
# the servers that check revocation load the CRL (ssl_crl, ssl_crl_file, ...).
make_revoked() {
    issue intermediate grace-revoked "$O/CN=grace-revoked" v3_client
    cat "$PKI/grace-revoked.pem" "$PKI/intermediate.pem" >"$PKI/grace-revoked-chain.pem"
    CA_DIR=$WORK/db-intermediate CA_CERT=$PKI/intermediate.pem CA_KEY=$PKI/intermediate.key \
        openssl ca -config "$CNF" -revoke "$PKI/grace-revoked.pem" -crl_reason keyCompromise 2>/dev/null \
        || die "cannot revoke grace-revoked"
    CA_DIR=$WORK/db-intermediate CA_CERT=$PKI/intermediate.pem CA_KEY=$PKI/intermediate.key \
        openssl ca -config "$CNF" -gencrl -out "$PKI/intermediate.crl.pem" 2>/dev/null \
        || die "cannot make the intermediate's CRL"
    cat "$PKI/root.pem" "$PKI/intermediate.pem" "$PKI/intermediate.crl.pem" >"$PKI/ca-chain-crl.pem"
    ! openssl verify -crl_check -CAfile "$PKI/ca-chain-crl.pem" -purpose sslclient \
        "$PKI/grace-revoked.pem" >/dev/null 2>&1 || die "grace-revoked verifies against the CRL"
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

    make_revoked

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
TCPDUMP_LOG=
CAPTURE_DROPS=0
CAPTURE_IFACE=lo
# capture_start NAME BPF — start tcpdump writing pcaps/NAME.pcap, wait until it listens
# (on $CAPTURE_IFACE; "any" gives Linux cooked headers instead of Ethernet)
capture_start() {
    local name=$1 bpf=$2 i
    rm -f "$PCAPS/$name.pcap" "$KEYS/$name.keys"
    tcpdump -i "$CAPTURE_IFACE" -n -s 0 -B 32768 -U --immediate-mode -w "$PCAPS/$name.pcap" "$bpf" 2>"$WORK/tcpdump-$name.log" &
    TCPDUMP_PID=$!
    TCPDUMP_LOG=$WORK/tcpdump-$name.log
    PIDS+=("$TCPDUMP_PID")
    for i in $(seq 100); do
        grep -q 'listening on' "$WORK/tcpdump-$name.log" 2>/dev/null && return 0
        sleep 0.05
    done
    cat "$WORK/tcpdump-$name.log" >&2
    die "tcpdump did not start for $name"
}

# capture_stop — let the last packets arrive, then SIGINT tcpdump and wait for it;
# adds the packets the kernel dropped to CAPTURE_DROPS
capture_stop() {
    local dropped
    sleep 0.3
    kill -INT "$TCPDUMP_PID"
    wait "$TCPDUMP_PID" 2>/dev/null || true
    TCPDUMP_PID=
    dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$TCPDUMP_LOG")
    CAPTURE_DROPS=$((CAPTURE_DROPS + ${dropped:-0}))
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
    # the same packets in a pcapng container
    rm -f "$PCAPS/$1.pcapng"
    if command -v editcap >/dev/null; then
        editcap -F pcapng "$PCAPS/$1.pcap" "$PCAPS/$1.pcapng"
    else
        note "editcap not found: $1.pcapng not made"
    fi
}
# the same handshake captured on "any": Linux cooked capture (SLL2) link headers
cap_tls12-mtls-ok-linux-sll2() {
    CAPTURE_IFACE=any
    openssl_pair "$1" 44325 "$(srv_mtls)" "$(cli_common; cli_alice; echo -tls1_2)"
    CAPTURE_IFACE=lo
}
cap_tls13-mtls-ok() {
    openssl_pair "$1" 44302 "$(srv_mtls)" "$(cli_common; cli_alice; echo -tls1_3)"
    # the same packets with the key log inside (pcapng Decryption Secrets Block)
    rm -f "$PCAPS/$1-dsb.pcapng"
    if command -v editcap >/dev/null; then
        editcap --inject-secrets "tls,$KEYS/$1.keys" "$PCAPS/$1.pcap" "$PCAPS/$1-dsb.pcapng"
    else
        note "editcap not found: $1-dsb.pcapng not made"
    fi
}
cap_tls12-no-client-cert-openssl() {
    openssl_pair "$1" 44303 "$(srv_mtls)" "$(cli_common; echo -tls1_2)"
}
cap_tls13-no-client-cert-openssl() {
    openssl_pair "$1" 44304 "$(srv_mtls)" "$(cli_common; echo -tls1_3)" 1
}

cap_tls12-unknown-ca() {
    openssl_pair "$1" 44305 "$(srv_mtls)" \
        "$(cli_common; printf '%s\n' -cert "$PKI/mallory.pem" -key "$PKI/mallory.key" -tls1_2)"
}
cap_tls13-unknown-ca() {
    openssl_pair "$1" 44306 "$(srv_mtls)" \
        "$(cli_common; printf '%s\n' -cert "$PKI/mallory.pem" -key "$PKI/mallory.key" -tls1_3)" 1
}
cap_tls12-expired-client-cert() {
    openssl_pair "$1" 44307 "$(srv_mtls)" "$(cli_common; printf '%s\n' -cert "$PKI/carol-expired.pem" \
        -key "$PKI/carol-expired.key" -cert_chain "$PKI/intermediate.pem" -tls1_2)"
}
# s_server checks the client chain for purpose "sslclient" by default; -purpose says so explicitly
cap_tls12-client-cert-no-clientauth() {
    openssl_pair "$1" 44308 "$(srv_mtls; echo -purpose; echo sslclient)" \
        "$(cli_common; printf '%s\n' -cert "$PKI/dave-serverauth.pem" -key "$PKI/dave-serverauth.key" \
        -cert_chain "$PKI/intermediate.pem" -tls1_2)"
}
cap_tls12-key-mismatch() {
    openssl_pair "$1" 44309 "$(srv_mtls)" "$(cli_common; printf '%s\n' -cert "$PKI/alice.pem" \
        -key "$PKI/alice-mismatched.key" -cert_chain "$PKI/intermediate.pem" -tls1_2)"
}
cap_tls13-key-mismatch() {
    openssl_pair "$1" 44310 "$(srv_mtls)" "$(cli_common; printf '%s\n' -cert "$PKI/alice.pem" \
        -key "$PKI/alice-mismatched.key" -cert_chain "$PKI/intermediate.pem" -tls1_3)" 1
}
# server presents a self-signed certificate; the client trusts only our root
cap_tls12-server-untrusted() {
    openssl_pair "$1" 44311 "$(printf '%s\n' -cert "$PKI/server-selfsigned.pem" \
        -key "$PKI/server-selfsigned.key" -CAfile "$PKI/root.pem" -Verify 5 -verify_return_error)" \
        "$(cli_common; cli_alice; echo -tls1_2)"
}
# server sends only its leaf; the client has only the root
cap_tls12-missing-intermediate() {
    openssl_pair "$1" 44312 "$(printf '%s\n' -cert "$PKI/server.pem" -key "$PKI/server.key" \
        -CAfile "$PKI/root.pem" -Verify 5 -verify_return_error)" "$(cli_common; cli_alice; echo -tls1_2)"
}
cap_tls12-one-way() {
    openssl_pair "$1" 44313 "$(srv_common)" "$(cli_common; echo -tls1_2)"
}
cap_tls13-one-way() {
    openssl_pair "$1" 44314 "$(srv_common)" "$(cli_common; echo -tls1_3)"
}
cap_tls-version-mismatch() {
    openssl_pair "$1" 44315 "$(srv_mtls; echo -tls1_2)" "$(cli_common; cli_alice; echo -tls1_3)"
}
cap_tls12-no-shared-cipher() {
    openssl_pair "$1" 44316 "$(srv_mtls; printf '%s\n' -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384)" \
        "$(cli_common; cli_alice; printf '%s\n' -tls1_2 -cipher AES128-SHA256)"
}
# weak client certificates, accepted because both sides lower the security level to 0
cap_tls12-sha1-client-cert() {
    openssl_pair "$1" 44317 "$(srv_mtls; printf '%s\n' -cipher 'DEFAULT:@SECLEVEL=0')" \
        "$(cli_common; printf '%s\n' -cert "$PKI/erin-sha1.pem" -key "$PKI/erin-sha1.key" \
        -cert_chain "$PKI/intermediate.pem" -tls1_2 -cipher 'DEFAULT:@SECLEVEL=0')"
}
cap_tls12-rsa1024-client-cert() {
    openssl_pair "$1" 44318 "$(srv_mtls; printf '%s\n' -cipher 'DEFAULT:@SECLEVEL=0')" \
        "$(cli_common; printf '%s\n' -cert "$PKI/frank-rsa1024.pem" -key "$PKI/frank-rsa1024.key" \
        -cert_chain "$PKI/intermediate.pem" -tls1_2 -cipher 'DEFAULT:@SECLEVEL=0')"
}
# the same SHA-1 certificate at OpenSSL 3's default security level: the server refuses it
cap_tls12-sha1-client-cert-rejected() {
    openssl_pair "$1" 44319 "$(srv_mtls)" \
        "$(cli_common; printf '%s\n' -cert "$PKI/erin-sha1.pem" -key "$PKI/erin-sha1.key" \
        -cert_chain "$PKI/intermediate.pem" -tls1_2 -cipher 'DEFAULT:@SECLEVEL=0')"
}
cap_tls13-hrr() {
    openssl_pair "$1" 44320 "$(srv_mtls; printf '%s\n' -groups P-256)" \
        "$(cli_common; cli_alice; printf '%s\n' -tls1_3 -groups X25519:P-256)"
}
cap_tls12-mtls-ok-ipv6() {
    local name=$1 port=44321 pid
    local -a sopts copts
    mapfile -t sopts <<<"$(srv_mtls)"
    mapfile -t copts <<<"$(cli_common; cli_alice; echo -tls1_2)"
    start_bg "$name-server" openssl s_server -6 -accept "[::1]:$port" "${sopts[@]}"
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    run_client "$name-client" 0.5 openssl s_client -6 -connect "[::1]:$port" \
        -keylogfile "$KEYS/$name.keys" "${copts[@]}"
    capture_stop
    stop_bg "$pid"
}

# resumption NAME PORT VERSION-OPTION [CLIENT OPTION] — a full mTLS handshake that
# saves its session, then a second connection that resumes it, in one capture
resumption() {
    local name=$1 port=$2 ver=$3 extra=${4:-} pid
    local -a sopts copts
    mapfile -t sopts <<<"$(srv_mtls)"
    mapfile -t copts <<<"$(cli_common; cli_alice; echo "$ver"; [[ -z $extra ]] || echo "$extra")"
    start_bg "$name-server" openssl s_server -accept "127.0.0.1:$port" "${sopts[@]}"
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    rm -f "$WORK/$name.sess"
    run_client "$name-client1" 0.5 openssl s_client -connect "127.0.0.1:$port" \
        -keylogfile "$KEYS/$name.keys" -sess_out "$WORK/$name.sess" "${copts[@]}"
    [[ -s $WORK/$name.sess ]] || die "$name: no session saved"
    run_client "$name-client2" 0.5 openssl s_client -connect "127.0.0.1:$port" \
        -keylogfile "$KEYS/$name.keys" -sess_in "$WORK/$name.sess" "${copts[@]}"
    grep -q '^Reused' "$WORK/$name-client2.log" || die "$name: second connection did not resume"
    capture_stop
    stop_bg "$pid"
}
cap_tls12-resumption-session-id() { resumption "$1" 44322 -tls1_2 -no_ticket; }
cap_tls12-resumption-ticket() { resumption "$1" 44323 -tls1_2; }
cap_tls13-resumption-psk() { resumption "$1" 44324 -tls1_3; }
# TLS 1.3 resumption with 0-RTT early data (a one-way server that accepts
# early data; the second client sends an HTTP request line as early data)
cap_tls13-early-data() {
    local name=$1 port=44365 pid
    local -a sopts copts
    mapfile -t sopts <<<"$(srv_common; echo -tls1_3; echo -early_data)"
    mapfile -t copts <<<"$(cli_common; echo -tls1_3)"
    start_bg "$name-server" openssl s_server -accept "127.0.0.1:$port" "${sopts[@]}"
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    rm -f "$WORK/$name.sess" "$KEYS/$name.keys"
    printf 'GET /early HTTP/1.1\r\nHost: server.mtls.test\r\n\r\n' >"$WORK/$name.early"
    run_client "$name-client1" 0.5 openssl s_client -connect "127.0.0.1:$port" \
        -keylogfile "$KEYS/$name.keys" -sess_out "$WORK/$name.sess" "${copts[@]}"
    [[ -s $WORK/$name.sess ]] || die "$name: no session saved"
    run_client "$name-client2" 0.5 openssl s_client -connect "127.0.0.1:$port" \
        -keylogfile "$KEYS/$name.keys" -sess_in "$WORK/$name.sess" -early_data "$WORK/$name.early" "${copts[@]}"
    grep -q '^Reused' "$WORK/$name-client2.log" || die "$name: second connection did not resume"
    capture_stop
    stop_bg "$pid"
}

# nginx_start NAME PORT PROTOCOLS — nginx with `ssl_verify_client on`, in the
# foreground of a background job (daemon off), config and logs in a temp prefix
NGINX_PID=
nginx_start() {
    local name=$1 port=$2 protocols=$3 dir=$WORK/nginx-$1
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<EOF
user root;
daemon off;
worker_processes 1;
pid "$dir/nginx.pid";
error_log "$dir/error.log" info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path "$dir/tmp/body";
    proxy_temp_path "$dir/tmp/proxy";
    fastcgi_temp_path "$dir/tmp/fastcgi";
    uwsgi_temp_path "$dir/tmp/uwsgi";
    scgi_temp_path "$dir/tmp/scgi";
    server {
        listen 127.0.0.1:$port ssl;
        server_name server.mtls.test;
        ssl_certificate "$PKI/server-chain.pem";
        ssl_certificate_key "$PKI/server.key";
        ssl_client_certificate "$PKI/root.pem";
        ssl_verify_client on;
        ssl_verify_depth 3;
        ssl_protocols $protocols;
        location / {
            default_type text/plain;
            return 200 "hello \$ssl_client_s_dn\n";
        }
    }
}
EOF
    start_bg "$name-nginx" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
    NGINX_PID=$BG_PID
    wait_listen "$port"
}

# curl_get NAME PORT TLS-VERSION [curl options...] — one HTTPS request with SSLKEYLOGFILE
curl_get() {
    local name=$1 port=$2 ver=$3 log=$4
    shift 4
    SSLKEYLOGFILE=$KEYS/$name.keys timeout 15 curl -sS --http1.1 --tlsv"$ver" --tls-max "$ver" \
        --cacert "$PKI/root.pem" --resolve "server.mtls.test:$port:127.0.0.1" \
        -o "$WORK/$log.body" -w '%{http_code}\n' "$@" "https://server.mtls.test:$port/" \
        >"$WORK/$log.log" 2>&1 || true
}

nginx_pair() {
    local name=$1 port=$2 ver=$3 proto=$4
    shift 4
    nginx_start "$name" "$port" "$proto"
    capture_start "$name" "tcp port $port"
    curl_get "$name" "$port" "$ver" "$name-curl" "$@"
    capture_stop
    stop_bg "$NGINX_PID"
}
cap_tls12-nginx-no-client-cert() {
    nginx_pair "$1" 44330 1.2 TLSv1.2
    grep -q '^400' "$WORK/$1-curl.log" || die "$1: expected HTTP 400"
}
cap_tls13-nginx-no-client-cert() {
    nginx_pair "$1" 44331 1.3 TLSv1.3
    grep -q '^400' "$WORK/$1-curl.log" || die "$1: expected HTTP 400"
}
cap_tls12-nginx-mtls-ok() {
    nginx_pair "$1" 44332 1.2 TLSv1.2 --cert "$PKI/alice-chain.pem" --key "$PKI/alice.key"
    grep -q '^200' "$WORK/$1-curl.log" || die "$1: expected HTTP 200"
}
# nginx does not abort on a bad client certificate: it finishes the handshake
# and answers HTTP 400 "The SSL certificate error"
cap_tls12-nginx-unknown-ca() {
    nginx_pair "$1" 44333 1.2 TLSv1.2 --cert "$PKI/mallory.pem" --key "$PKI/mallory.key"
    grep -q '^400' "$WORK/$1-curl.log" || die "$1: expected HTTP 400"
}

# gnutls_pair NAME PORT PRIORITY [gnutls-cli options...] — gnutls-serv requiring a
# client certificate, gnutls-cli with SSLKEYLOGFILE. gnutls-serv has no bind
# address option: it listens on the wildcard, which in our namespace is only lo.
gnutls_pair() {
    local name=$1 port=$2 prio=$3 pid
    shift 3
    start_bg "$name-server" gnutls-serv --echo -p "$port" --priority "$prio" \
        --x509certfile "$PKI/server-chain.pem" --x509keyfile "$PKI/server.key" \
        --x509cafile "$PKI/root.pem" --require-client-cert --verify-client-cert
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    client_input 0.5 | SSLKEYLOGFILE=$KEYS/$name.keys timeout 15 gnutls-cli -p "$port" \
        --x509cafile "$PKI/root.pem" --sni-hostname server.mtls.test \
        --verify-hostname server.mtls.test --priority "$prio" "$@" 127.0.0.1 \
        >"$WORK/$name-client.log" 2>&1 || true
    capture_stop
    stop_bg "$pid"
}
GNUTLS12='NORMAL:-VERS-ALL:+VERS-TLS1.2'
GNUTLS13='NORMAL:-VERS-ALL:+VERS-TLS1.3'
cap_gnutls-tls12-mtls-ok() {
    gnutls_pair "$1" 44340 "$GNUTLS12" --x509certfile "$PKI/alice-chain.pem" --x509keyfile "$PKI/alice.key"
}
cap_gnutls-tls13-mtls-ok() {
    gnutls_pair "$1" 44341 "$GNUTLS13" --x509certfile "$PKI/alice-chain.pem" --x509keyfile "$PKI/alice.key"
}
cap_gnutls-tls12-no-client-cert() {
    gnutls_pair "$1" 44342 "$GNUTLS12"
}
cap_gnutls-tls13-unknown-ca() {
    gnutls_pair "$1" 44343 "$GNUTLS13" --x509certfile "$PKI/mallory.pem" --x509keyfile "$PKI/mallory.key"
}

# SMTP STARTTLS: a tiny Python server (ssl module, client certificate required,
# TLS 1.2) speaks the plaintext prologue; openssl s_client -starttls smtp
cap_starttls-smtp() {
    local name=$1 port=44350 pid
    local -a copts
    mapfile -t copts <<<"$(cli_common; cli_alice; echo -tls1_2)"
    cat >"$WORK/smtp.py" <<'EOF'
import socket, ssl, sys
pki, port, keylog = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(pki + "/server-chain.pem", pki + "/server.key")
ctx.load_verify_locations(pki + "/root.pem")
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.keylog_filename = keylog
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(1)
print("listening", flush=True)
conn, _ = ls.accept()
f = conn.makefile("rb")
def say(line):
    conn.sendall(line.encode() + b"\r\n")
say("220 server.mtls.test ESMTP mtlsdump-sample")
while True:
    line = f.readline().strip().upper()
    if line.startswith(b"EHLO") or line.startswith(b"HELO"):
        say("250-server.mtls.test")
        say("250-8BITMIME")
        say("250 STARTTLS")
    elif line == b"STARTTLS":
        say("220 2.0.0 Ready to start TLS")
        break
    else:
        say("500 5.5.1 command not recognized")
tls = ctx.wrap_socket(conn, server_side=True)
print("client:", tls.getpeercert()["subject"], flush=True)
tls.recv(1024)
tls.sendall(b"221 2.0.0 Bye\r\n")
tls.unwrap()
tls.close()
EOF
    start_bg "$name-server" python3 "$WORK/smtp.py" "$PKI" "$port" "$WORK/$name-server.keys"
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    run_client "$name-client" 0.5 openssl s_client -connect "127.0.0.1:$port" -starttls smtp \
        -keylogfile "$KEYS/$name.keys" "${copts[@]}"
    capture_stop
    stop_bg "$pid"
}

# ~30 connections of mixed outcomes, started in parallel against five servers
cap_many-connections() {
    local name=$1 i pid
    local -a spids=() cpids=() sopts
    mapfile -t sopts <<<"$(srv_mtls)"
    start_bg "$name-s12" openssl s_server -accept 127.0.0.1:44360 "${sopts[@]}" -tls1_2
    spids+=("$BG_PID")
    start_bg "$name-s13" openssl s_server -accept 127.0.0.1:44361 "${sopts[@]}" -tls1_3
    spids+=("$BG_PID")
    mapfile -t sopts <<<"$(srv_common)"
    start_bg "$name-s1way" openssl s_server -accept 127.0.0.1:44362 "${sopts[@]}"
    spids+=("$BG_PID")
    nginx_start "$name" 44363 "TLSv1.2 TLSv1.3"
    spids+=("$NGINX_PID")
    start_bg "$name-gnutls" gnutls-serv --echo -p 44364 \
        --x509certfile "$PKI/server-chain.pem" --x509keyfile "$PKI/server.key" \
        --x509cafile "$PKI/root.pem" --require-client-cert --verify-client-cert
    spids+=("$BG_PID")
    for i in 44360 44361 44362 44363 44364; do wait_listen "$i"; done
    capture_start "$name" "tcp portrange 44360-44364"

    # one client; $1 = index, $2 = port, rest = s_client options
    local -a common
    mapfile -t common <<<"$(cli_common)"
    osc() {
        local n=$1 port=$2
        shift 2
        client_input 0.3 | timeout 20 openssl s_client -connect "127.0.0.1:$port" \
            -keylogfile "$WORK/many-$n.keys" "${common[@]}" "$@" >"$WORK/many-$n.log" 2>&1 || true
    }
    local -a alice=(-cert "$PKI/alice.pem" -key "$PKI/alice.key" -cert_chain "$PKI/intermediate.pem")
    local -a bob=(-cert "$PKI/bob.pem" -key "$PKI/bob.key")
    local -a mallory=(-cert "$PKI/mallory.pem" -key "$PKI/mallory.key")
    local -a carol=(-cert "$PKI/carol-expired.pem" -key "$PKI/carol-expired.key"
        -cert_chain "$PKI/intermediate.pem")
    {
        for i in 0 1 2 3 4 5; do
            case $((i % 6)) in
                0) osc "a$i" 44360 "${alice[@]}" ;;
                1) osc "a$i" 44360 ;;
                2) osc "a$i" 44360 "${mallory[@]}" ;;
                3) osc "a$i" 44360 "${bob[@]}" ;;
                4) osc "a$i" 44360 "${carol[@]}" ;;
                5) osc "a$i" 44360 "${alice[@]}" -tls1_3 ;;
            esac &
            cpids+=("$!")
            sleep 0.03
            case $((i % 4)) in
                0) osc "b$i" 44361 "${alice[@]}" ;;
                1) osc "b$i" 44361 ;;
                2) osc "b$i" 44361 "${mallory[@]}" ;;
                3) osc "b$i" 44361 "${bob[@]}" ;;
            esac &
            cpids+=("$!")
            sleep 0.03
            if ((i % 2)); then osc "c$i" 44362 -tls1_2; else osc "c$i" 44362 -tls1_3; fi &
            cpids+=("$!")
            sleep 0.03
            if ((i % 2)); then
                curl_get "$name-n$i" 44363 1.3 "many-n$i" --cert "$PKI/alice-chain.pem" --key "$PKI/alice.key" &
            else
                curl_get "$name-n$i" 44363 1.2 "many-n$i" &
            fi
            cpids+=("$!")
            sleep 0.03
            if ((i % 3)); then
                client_input 0.3 | SSLKEYLOGFILE=$WORK/many-g$i.keys timeout 20 gnutls-cli -p 44364 \
                    --x509cafile "$PKI/root.pem" --sni-hostname server.mtls.test \
                    --verify-hostname server.mtls.test \
                    --x509certfile "$PKI/alice-chain.pem" --x509keyfile "$PKI/alice.key" 127.0.0.1 \
                    >"$WORK/many-g$i.log" 2>&1 || true
            else
                client_input 0.3 | SSLKEYLOGFILE=$WORK/many-g$i.keys timeout 20 gnutls-cli -p 44364 \
                    --x509cafile "$PKI/root.pem" --sni-hostname server.mtls.test \
                    --verify-hostname server.mtls.test 127.0.0.1 >"$WORK/many-g$i.log" 2>&1 || true
            fi &
            cpids+=("$!")
            sleep 0.03
        done
    }
    for pid in "${cpids[@]}"; do wait "$pid" 2>/dev/null || true; done
    capture_stop
    for pid in "${spids[@]}"; do stop_bg "$pid"; done
    cat "$WORK"/many-*.keys "$KEYS/$name"-n*.keys >"$KEYS/$name.keys" 2>/dev/null || true
    rm -f "$KEYS/$name"-n*.keys
}

# ---------------------------------------------------------------------------
# more stacks: Apache httpd, HAProxy, Go crypto/tls, Java JSSE, Node.js, NSS
# ---------------------------------------------------------------------------
# Ports: STACK base + 0..4 (TLS 1.2) or 5..9 (TLS 1.3), by the index of the
# scenario in CLIENT_SCENARIOS; server-untrusted captures 44500-44505.

# scenario_index SCENARIO — its index in CLIENT_SCENARIOS
scenario_index() {
    local i
    for i in "${!CLIENT_SCENARIOS[@]}"; do
        [[ ${CLIENT_SCENARIOS[$i]} == "$1" ]] && { echo "$i"; return 0; }
    done
    die "unknown scenario $1"
}
# scenario_who SCENARIO — the client identity (file prefix in pki/) or none
scenario_who() {
    case $1 in
        mtls-ok) echo alice ;;
        no-client-cert) echo none ;;
        unknown-ca) echo mallory ;;
        expired-client-cert) echo carol-expired ;;
        client-cert-no-clientauth) echo dave-serverauth ;;
        *) die "unknown scenario $1" ;;
    esac
}
# who_chain WHO — the PEM a client presents: leaf + intermediate (mallory: leaf only,
# its issuer is the rogue CA)
who_chain() {
    if [[ -f $PKI/$1-chain.pem ]]; then echo "$PKI/$1-chain.pem"; else echo "$PKI/$1.pem"; fi
}
# curl_who WHO — curl options that present WHO's certificate (nothing for none)
curl_who() {
    [[ $1 == none ]] || printf '%s\n' --cert "$(who_chain "$1")" --key "$PKI/$1.key"
}

# expect_log NAME LOG ERE — the client log must match ERE (so a capture that
# did not show what it is meant to show fails the run)
expect_log() {
    grep -Eq "$3" "$WORK/$2.log" ||
        die "$1: expected /$3/ in the client output, got: $(head -c 300 "$WORK/$2.log" | tr '\n' ' ')"
}

# curl_capture NAME PORT VERSION EXPECT-ERE [curl options...] — capture one
# curl GET / (SSLKEYLOGFILE) against a server that already listens on PORT;
# EXPECT-ERE is matched against curl's "%{http_code}" line (000 = no answer)
curl_capture() {
    local name=$1 port=$2 ver=$3 expect=$4
    shift 4
    capture_start "$name" "tcp port $port"
    curl_get "$name" "$port" "$ver" "$name-curl" "$@"
    capture_stop
    expect_log "$name" "$name-curl" "$expect"
}

# --- nginx (ssl_verify_client on; answers HTTP 400 "The SSL certificate error")
nginx_case() {
    local name=$1 ver=$2 scen=$3 expect=$4 port who
    port=$((44400 + $(scenario_index "$scen") + (ver == 13 ? 5 : 0)))
    who=$(scenario_who "$scen")
    local -a copts
    mapfile -t copts < <(curl_who "$who")
    nginx_start "$name" "$port" "TLSv1.$((ver - 10))"
    curl_capture "$name" "$port" "1.$((ver - 10))" "$expect" "${copts[@]}"
    stop_bg "$NGINX_PID"
}
cap_tls13-nginx-mtls-ok() { nginx_case "$1" 13 mtls-ok '^200'; }
cap_tls13-nginx-unknown-ca() { nginx_case "$1" 13 unknown-ca '^400'; }
cap_tls12-nginx-expired-client-cert() { nginx_case "$1" 12 expired-client-cert '^400'; }
cap_tls13-nginx-expired-client-cert() { nginx_case "$1" 13 expired-client-cert '^400'; }
cap_tls12-nginx-client-cert-no-clientauth() { nginx_case "$1" 12 client-cert-no-clientauth '^400'; }
cap_tls13-nginx-client-cert-no-clientauth() { nginx_case "$1" 13 client-cert-no-clientauth '^400'; }

# --- Apache httpd 2.4 + mod_ssl, one process in the foreground (httpd -X)
# apache_start NAME PORT PROTOCOL VERIFY — SSLVerifyClient VERIFY, SSLVerifyDepth 3,
# and an access rule that wants a verified client certificate:
# <Location /> Require expr "%{SSL_CLIENT_VERIFY} == 'SUCCESS'" (else HTTP 403)
APACHE_MODS=/usr/lib/apache2/modules
APACHE_PID=
apache_start() {
    local name=$1 port=$2 proto=$3 verify=$4 dir=$WORK/apache-$1
    # the child drops to www-data: it must reach the document root
    chmod 0711 "$WORK"
    mkdir -p "$dir/htdocs"
    chmod 0755 "$dir" "$dir/htdocs"
    printf 'hello from apache\n' >"$dir/htdocs/index.html"
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
    SSLProtocol -all +$proto
    SSLCertificateFile "$PKI/server-chain.pem"
    SSLCertificateKeyFile "$PKI/server.key"
    SSLCACertificateFile "$PKI/root.pem"
    SSLVerifyClient $verify
    SSLVerifyDepth 3
    <Location />
        Require expr "%{SSL_CLIENT_VERIFY} == 'SUCCESS'"
    </Location>
</VirtualHost>
EOF
    start_bg "$name-apache" apache2 -X -d "$dir" -f "$dir/httpd.conf"
    APACHE_PID=$BG_PID
    wait_listen "$port"
}
# apache_case NAME VERSION VERIFY BASE-PORT SCENARIO EXPECT-ERE
apache_case() {
    local name=$1 ver=$2 verify=$3 base=$4 scen=$5 expect=$6 port
    port=$((base + $(scenario_index "$scen") + (ver == 13 ? 5 : 0)))
    local -a copts
    mapfile -t copts < <(curl_who "$(scenario_who "$scen")")
    apache_start "$name" "$port" "TLSv1.$((ver - 10))" "$verify"
    curl_capture "$name" "$port" "1.$((ver - 10))" "$expect" "${copts[@]}"
    stop_bg "$APACHE_PID"
}

# --- HAProxy 2.6: bind ... ssl crt ... ca-file root.pem verify MODE
# haproxy_start NAME PORT PROTOCOL VERIFY-OPTIONS — the frontend answers itself
# (no backend): 403 unless a client certificate was sent and verified, else 200
HAPROXY_PID=
haproxy_start() {
    local name=$1 port=$2 proto=$3 verify=$4 dir=$WORK/haproxy-$1
    mkdir -p "$dir"
    cat "$PKI/server-chain.pem" "$PKI/server.key" >"$dir/server.pem"
    cat >"$dir/haproxy.cfg" <<EOF
global
    log stderr format raw local0 info
    maxconn 64
defaults
    mode http
    log global
    log-format "%ci:%cp %HM %HU %ST ssl_c_used=%[ssl_c_used] ssl_c_verify=%[ssl_c_verify] ssl_c_err=%[ssl_c_err] ssl_c_ca_err=%[ssl_c_ca_err] dn=%[ssl_c_s_dn]"
    timeout connect 5s
    timeout client 5s
    timeout server 5s
frontend mtls
    bind 127.0.0.1:$port ssl crt $dir/server.pem ca-file $PKI/root.pem $verify ssl-min-ver $proto ssl-max-ver $proto alpn http/1.1
    http-request deny deny_status 403 unless { ssl_c_used }
    http-request deny deny_status 403 unless { ssl_c_verify 0 }
    http-request return status 200 content-type text/plain lf-string "hello %[ssl_c_s_dn]\n"
EOF
    start_bg "$name-haproxy" haproxy -db -f "$dir/haproxy.cfg"
    HAPROXY_PID=$BG_PID
    wait_listen "$port"
}
# `verify optional` alone would abort the handshake on a bad certificate too;
# crt-ignore-err/ca-ignore-err let it through to the http-request rules
# shellcheck disable=SC2034  # both used by the eval'd cap_ functions
HAPROXY_OPTIONAL='verify optional crt-ignore-err all ca-ignore-err all'
# shellcheck disable=SC2034
HAPROXY_REQUIRED='verify required'
# haproxy_case NAME VERSION VERIFY-OPTIONS BASE-PORT SCENARIO EXPECT-ERE
haproxy_case() {
    local name=$1 ver=$2 verify=$3 base=$4 scen=$5 expect=$6 port
    port=$((base + $(scenario_index "$scen") + (ver == 13 ? 5 : 0)))
    local -a copts
    mapfile -t copts < <(curl_who "$(scenario_who "$scen")")
    haproxy_start "$name" "$port" "TLSv1.$((ver - 10))" "$verify"
    curl_capture "$name" "$port" "1.$((ver - 10))" "$expect" "${copts[@]}"
    stop_bg "$HAPROXY_PID"
}

# --- Go crypto/tls: peers/go/server and peers/go/client, built once per run
# (standard library only, no network: GOPROXY=off, GOPATH/GOCACHE in $WORK)
GO_BIN=
go_build() {
    [[ -n $GO_BIN ]] && return 0
    GO_BIN=$WORK/go-bin
    mkdir -p "$GO_BIN"
    note "building peers/go"
    (cd "$HERE/peers/go" && export GOPATH=$WORK/gopath GOCACHE=$WORK/gocache GOPROXY=off GOFLAGS='' \
        GO111MODULE=on && go build -o "$GO_BIN/server" ./server && go build -o "$GO_BIN/client" ./client) \
        >"$WORK/go-build.log" 2>&1 || { cat "$WORK/go-build.log" >&2; die "go build failed"; }
}
# go_pair NAME PORT MODE VERSION EXPECT-ERE [client options...] — Go server
# (-mode require|app), Go client trusting root.pem (-ca none overrides) with
# -keylog; one GET /
go_pair() {
    local name=$1 port=$2 mode=$3 ver=$4 expect=$5 pid
    shift 5
    go_build
    start_bg "$name-server" "$GO_BIN/server" -addr "127.0.0.1:$port" -cert "$PKI/server-chain.pem" \
        -key "$PKI/server.key" -ca "$PKI/root.pem" -mode "$mode" -tls "$ver"
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    timeout 15 "$GO_BIN/client" -addr "127.0.0.1:$port" -ca "$PKI/root.pem" -tls "$ver" \
        -keylog "$KEYS/$name.keys" "$@" >"$WORK/$name-client.log" 2>&1 || true
    capture_stop
    stop_bg "$pid"
    expect_log "$name" "$name-client" "$expect"
}
# go_case NAME VERSION MODE BASE-PORT SCENARIO EXPECT-ERE
go_case() {
    local name=$1 ver=$2 mode=$3 base=$4 scen=$5 expect=$6 port who
    port=$((base + $(scenario_index "$scen") + (ver == 13 ? 5 : 0)))
    who=$(scenario_who "$scen")
    local -a copts=()
    [[ $who == none ]] || copts=(-cert "$(who_chain "$who")" -key "$PKI/$who.key")
    go_pair "$name" "$port" "$mode" "1.$((ver - 10))" "$expect" "${copts[@]}"
}
# the Go client trusts nothing (empty root pool) and refuses the server
cap_tls12-go-server-untrusted() {
    go_pair "$1" 44500 require 1.2 'handshake failed' -ca none \
        -cert "$PKI/alice-chain.pem" -key "$PKI/alice.key"
}
cap_tls13-go-server-untrusted() {
    go_pair "$1" 44501 require 1.3 'handshake failed' -ca none \
        -cert "$PKI/alice-chain.pem" -key "$PKI/alice.key"
}

# --- Java JSSE (OpenJDK 17): peers/java, compiled with javac once per run;
# PKCS12 stores made here from pki/ (openssl pkcs12 -export, keytool
# -importcert), never committed. JSSE writes no key log.
JAVA_DIR=
JAVA_PW=changeit
java_prepare() {
    [[ -n $JAVA_DIR ]] && return 0
    JAVA_DIR=$WORK/java
    mkdir -p "$JAVA_DIR"
    note "compiling peers/java"
    javac -d "$JAVA_DIR" "$HERE/peers/java/MtlsServer.java" "$HERE/peers/java/MtlsClient.java" \
        >"$WORK/javac.log" 2>&1 || { cat "$WORK/javac.log" >&2; die "javac failed"; }
    openssl pkcs12 -export -in "$PKI/server-chain.pem" -inkey "$PKI/server.key" -name server \
        -passout "pass:$JAVA_PW" -out "$JAVA_DIR/server.p12"
    local who
    for who in alice mallory carol-expired dave-serverauth; do
        openssl pkcs12 -export -in "$(who_chain "$who")" -inkey "$PKI/$who.key" -name client \
            -passout "pass:$JAVA_PW" -out "$JAVA_DIR/$who.p12"
    done
    keytool -importcert -noprompt -alias root -file "$PKI/root.pem" -storetype PKCS12 \
        -keystore "$JAVA_DIR/trust.p12" -storepass "$JAVA_PW" >"$WORK/keytool.log" 2>&1 ||
        { cat "$WORK/keytool.log" >&2; die "keytool failed"; }
}
# java_case NAME VERSION SCENARIO EXPECT-ERE — MtlsServer (setNeedClientAuth(true))
# and MtlsClient, both JSSE
java_case() {
    local name=$1 ver=$2 scen=$3 expect=$4 port who pid i
    port=$((44480 + $(scenario_index "$scen") + (ver == 13 ? 5 : 0)))
    who=$(scenario_who "$scen")
    java_prepare
    local -a store=()
    [[ $who == none ]] || store=("$JAVA_DIR/$who.p12")
    start_bg "$name-server" java -cp "$JAVA_DIR" MtlsServer "$port" "$JAVA_DIR/server.p12" \
        "$JAVA_DIR/trust.p12" "$JAVA_PW" "TLSv1.$((ver - 10))"
    pid=$BG_PID
    for i in $(seq 100); do grep -q '^listening' "$WORK/$name-server.log" && break; sleep 0.1; done
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    timeout 20 java -cp "$JAVA_DIR" MtlsClient server.mtls.test "$port" "TLSv1.$((ver - 10))" \
        "$JAVA_DIR/trust.p12" "$JAVA_PW" "${store[@]}" >"$WORK/$name-client.log" 2>&1 || true
    capture_stop
    stop_bg "$pid"
    expect_log "$name" "$name-client" "$expect"
}

# --- Node.js: peers/node/server.js (https, requestCert + rejectUnauthorized)
# with curl as the client; peers/node/client.js against an OpenSSL server
node_case() {
    local name=$1 ver=$2 scen=$3 expect=$4 port pid
    port=$((44490 + $(scenario_index "$scen") + (ver == 13 ? 5 : 0)))
    local -a copts
    mapfile -t copts < <(curl_who "$(scenario_who "$scen")")
    start_bg "$name-server" node "$HERE/peers/node/server.js" "$port" "$PKI" "TLSv1.$((ver - 10))" \
        "$WORK/$name-server.keys"
    pid=$BG_PID
    wait_listen "$port"
    curl_capture "$name" "$port" "1.$((ver - 10))" "$expect" "${copts[@]}"
    stop_bg "$pid"
}
# node_client_untrusted NAME PORT VERSION — OpenSSL mTLS server (-www); the Node
# client presents alice but trusts only rogue-ca.pem, so it refuses the server
node_client_untrusted() {
    local name=$1 port=$2 ver=$3 pid
    local -a sopts
    mapfile -t sopts <<<"$(srv_mtls; echo -www)"
    start_bg "$name-server" openssl s_server -accept "127.0.0.1:$port" "${sopts[@]}"
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    timeout 15 node "$HERE/peers/node/client.js" "$port" server.mtls.test "$ver" "$PKI/rogue-ca.pem" \
        "$KEYS/$name.keys" "$PKI/alice-chain.pem" "$PKI/alice.key" >"$WORK/$name-client.log" 2>&1 || true
    capture_stop
    stop_bg "$pid"
    expect_log "$name" "$name-client" 'error: '
}
cap_tls12-node-server-untrusted() { node_client_untrusted "$1" 44502 TLSv1.2; }
cap_tls13-node-server-untrusted() { node_client_untrusted "$1" 44503 TLSv1.3; }

# --- NSS tstclnt with an empty certificate database (trusts no CA) against a
# one-way OpenSSL server (-www). Debian's NSS ignores SSLKEYLOGFILE (built
# without NSS_ALLOW_SSLKEYLOGFILE), so the server writes the key log here
# (s_server -keylogfile)
nss_client_untrusted() {
    local name=$1 port=$2 ver=$3 pid db=$WORK/nssdb-$1
    local -a sopts
    mkdir -p "$db"
    certutil -N -d "sql:$db" --empty-password
    mapfile -t sopts <<<"$(srv_common; echo -www)"
    start_bg "$name-server" openssl s_server -accept "127.0.0.1:$port" -keylogfile "$WORK/$name-server.keys" \
        "${sopts[@]}"
    pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    { printf 'GET / HTTP/1.0\r\nHost: server.mtls.test\r\n\r\n'; sleep 0.5; } |
        timeout 15 tstclnt -h 127.0.0.1 -p "$port" -a server.mtls.test \
        -d "sql:$db" -V "$ver:$ver" >"$WORK/$name-client.log" 2>&1 || true
    capture_stop
    stop_bg "$pid"
    cp "$WORK/$name-server.keys" "$KEYS/$name.keys"
    expect_log "$name" "$name-client" 'SEC_ERROR_UNKNOWN_ISSUER'
}
cap_tls12-nss-server-untrusted() { nss_client_untrusted "$1" 44504 tls1.2; }
cap_tls13-nss-server-untrusted() { nss_client_untrusted "$1" 44505 tls1.3; }

# EXPECT_NEW[NAME] — what the client must see (ERE on its log): for curl the
# "%{http_code}" line (000 = no HTTP answer), else the peer program's output
declare -A EXPECT_NEW=()
for _v in 12 13; do
    for _s in "${CLIENT_SCENARIOS[@]:1}"; do
        # a bad or missing certificate: TLS alert (curl: no HTTP answer, 000) ...
        EXPECT_NEW[tls$_v-apache-require-$_s]='^000'
        EXPECT_NEW[tls$_v-haproxy-required-$_s]='^000'
        EXPECT_NEW[tls$_v-go-$_s]='remote error: tls: bad certificate'
        EXPECT_NEW[tls$_v-java-$_s]='^failed: '
        EXPECT_NEW[tls$_v-node-$_s]='^000'
        EXPECT_NEW[tls$_v-apache-$_s]='^000'
        # ... or a finished handshake and HTTP 403
        EXPECT_NEW[tls$_v-haproxy-$_s]='^403'
        EXPECT_NEW[tls$_v-go-app-$_s]='^HTTP/1.1 403'
    done
    # SSLVerifyClient optional lets a missing certificate through to the 403
    EXPECT_NEW[tls$_v-apache-no-client-cert]='^403'
    EXPECT_NEW[tls$_v-apache-optional-no-ca-unknown-ca]='^403'
    for _stack in apache haproxy node; do EXPECT_NEW[tls$_v-$_stack-mtls-ok]='^200'; done
    for _stack in go java; do EXPECT_NEW[tls$_v-$_stack-mtls-ok]='^HTTP/1.1 200'; done
done
unset _v _s _stack
# define_more_captures — cap_* functions for the generated names in ALL_CAPTURES
define_more_captures() {
    local name ver rest stack scen exp
    for name in "${ALL_CAPTURES[@]}"; do
        declare -F "cap_$name" >/dev/null && continue
        [[ $name =~ ^tls(12|13)-(apache-require|apache-optional-no-ca|apache|haproxy-required|haproxy|go-app|go|java|node)-(.*)$ ]] ||
            continue
        ver=${BASH_REMATCH[1]} stack=${BASH_REMATCH[2]} scen=${BASH_REMATCH[3]}
        exp=${EXPECT_NEW[$name]:-.}
        case $stack in
            apache) rest="apache_case \"\$1\" $ver optional 44410 $scen '$exp'" ;;
            apache-require) rest="apache_case \"\$1\" $ver require 44420 $scen '$exp'" ;;
            apache-optional-no-ca) rest="apache_case \"\$1\" $ver optional_no_ca 44430 $scen '$exp'" ;;
            haproxy) rest="haproxy_case \"\$1\" $ver \"\$HAPROXY_OPTIONAL\" 44440 $scen '$exp'" ;;
            haproxy-required) rest="haproxy_case \"\$1\" $ver \"\$HAPROXY_REQUIRED\" 44450 $scen '$exp'" ;;
            go) rest="go_case \"\$1\" $ver require 44460 $scen '$exp'" ;;
            go-app) rest="go_case \"\$1\" $ver app 44470 $scen '$exp'" ;;
            java) rest="java_case \"\$1\" $ver $scen '$exp'" ;;
            node) rest="node_case \"\$1\" $ver $scen '$exp'" ;;
        esac
        eval "cap_$name() { $rest; }"
    done
}
define_more_captures

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
    for attempt in 1 2 3; do
        note "$name"
        CAPTURE_DROPS=0
        "cap_$name" "$name"
        ((CAPTURE_DROPS == 0)) && break
        ((attempt < 3)) || die "$name: tcpdump dropped packets in 3 attempts"
        note "$name: tcpdump dropped $CAPTURE_DROPS packets, capturing again"
    done
    [[ -s $KEYS/$name.keys ]] || rm -f "$KEYS/$name.keys"
done
# files belong to whoever owns samples/ (tcpdump drops privileges when it writes)
chown --reference="$HERE" "$PCAPS"/* "$KEYS"/* "$PKI"/* 2>/dev/null || true
note "done: $(ls "$PCAPS" | wc -l) capture files in $PCAPS"
