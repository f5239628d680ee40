#!/usr/bin/env bash
# make.sh — captures of servers that are not web servers and often refuse a
# client certificate in their own protocol after a finished TLS handshake
# (issue 28): OpenLDAP slapd (LDAPS and StartTLS, SASL EXTERNAL binds by
# ldapwhoami), Dovecot IMAP and POP3 (STARTTLS, Python imaplib / poplib) and
# Postfix SMTP (STARTTLS, swaks). Each server requires and verifies client
# certificates from samples/pki; the scenarios are ok (alice), missing (no
# certificate), untrusted (mallory), expired (carol-expired), revoked
# (grace-revoked, servers with a CRL option), weak-key (frank-rsa1024) and
# identity (a valid certificate the server's authorization refuses), in TLS 1.2
# and TLS 1.3. See samples/README.md, "LDAP and mail servers".
#
#   sudo samples/peers/ldap-mail/make.sh            # every capture
#   sudo samples/peers/ldap-mail/make.sh slapd tls13-dovecot-imap-ok   # names or prefixes
#   samples/peers/ldap-mail/make.sh --list
#
# Writes samples/pcaps/<tls12|tls13>-<server>-<scenario>.pcap and the key log of
# both sides, merged, in samples/keylogs/<same>.keys. Needs root (tcpdump,
# unshare, Dovecot and Postfix start as root and drop privileges). Re-executes
# itself in `unshare -n` (its own loopback only); servers listen on 127.0.0.1,
# ports 44660-44664, run from a temporary directory with their own
# configuration (no /etc changes, no systemd); every process started is ended
# by its PID. MTLS_SAMPLES_KEEP_WORK=1 keeps the temporary directory (server
# and client logs).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
S=$(cd "$HERE/../.." && pwd)
PKI=$S/pki PCAPS=$S/pcaps KEYS=$S/keylogs

P_LDAP=44660 P_LDAPS=44661 P_IMAP=44662 P_POP3=44663 P_SMTP=44664

# scenario -> client certificate (a name in pki/, or none)
declare -A CERT=([ok]=alice [missing]=none [untrusted]=mallory [untrusted-openssl]=mallory
    [expired]=carol-expired [revoked]=grace-revoked [weak-key]=frank-rsa1024 [identity]=bob)
SLAPD_SCEN="ok missing untrusted untrusted-openssl expired revoked weak-key identity"
DOVECOT_SCEN="ok missing untrusted expired revoked weak-key identity"
POSTFIX_SCEN="ok missing untrusted expired weak-key identity" # Postfix has no CRL option

all_names() {
    local v m s
    for v in tls12 tls13; do
        for m in ldaps starttls; do for s in $SLAPD_SCEN; do echo "$v-slapd-$m-$s"; done; done
        for m in imap pop3; do for s in $DOVECOT_SCEN; do echo "$v-dovecot-$m-$s"; done; done
        for s in $POSTFIX_SCEN; do echo "$v-postfix-smtp-$s"; done
    done
}
if [ "${1:-}" = --list ]; then all_names; exit 0; fi
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then sed -n '2,25p' "$0"; exit 0; fi

