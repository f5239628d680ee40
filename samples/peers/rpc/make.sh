#!/usr/bin/env bash
# make.sh — HTTP/2 and gRPC mutual-TLS captures (issue 28): servers that finish
# the TLS handshake and refuse the client certificate in their own protocol.
#
#   sudo samples/peers/rpc/make.sh            # every capture below
#   sudo samples/peers/rpc/make.sh NAME...    # some of them (--list names them)
#
# - nginx 1.22 with `listen … ssl http2`, `ssl_verify_client on`, a CRL, and
#   an allow-list (map $ssl_client_s_dn) answering 403 for other identities;
#   client curl --http2 (SSLKEYLOGFILE). TLS 1.2 (port 44690) and 1.3 (44691).
# - nginx `ssl_verify_client optional_no_ca` answering 200 to mallory (44692),
#   and a python3-h2 server sending each HTTP/2 frame in its own TLS record
#   (44693), both TLS 1.3: "200 in small frames after a certificate our
#   validation dislikes".
# - gRPC (python3-grpcio, grpc_peer.py): require_client_auth=True, the method
#   answers UNAUTHENTICATED for a revoked certificate and PERMISSION_DENIED for
#   an identity not on its allow-list. TLS 1.2 (44694, forced on the server
#   with tlsmax_preload.so) and 1.3 (44695).
# - tls_peer.py line-server: TLS 1.3 without session tickets answering one
#   short line (14 bytes to alice, 44696; a 36-byte echo to mallory, whose
#   rogue CA this server trusts, 44697).
#
# Writes samples/pcaps/NAME.pcap and samples/keylogs/NAME.keys (both sides'
# secrets where the program can write them: nginx and gRPC through
# keylog_preload.so, Python through SSLContext.keylog_filename, curl through
# SSLKEYLOGFILE). Needs root (tcpdump, unshare). Runs in its own network
# namespace (`unshare -n`, only lo, 127.0.0.1, ports 44690-44719); every process
# it starts is ended by its PID. MTLS_SAMPLES_KEEP_WORK=1 keeps the temporary
# directory with every server and client log.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
S=$(cd "$HERE/../.." && pwd)
PKI=$S/pki PCAPS=$S/pcaps KEYS=$S/keylogs
PY=/usr/bin/python3 # Debian's python3 (python3-grpcio, python3-h2 are for it)

NGINX_SCENARIOS=(ok missing untrusted expired revoked weak-key identity)
GRPC_SCENARIOS=(ok missing untrusted expired identity revoked)
ALL=()
for v in 12 13; do
    for s in "${NGINX_SCENARIOS[@]}"; do ALL+=("tls$v-nginx-h2-$s"); done
done
for v in 12 13; do
    for s in "${GRPC_SCENARIOS[@]}"; do ALL+=("tls$v-grpc-$s"); done
done
ALL+=(tls12-nginx-h2-untrusted-accepted tls13-nginx-h2-untrusted-accepted tls13-pyh2-untrusted-accepted
    tls13-pyline-ok tls13-pyline-untrusted-accepted)

die() { printf 'rpc/make.sh: %s\n' "$*" >&2; exit 1; }
note() { printf '== %s\n' "$*"; }

case ${1:-} in
    --list) printf '%s\n' "${ALL[@]}"; exit 0 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
