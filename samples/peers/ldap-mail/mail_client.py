#!/usr/bin/env python3
"""mail_client.py — IMAP or POP3 client for samples/peers/ldap-mail/make.sh:
connects in clear, STARTTLS (IMAP) / STLS (POP3) with Python's ssl module
(OpenSSL), logs in with a password, does one small exchange (IMAP LIST /
POP3 STAT) and logs out; a refused login is printed and followed by
LOGOUT / QUIT, as a mail client would do.

  SSLKEYLOGFILE=KEYLOG mail_client.py imap|pop3 PORT 12|13 CERT|none USER PASSWORD PKI [SECLEVEL]

CERT is a name in PKI (CERT-chain.pem when it exists, else CERT.pem, and
CERT.key); the server is verified against PKI/root.pem; $SSLKEYLOGFILE
receives the client's TLS secrets (SSLContext.keylog_filename). SECLEVEL, when given, is
appended to the cipher string (@SECLEVEL=N), needed to load a 1024-bit key."""
import imaplib
import os
import poplib
import ssl
import sys

proto, port, tlsv, cert, user, password, pki = sys.argv[1:8]
seclevel = sys.argv[8] if len(sys.argv) > 8 else None
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.load_verify_locations(os.path.join(pki, 'root.pem'))
ver = ssl.TLSVersion.TLSv1_2 if tlsv == '12' else ssl.TLSVersion.TLSv1_3
ctx.minimum_version = ctx.maximum_version = ver
if seclevel is not None:
    ctx.set_ciphers('DEFAULT:@SECLEVEL=' + seclevel)
if cert != 'none':
    chain = os.path.join(pki, cert + '-chain.pem')
    if not os.path.exists(chain):
        chain = os.path.join(pki, cert + '.pem')
    ctx.load_cert_chain(chain, os.path.join(pki, cert + '.key'))
if os.environ.get('SSLKEYLOGFILE'):
    ctx.keylog_filename = os.environ['SSLKEYLOGFILE']
rc = 0
if proto == 'imap':
    c = imaplib.IMAP4('127.0.0.1', int(port))
    print('S:', c.welcome)
    print('STARTTLS:', c.starttls(ssl_context=ctx))
    try:
        print('LOGIN:', c.login(user, password))
        print('LIST:', c.list())
    except imaplib.IMAP4.error as e:
        print('LOGIN refused:', e)
        rc = 1
    print('LOGOUT:', c.logout())
else:
    c = poplib.POP3('127.0.0.1', int(port))
    print('S:', c.getwelcome())
    print('STLS:', c.stls(context=ctx))
    try:
        print('USER:', c.user(user))
        print('PASS:', c.pass_(password))
        print('STAT:', c.stat())
    except poplib.error_proto as e:
        print('login refused:', e)
        rc = 1
    print('QUIT:', c.quit())
sys.exit(rc)