die() { echo "make.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (tcpdump, unshare -n, dovecot and postfix masters)"

need() { # TOOL PACKAGE
    command -v "$1" >/dev/null 2>&1 || [ -x "$1" ] || die "$1 not found: apt-get install $2"
}
need unshare util-linux; need ip iproute2; need ss iproute2; need tcpdump tcpdump
need openssl openssl; need python3 python3; need cc gcc
need slapd slapd; need slapadd slapd; need ldapwhoami ldap-utils
need dovecot dovecot-core; [ -x /usr/lib/dovecot/imap-login ] || die "imap-login not found: apt-get install dovecot-imapd"
[ -x /usr/lib/dovecot/pop3-login ] || die "pop3-login not found: apt-get install dovecot-pop3d"
need /usr/lib/postfix/sbin/master postfix; need postconf postfix; need swaks swaks
perl -MNet::SSLeay -e 1 2>/dev/null || die "Net::SSLeay (swaks' TLS) not found: apt-get install libnet-ssleay-perl"
[ -f /usr/include/openssl/ssl.h ] || die "openssl/ssl.h not found: apt-get install libssl-dev"

if [ "${MTLS_IN_NETNS:-}" != 1 ]; then
    exec unshare -n env MTLS_IN_NETNS=1 bash "$0" "$@"
fi
ip link set lo up

# which captures
WANT=()
if [ $# -eq 0 ]; then
    mapfile -t WANT < <(all_names)
else
    for a in "$@"; do
        found=0
        while read -r n; do
            case "$n" in "$a"*|*-"$a"-*|*-"$a") WANT+=("$n"); found=1 ;; esac
        done < <(all_names)
        [ $found = 1 ] || die "no capture matches $a (see --list)"
    done
fi
wanted() { local n; for n in "${WANT[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }
wanted_any() { local n; for n in "${WANT[@]}"; do case "$n" in $1) return 0 ;; esac; done; return 1; }

WORK=$(mktemp -d /tmp/mtls-ldap-mail.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "${MTLS_SAMPLES_KEEP_WORK:-}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# shellcheck source=../capture-lib.sh
. "$HERE/../capture-lib.sh"

# keylog_preload.so: server-side key logs of Dovecot and Postfix, client-side of
# swaks (Net::SSLeay). Linked with libssl so that it also works in programs that
# dlopen libssl with RTLD_LOCAL (perl).
cc -shared -fPIC -O2 -o "$WORK/keylog_preload.so" "$HERE/../keylog/keylog_preload.c" -ldl -lssl -lcrypto

stop_pid() { # PID — SIGTERM, wait for it
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# run_capture NAME PORT SERVER_KEYLOG SERVER_LOG CMD... — tcpdump around CMD (the
# client, with SSLKEYLOGFILE=$WORK/NAME.client.keys); the key log written is the
# client's lines plus the lines the server appended during the capture.
run_capture() {
    local name=$1 port=$2 skeys=$3 slog=$4 rc=0 before slbefore
    shift 4
    before=$(wc -l < "$skeys") slbefore=$(wc -l < "$slog")
    : > "$WORK/$name.client.keys"
    capture_start "$name" "tcp port $port"
    SSLKEYLOGFILE=$WORK/$name.client.keys timeout 30 "$@" > "$WORK/$name.client.log" 2>&1 || rc=$?
    sleep 0.5
    capture_stop "$name"
    { grep -v '^#' "$WORK/$name.client.keys" || true; tail -n +"$((before + 1))" "$skeys"; } |
        awk 'NF == 3 && !seen[$0]++' > "$KEYS/$name.keys"
    tail -n +"$((slbefore + 1))" "$slog" > "$WORK/$name.server.log"
    [ -s "$KEYS/$name.keys" ] || rm -f "$KEYS/$name.keys"
    printf '%-40s client exit %-3s %3s key log lines | %s\n' "$name" "$rc" \
        "$( [ -f "$KEYS/$name.keys" ] && wc -l < "$KEYS/$name.keys" || echo 0)" \
        "$(grep -v '^\s*$' "$WORK/$name.client.log" | tail -1 | cut -c1-100)"
}

cert_chain() { # NAME -> the chain file when there is one
    if [ -f "$PKI/$1-chain.pem" ]; then echo "$PKI/$1-chain.pem"; else echo "$PKI/$1.pem"; fi
}

# ---------------------------------------------------------------- OpenLDAP slapd
# TLSVerifyClient demand, TLSCACertificateFile ca-chain.pem, TLSCRLFile
# intermediate.crl.pem (GnuTLS); the certificate's DN is mapped to an entry
# with authz-regexp; authz-policy is left at its default (none), so a client
# asking for another authorization identity (-X) is refused.
slapd_round() { # tls12|tls13
    local v=$1 T=$WORK/slapd-$1 ver m s name cert port uri
    wanted_any "$v-slapd-*" || return 0
    mkdir -p "$T/db"
    if [ "$v" = tls12 ]; then ver='TLSCipherSuite NORMAL:-VERS-TLS1.3'; else ver='TLSProtocolMin 3.4'; fi
    cat > "$T/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $T/slapd.pid
argsfile $T/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
loglevel stats
TLSCACertificateFile $PKI/ca-chain.pem
TLSCertificateFile $PKI/server-chain.pem
TLSCertificateKeyFile $PKI/server.key
TLSVerifyClient demand
TLSCRLFile $PKI/intermediate.crl.pem
$ver
authz-regexp "^cn=([^,]+),o=mtlsdump test\$" "ldap:///ou=people,dc=mtls,dc=test??one?(cn=\$1)"
database mdb
suffix dc=mtls,dc=test
rootdn cn=admin,dc=mtls,dc=test
directory $T/db
access to * by users read by * auth
EOF
    cat > "$T/data.ldif" <<EOF
dn: dc=mtls,dc=test
objectClass: dcObject
objectClass: organization
o: mtlsdump test
dc: mtls

dn: ou=people,dc=mtls,dc=test
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,dc=mtls,dc=test
objectClass: inetOrgPerson
uid: alice
cn: alice
sn: alice
EOF
    slapadd -f "$T/slapd.conf" -l "$T/data.ldif" > "$T/slapadd.log" 2>&1 || die "slapadd failed: $(cat "$T/slapadd.log")"
    : > "$T/server.keys"
    SSLKEYLOGFILE=$T/server.keys slapd -d stats -h "ldap://127.0.0.1:$P_LDAP/ ldaps://127.0.0.1:$P_LDAPS/" \
        -f "$T/slapd.conf" > "$T/slapd.log" 2>&1 &
    local SP=$!
    PIDS+=("$SP")
    wait_listen "$P_LDAP"; wait_listen "$P_LDAPS"
    for m in ldaps starttls; do
        if [ $m = ldaps ]; then port=$P_LDAPS uri=ldaps://127.0.0.1:$P_LDAPS/; else port=$P_LDAP uri=ldap://127.0.0.1:$P_LDAP/; fi
        for s in $SLAPD_SCEN; do
            name=$v-slapd-$m-$s
            wanted "$name" || continue
            cert=${CERT[$s]}
            if [ "$s" = untrusted-openssl ]; then
                # openssl s_client sends mallory whatever CA names the server
                # lists (GnuTLS in ldapwhoami does not: see README), then a SASL
                # EXTERNAL bind, a WhoAmI request and an unbind in BER.
                local sargs=(-connect 127.0.0.1:$port -servername server.mtls.test -CAfile "$PKI/root.pem"
                    -verify_return_error -cert "$PKI/mallory.pem" -key "$PKI/mallory.key" -quiet
                    "-${v/tls1/tls1_}")
                [ $m = starttls ] && sargs+=(-starttls ldap)
                run_capture "$name" "$port" "$T/server.keys" "$T/slapd.log" bash -c '
                    { printf "\x30\x16\x02\x01\x01\x60\x11\x02\x01\x03\x04\x00\xa3\x0a\x04\x08EXTERNAL"; sleep 0.5
                      printf "\x30\x1e\x02\x01\x02\x77\x19\x80\x171.3.6.1.4.1.4203.1.11.3"; sleep 0.5
                      printf "\x30\x05\x02\x01\x03\x42\x00"; sleep 0.5; } |
                    openssl s_client "$@" -keylogfile "$SSLKEYLOGFILE" | od -An -tx1' s_client "${sargs[@]}"
                continue
            fi
            local env=(LDAPTLS_CACERT="$PKI/root.pem" LDAPTLS_REQCERT=demand)
            [ "$cert" != none ] && env+=(LDAPTLS_CERT="$(cert_chain "$cert")" LDAPTLS_KEY="$PKI/$cert.key")
            local args=(-Y EXTERNAL -H "$uri")
            [ $m = starttls ] && args+=(-ZZ)
            # identity: bob's valid certificate asks to act as alice (SASL authzid)
            [ "$s" = identity ] && args+=(-X dn:uid=alice,ou=people,dc=mtls,dc=test)
            run_capture "$name" "$port" "$T/server.keys" "$T/slapd.log" env -u LDAPTLS_CERT -u LDAPTLS_KEY "${env[@]}" ldapwhoami "${args[@]}"
        done
    done
    stop_pid "$SP"
}

# ---------------------------------------------------------------- Dovecot
# ssl = required, ssl_verify_client_cert = yes, ssl_require_crl = yes (the
# default; it needs a CRL for every CA of the chain, so a CRL of the root, with
# nothing revoked, is made here next to intermediate.crl.pem),
# auth_ssl_require_client_cert = yes, auth_ssl_username_from_cert = yes.
dovecot_run() {
    local T=$WORK/dovecot v m s name cert user pw port sec
    wanted_any "*-dovecot-*" || return 0
    mkdir -p "$T/run" "$T/state" "$T/home" "$T/crl"
    chmod 1777 "$T/home"
    : > "$T/crl/index.txt"; echo 01 > "$T/crl/crlnumber"
    printf '[ca]\ndefault_ca = root\n[root]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\ndefault_crl_days = 3650\n' \
        "$T/crl/index.txt" "$T/crl/crlnumber" > "$T/crl/ca.cnf"
    openssl ca -batch -config "$T/crl/ca.cnf" -gencrl -keyfile "$PKI/root.key" -cert "$PKI/root.pem" \
        -out "$T/root.crl.pem" 2> "$T/crl/gencrl.log" || die "root CRL: $(cat "$T/crl/gencrl.log")"
    cat "$PKI/ca-chain-crl.pem" "$T/root.crl.pem" > "$T/ca-crl.pem"
    # every client certificate's CN is a user, except bob's
    for u in alice carol-expired grace-revoked frank-rsa1024 mallory; do
        printf '%s:{PLAIN}%s-secret::::::\n' "$u" "$u"
    done > "$T/passwd"
    cat > "$T/dovecot.conf" <<EOF
base_dir = $T/run
state_dir = $T/state
instance_name = mtlsdump-ldap-mail
log_path = $T/dovecot.log
auth_verbose = yes
verbose_ssl = yes
protocols = imap pop3
listen = 127.0.0.1
ssl = required
ssl_cert = <$PKI/server-chain.pem
ssl_key = <$PKI/server.key
ssl_ca = <$T/ca-crl.pem
ssl_verify_client_cert = yes
ssl_require_crl = yes
auth_ssl_require_client_cert = yes
auth_ssl_username_from_cert = yes
ssl_cert_username_field = commonName
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = $T/passwd
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$T/home/%u
}
mail_location = maildir:~/Maildir
# no chroot: the login processes write the server key log (keylog_preload.so)
service imap-login {
  chroot =
  inet_listener imap {
    port = $P_IMAP
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  chroot =
  inet_listener pop3 {
    port = $P_POP3
  }
  inet_listener pop3s {
    port = 0
  }
}
import_environment = TZ LD_PRELOAD SSLKEYLOGFILE
EOF
    : > "$T/server.keys"; chmod 666 "$T/server.keys"; : > "$T/dovecot.log"
    LD_PRELOAD=$WORK/keylog_preload.so SSLKEYLOGFILE=$T/server.keys dovecot -F -c "$T/dovecot.conf" > "$T/stdout.log" 2>&1 &
    local DP=$!
    PIDS+=("$DP")
    wait_listen "$P_IMAP"; wait_listen "$P_POP3"
    for v in tls12 tls13; do
        for m in imap pop3; do
            if [ $m = imap ]; then port=$P_IMAP; else port=$P_POP3; fi
            for s in $DOVECOT_SCEN; do
                name=$v-dovecot-$m-$s
                wanted "$name" || continue
                cert=${CERT[$s]}
                # the user logs in as the certificate's CN; without a certificate
                # and with bob's (identity) as alice
                user=$cert; [ "$cert" = none ] || [ "$cert" = bob ] && user=alice
                pw=$user-secret sec=()
                # OpenSSL at Debian's security level 2 will not even load a 1024-bit key
                [ "$s" = weak-key ] && sec=(1)
                run_capture "$name" "$port" "$T/server.keys" "$T/dovecot.log" \
                    python3 "$HERE/mail_client.py" "$m" "$port" "${v#tls}" "$cert" "$user" "$pw" "$PKI" "${sec[@]}"
            done
        done
    done
    stop_pid "$DP"
}

# ---------------------------------------------------------------- Postfix
# smtpd_tls_security_level = encrypt, smtpd_tls_ask_ccert = yes,
# smtpd_tls_req_ccert = yes, smtpd_tls_CAfile = ca-chain.pem,
# smtpd_recipient_restrictions = check_ccert_access (alice's and frank's
# SHA-256 fingerprints: OK), reject. Postfix has no CRL setting.
postfix_run() {
    local T=$WORK/postfix v s name cert
    wanted_any "*-postfix-*" || return 0
    mkdir -p "$T/conf" "$T/queue/pid" "$T/data"
    chown postfix "$T/data"
    local d
    for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
        mkdir -p "$T/queue/$d"; chown postfix "$T/queue/$d"; chmod 700 "$T/queue/$d"
    done
    mkdir -p "$T/queue/maildrop" "$T/queue/public"
    chown postfix:postdrop "$T/queue/maildrop" "$T/queue/public"
    chmod 730 "$T/queue/maildrop"; chmod 710 "$T/queue/public"
    for c in alice frank-rsa1024; do
        printf '%s OK\n' "$(openssl x509 -in "$PKI/$c.pem" -noout -fingerprint -sha256 | sed 's/.*=//')"
    done > "$T/conf/ccert_access"
    cat > "$T/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $T/queue
data_directory = $T/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.mtls.test
mydomain = mtls.test
mydestination = mtls.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks =
local_recipient_maps =
local_transport = discard:
default_transport = discard:
maillog_file = $T/maillog
maillog_file_prefixes = $T
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME LD_PRELOAD SSLKEYLOGFILE
smtpd_tls_cert_file = $PKI/server-chain.pem
smtpd_tls_key_file = $PKI/server.key
smtpd_tls_CAfile = $PKI/ca-chain.pem
smtpd_tls_security_level = encrypt
smtpd_tls_ask_ccert = yes
smtpd_tls_req_ccert = yes
smtpd_tls_loglevel = 1
smtpd_tls_fingerprint_digest = sha256
smtpd_tls_session_cache_database =
smtpd_recipient_restrictions = check_ccert_access texthash:$T/conf/ccert_access, reject
EOF
    # Debian's master.cf with smtpd on 127.0.0.1:P_SMTP and no chroot
    sed -e "s/^smtp\\( *inet\\)/127.0.0.1:$P_SMTP\\1/" /etc/postfix/master.cf > "$T/conf/master.cf"
    postconf -c "$T/conf" -F '*/*/chroot = n'
    : > "$T/server.keys"; chmod 666 "$T/server.keys"; : > "$T/maillog"
    # master -d stays in the foreground; setsid makes it a process group leader,
    # so that it ends its children when it is ended
    LD_PRELOAD=$WORK/keylog_preload.so SSLKEYLOGFILE=$T/server.keys \
        setsid /usr/lib/postfix/sbin/master -c "$T/conf" -d > "$T/master.log" 2>&1 &
    local MP=$!
    PIDS+=("$MP")
    wait_listen "$P_SMTP"
    for v in tls12 tls13; do
        for s in $POSTFIX_SCEN; do
            name=$v-postfix-smtp-$s
            wanted "$name" || continue
            cert=${CERT[$s]}
            local args=(--server 127.0.0.1:$P_SMTP --tls --tls-protocol "${v/tls1/tlsv1_}" --tls-verify
                --tls-ca-path "$PKI/root.pem" --tls-sni server.mtls.test --ehlo client.mtls.test
                -f sender@client.mtls.test -t alice@mtls.test --header 'Subject: mtlsdump test' --body 'hello')
            # swaks loads the first certificate of the file only (no chain)
            [ "$cert" != none ] && args+=(--tls-cert "$PKI/$cert.pem" --tls-key "$PKI/$cert.key")
            [ "$s" = weak-key ] && args+=(--tls-cipher 'DEFAULT:@SECLEVEL=1')
            run_capture "$name" "$P_SMTP" "$T/server.keys" "$T/maillog" \
                env LD_PRELOAD="$WORK/keylog_preload.so" swaks "${args[@]}"
        done
    done
    stop_pid "$MP"
    # anything of its process group still there (it ends them itself)
    local left
    for left in $(pgrep -g "$MP" 2>/dev/null || true); do kill "$left" 2>/dev/null || true; done
}

slapd_round tls12
slapd_round tls13
dovecot_run
postfix_run