esac
selected=("$@")
((${#selected[@]})) || selected=("${ALL[@]}")
for n in "${selected[@]}"; do
    [[ " ${ALL[*]} " == *" $n "* ]] || die "unknown capture '$n' (try --list)"
done

# tools, with the Debian package that has each
need() { command -v "$1" >/dev/null || die "$1 not found: apt-get install $2"; }
need tcpdump tcpdump; need ss iproute2; need ip iproute2; need unshare util-linux
need timeout coreutils; need openssl openssl; need cc gcc
[[ -f /usr/include/openssl/ssl.h ]] || die "OpenSSL headers not found: apt-get install libssl-dev"
[[ -x $PY ]] || die "$PY not found: apt-get install python3"
if [[ " ${selected[*]} " == *nginx* || " ${selected[*]} " == *pyh2* ]]; then need curl curl; fi
if [[ " ${selected[*]} " == *-nginx-* ]]; then need nginx nginx; fi
if [[ " ${selected[*]} " == *-grpc-* ]]; then
    $PY -c 'import grpc' 2>/dev/null || die "python3 grpc not found: apt-get install python3-grpcio"
    $PY -c 'import cryptography' 2>/dev/null || die "python3 cryptography not found: apt-get install python3-cryptography"
fi
if [[ " ${selected[*]} " == *pyh2* ]]; then
    $PY -c 'import h2' 2>/dev/null || die "python3 h2 not found: apt-get install python3-h2"
fi
((EUID == 0)) || die "tcpdump needs root: run as root (sudo $0)"

if [[ ${MTLS_IN_NETNS:-} != 1 ]]; then
    exec unshare -n env MTLS_IN_NETNS=1 bash "$0" "${selected[@]}"
fi
ip link set lo up

WORK=$(mktemp -d /tmp/mtls-rpc.XXXXXX)
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
# shellcheck source=../capture-lib.sh
. "$HERE/../capture-lib.sh"

# The LD_PRELOAD libraries. Linked with -lssl: python3 itself does not link
# libssl, so the library must bring its OpenSSL symbols along.
cc -shared -fPIC -O2 -o "$WORK/keylog_preload.so" "$HERE/../keylog/keylog_preload.c" -lssl -ldl
cc -shared -fPIC -O2 -o "$WORK/tlsmax_preload.so" "$HERE/tlsmax_preload.c" -lssl -ldl

# A CRL of the root, made now (empty): nginx's ssl_crl checks every level of the
# chain (X509_V_FLAG_CRL_CHECK_ALL), so with the intermediate's CRL alone every
# certificate fails with "unable to get certificate CRL" (3).
mkdir -p "$WORK/rootca"
: >"$WORK/rootca/index.txt"
echo 01 >"$WORK/rootca/crlnumber"
cat >"$WORK/rootca/ca.cnf" <<EOF
[ca]
default_ca = root
[root]
database = $WORK/rootca/index.txt
crlnumber = $WORK/rootca/crlnumber
default_md = sha256
default_crl_days = 7300
EOF
openssl ca -config "$WORK/rootca/ca.cnf" -gencrl -keyfile "$PKI/root.key" -cert "$PKI/root.pem" \
    -out "$WORK/root.crl.pem" 2>"$WORK/gencrl.log" || die "root CRL: $(cat "$WORK/gencrl.log")"
cat "$WORK/root.crl.pem" "$PKI/intermediate.crl.pem" >"$WORK/crls.pem"

# An OpenSSL configuration at security level 1, for the client that sends
# frank-rsa1024: at Debian's level 2 curl refuses to load a 1024-bit key
# ("ee key too small", exit 58) and nothing reaches the server.
cat >"$WORK/seclevel1.cnf" <<'EOF'
openssl_conf = init
[init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = sys
[sys]
CipherString = DEFAULT:@SECLEVEL=1
EOF

# who_for SCENARIO — the client identity (file prefix in pki/) or none
who_for() {
    case $1 in
        ok) echo alice ;; missing) echo none ;; untrusted|*-accepted) echo mallory ;;
        expired) echo carol-expired ;; revoked) echo grace-revoked ;;
        weak-key) echo frank-rsa1024 ;; identity) echo bob ;;
        *) die "unknown scenario $1" ;;
    esac
}
# chain_of WHO — the PEM the client presents: leaf + intermediate; mallory and
# bob have no intermediate (rogue CA / the root issued bob directly)
chain_of() { if [[ -f $PKI/$1-chain.pem ]]; then echo "$PKI/$1-chain.pem"; else echo "$PKI/$1.pem"; fi; }

# merge_keys NAME FILE... — the key log of both sides, each line once
merge_keys() {
    local name=$1
    shift
    local f
    local -a have=()
    for f in "$@"; do [[ -s $f ]] && have+=("$f"); done
    ((${#have[@]})) || die "$name: no key log written"
    awk 'NF && !seen[$0]++' "${have[@]}" >"$KEYS/$name.keys"
    [[ -s $KEYS/$name.keys ]] || die "$name: no key log written"
}
# check_decrypts NAME PORT — tshark (when installed) must decrypt a Finished
check_decrypts() {
    command -v tshark >/dev/null || return 0
    local n
    n=$(tshark -r "$PCAPS/$1.pcap" -o "tls.keylog_file:$KEYS/$1.keys" -d "tcp.port==$2,tls" \
        -Y 'tls.handshake.type == 20' 2>/dev/null | wc -l)
    ((n > 0)) || die "$1: the key log does not decrypt the capture"
}
expect() { # NAME LOG ERE
    grep -Eq "$3" "$WORK/$2.log" || die "$1: expected /$3/ in $2.log, got: $(head -c 400 "$WORK/$2.log" | tr '\n' ' ')"
}

# --- nginx: http2 on a TLS listener, ssl_verify_client MODE, the CRLs, and an
# allow-list: only "CN=alice,O=mtlsdump test" gets 200, any other verified
# certificate 403. nginx clears its workers' environment: `env SSLKEYLOGFILE`.
nginx_start() { # NAME PORT PROTOCOLS VERIFY
    local name=$1 port=$2 protocols=$3 verify=$4 dir=$WORK/nginx-$1 crl access
    mkdir -p "$dir/tmp"
    if [[ $verify == on ]]; then
        crl="ssl_crl \"$WORK/crls.pem\";"
        access='if ($mtls_allowed = 0) { return 403 "forbidden: $ssl_client_s_dn is not allowed\n"; }'
    else # optional_no_ca: any certificate gets 200 (and $ssl_client_verify says FAILED:…)
        crl='' access=''
    fi
    cat >"$dir/nginx.conf" <<EOF
user root;
daemon off;
worker_processes 1;
pid "$dir/nginx.pid";
error_log "$dir/error.log" info;
env SSLKEYLOGFILE;
events { worker_connections 64; }
http {
    access_log "$dir/access.log" combined;
    client_body_temp_path "$dir/tmp/body";
    proxy_temp_path "$dir/tmp/proxy";
    fastcgi_temp_path "$dir/tmp/fastcgi";
    uwsgi_temp_path "$dir/tmp/uwsgi";
    scgi_temp_path "$dir/tmp/scgi";
    map \$ssl_client_s_dn \$mtls_allowed {
        default 0;
        "CN=alice,O=mtlsdump test" 1;
    }
    server {
        listen 127.0.0.1:$port ssl http2;
        server_name server.mtls.test;
        ssl_certificate "$PKI/server-chain.pem";
        ssl_certificate_key "$PKI/server.key";
        ssl_client_certificate "$PKI/root.pem";
        ssl_verify_client $verify;
        ssl_verify_depth 3;
        ssl_protocols $protocols;
        $crl
        location / {
            default_type text/plain;
            $access
            return 200 "hello \$ssl_client_s_dn (\$ssl_client_verify)\n";
        }
    }
}
EOF
    start_bg "$name-nginx" env SSLKEYLOGFILE="$WORK/$name.server.keys" LD_PRELOAD="$WORK/keylog_preload.so" \
        nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
    NGINX_PID=$BG_PID
    wait_listen "$port"
}
curl_h2() { # NAME PORT VER WHO [OPENSSL_CONF]
    local name=$1 port=$2 ver=$3 who=$4 cnf=${5:-}
    local -a c=()
    [[ $who == none ]] || c=(--cert "$(chain_of "$who")" --key "$PKI/$who.key")
    env ${cnf:+OPENSSL_CONF=$cnf} SSLKEYLOGFILE="$WORK/$name.client.keys" timeout 15 \
        curl -sS --http2 --tlsv"$ver" --tls-max "$ver" --cacert "$PKI/root.pem" \
        --resolve "server.mtls.test:$port:127.0.0.1" "${c[@]}" \
        -o "$WORK/$name.body" -w 'http_code=%{http_code} http_version=%{http_version}\n' \
        "https://server.mtls.test:$port/" >"$WORK/$name-curl.log" 2>&1 || true
    cat "$WORK/$name.body" >>"$WORK/$name-curl.log" 2>/dev/null || true
}
cap_nginx() { # NAME VER SCENARIO
    local name=$1 v=$2 scen=$3 port who cnf=
    port=$((v == 12 ? 44690 : 44691))
    who=$(who_for "$scen")
    [[ $scen == weak-key ]] && cnf=$WORK/seclevel1.cnf
    nginx_start "$name" "$port" "TLSv1.$((v - 10))" on
    capture_start "$name" "tcp port $port"
    curl_h2 "$name" "$port" "1.$((v - 10))" "$who" "$cnf"
    capture_stop "$name"
    stop_bg "$NGINX_PID"
    case $scen in
        ok) expect "$name" "$name-curl" 'http_code=200 http_version=2' ;;
        identity) expect "$name" "$name-curl" 'http_code=403 http_version=2' ;;
        missing) expect "$name" "$name-curl" 'http_code=400 .*' && expect "$name" "$name-curl" 'No required SSL certificate was sent' ;;
        *) expect "$name" "$name-curl" 'http_code=400 .*' && expect "$name" "$name-curl" 'The SSL certificate error' ;;
    esac
    merge_keys "$name" "$WORK/$name.client.keys" "$WORK/$name.server.keys"
    check_decrypts "$name" "$port"
    echo "   curl: $(head -1 "$WORK/$name-curl.log"); nginx: $(grep -Eo 'client (sent no required|SSL certificate verify error)[^,]*' "$WORK/nginx-$name/error.log" | head -1)"
}
cap_nginx_accepted() { # NAME VER — ssl_verify_client optional_no_ca, mallory
    local name=$1 v=$2 port=44692
    nginx_start "$name" "$port" "TLSv1.$((v - 10))" optional_no_ca
    capture_start "$name" "tcp port $port"
    curl_h2 "$name" "$port" "1.$((v - 10))" mallory
    capture_stop "$name"
    stop_bg "$NGINX_PID"
    expect "$name" "$name-curl" 'http_code=200 http_version=2'
    merge_keys "$name" "$WORK/$name.client.keys" "$WORK/$name.server.keys"
    check_decrypts "$name" "$port"
    echo "   curl: $(tr '\n' ' ' <"$WORK/$name-curl.log")"
}

# --- python3-h2 server, one TLS record per HTTP/2 frame, trusting root + rogue CA
cap_pyh2() { # NAME
    local name=$1 port=44693
    start_bg "$name-server" "$PY" "$HERE/tls_peer.py" h2-server "$port" "$PKI" "$WORK/$name.server.keys" \
        "$PKI/root.pem" "$PKI/rogue-ca.pem"
    local pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    curl_h2 "$name" "$port" 1.3 mallory
    wait "$pid" 2>/dev/null || true
    capture_stop "$name"
    expect "$name" "$name-curl" 'http_code=200 http_version=2'
    expect "$name" "$name-server" 'client CN=mallory'
    merge_keys "$name" "$WORK/$name.client.keys" "$WORK/$name.server.keys"
    check_decrypts "$name" "$port"
    echo "   curl: $(tr '\n' ' ' <"$WORK/$name-curl.log")"
}

# --- gRPC (python3-grpcio links the system libssl: key logs by keylog_preload.so)
cap_grpc() { # NAME VER SCENARIO
    local name=$1 v=$2 scen=$3 port who pre
    port=$((v == 12 ? 44694 : 44695))
    who=$(who_for "$scen")
    pre=$WORK/keylog_preload.so
    ((v == 12)) && pre="$WORK/tlsmax_preload.so $WORK/keylog_preload.so"
    start_bg "$name-server" env MTLS_TLS_MAX=1.$((v - 10)) SSLKEYLOGFILE="$WORK/$name.server.keys" \
        LD_PRELOAD="$pre" "$PY" "$HERE/grpc_peer.py" server "$port" "$PKI"
    local pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    SSLKEYLOGFILE=$WORK/$name.client.keys LD_PRELOAD=$WORK/keylog_preload.so timeout 20 \
        "$PY" "$HERE/grpc_peer.py" client "$port" "$PKI" "$who" >"$WORK/$name-client.log" 2>&1 || true
    capture_stop "$name"
    stop_bg "$pid"
    case $scen in
        ok) expect "$name" "$name-client" "^OK reply=b'hello alice'" ;;
        identity) expect "$name" "$name-client" 'StatusCode.PERMISSION_DENIED' ;;
        revoked) expect "$name" "$name-client" 'StatusCode.UNAUTHENTICATED' ;;
        *) expect "$name" "$name-client" 'StatusCode.UNAVAILABLE' ;;
    esac
    merge_keys "$name" "$WORK/$name.client.keys" "$WORK/$name.server.keys"
    check_decrypts "$name" "$port"
    echo "   client: $(grep -E '^(OK|RPC)' "$WORK/$name-client.log" | head -1)"
    echo "   server: $(grep -E 'Handshake failed|->' "$WORK/$name-server.log" | head -1 | sed 's/^.*\] *//')"
}

# --- Python ssl, TLS 1.3 without tickets, one short line
cap_pyline() { # NAME PORT MODE WHO LINE CAFILE...
    local name=$1 port=$2 mode=$3 who=$4 line=$5
    shift 5
    start_bg "$name-server" "$PY" "$HERE/tls_peer.py" line-server "$port" "$PKI" "$mode" \
        "$WORK/$name.server.keys" "$@"
    local pid=$BG_PID
    wait_listen "$port"
    capture_start "$name" "tcp port $port"
    timeout 15 "$PY" "$HERE/tls_peer.py" line-client "$port" "$PKI" "$who" "$WORK/$name.client.keys" "$line" \
        >"$WORK/$name-client.log" 2>&1 || true
    wait "$pid" 2>/dev/null || true
    capture_stop "$name"
    merge_keys "$name" "$WORK/$name.client.keys" "$WORK/$name.server.keys"
    check_decrypts "$name" "$port"
    echo "   client: $(tr '\n' ' ' <"$WORK/$name-client.log")"
}

for name in "${selected[@]}"; do
    note "$name"
    case $name in
        tls1[23]-nginx-h2-untrusted-accepted) cap_nginx_accepted "$name" "${name:3:2}" ;;
        tls1[23]-nginx-h2-*) v=${name:3:2}; cap_nginx "$name" "$v" "${name#tls??-nginx-h2-}" ;;
        tls1[23]-grpc-*) v=${name:3:2}; cap_grpc "$name" "$v" "${name#tls??-grpc-}" ;;
        tls13-pyh2-untrusted-accepted) cap_pyh2 "$name" ;;
        tls13-pyline-ok)
            cap_pyline "$name" 44696 hello alice HELLO "$PKI/root.pem"
            expect "$name" "$name-client" "reply 14 bytes: b'hello, alice\\\\r\\\\n'" ;;
        tls13-pyline-untrusted-accepted)
            cap_pyline "$name" 44697 echo mallory "ECHO mtlsdump issue 28 short record" \
                "$PKI/root.pem" "$PKI/rogue-ca.pem"
            expect "$name" "$name-client" "reply 36 bytes" ;;
    esac
done
note "done: ${#selected[@]} captures in $PCAPS, key logs in $KEYS"
