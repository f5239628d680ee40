#!/usr/bin/python3
"""grpc_peer.py — a real gRPC server and client (Debian's python3-grpcio, which
links the system OpenSSL) for the mtlsdump samples: one unary method,
/mtls.Echo/Call, with raw bytes (a generic handler without serializers, so no
protoc and no generated code).

  grpc_peer.py server PORT PKI_DIR
      ssl_server_credentials([(server.key, server-chain.pem)],
      root_certificates=root.pem, require_client_auth=True): gRPC core then asks
      for a client certificate, requires one and verifies it (OpenSSL) against
      root.pem. Python's gRPC has no CRL option, so the method itself checks the
      peer certificate's serial against intermediate.crl.pem (as an application
      has to) and answers UNAUTHENTICATED for a revoked certificate; then it
      checks the identity (auth_context()["x509_common_name"]) against its
      allow-list {alice} and answers PERMISSION_DENIED for any other CN.
      Prints "ready" once listening and one line per call.

  grpc_peer.py client PORT PKI_DIR WHO
      secure_channel to 127.0.0.1:PORT with ssl_channel_credentials(root.pem,
      WHO.key, WHO's chain) (WHO=none: no client certificate), one call of
      /mtls.Echo/Call with b"ping from WHO", timeout 5 s, then close. Prints the
      status code and details (or the reply).

Key logs: run both under LD_PRELOAD=keylog_preload.so with SSLKEYLOGFILE.
"""
import os
import sys
import time

import grpc

SERVICE = "mtls.Echo"
METHOD = "Call"
ALLOWED = {"alice"}


def read(path):
    with open(path, "rb") as f:
        return f.read()


def revoked_serials(crl_path):
    from cryptography import x509
    crl = x509.load_pem_x509_crl(read(crl_path))
    return {r.serial_number for r in crl}


def peer_serial(pem):
    from cryptography import x509
    return x509.load_pem_x509_certificate(pem).serial_number


def server(port, pki):
    revoked = revoked_serials(os.path.join(pki, "intermediate.crl.pem"))

    def call(request, context):
        ac = context.auth_context()
        cn = b"".join(ac.get("x509_common_name", [b""])).decode()
        pem = b"".join(ac.get("x509_pem_cert", [b""]))
        print("call from CN=%r peer=%s request=%r" % (cn, context.peer(), request), flush=True)
        if not pem:  # not reached with require_client_auth=True
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "no client certificate")
        serial = peer_serial(pem)
        if serial in revoked:
            print("  -> UNAUTHENTICATED (revoked serial %X)" % serial, flush=True)
            context.abort(grpc.StatusCode.UNAUTHENTICATED,
                          "client certificate revoked (serial %X)" % serial)
        if cn not in ALLOWED:
            print("  -> PERMISSION_DENIED", flush=True)
            context.abort(grpc.StatusCode.PERMISSION_DENIED,
                          "CN=%s may not call /%s/%s" % (cn, SERVICE, METHOD))
        print("  -> OK", flush=True)
        return b"hello " + cn.encode()

    from concurrent import futures
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    handler = grpc.method_handlers_generic_handler(
        SERVICE, {METHOD: grpc.unary_unary_rpc_method_handler(call)})
    srv.add_generic_rpc_handlers((handler,))
    creds = grpc.ssl_server_credentials(
        [(read(os.path.join(pki, "server.key")), read(os.path.join(pki, "server-chain.pem")))],
        root_certificates=read(os.path.join(pki, "root.pem")),
        require_client_auth=True)
    srv.add_secure_port("127.0.0.1:%d" % port, creds)
    srv.start()
    print("ready", flush=True)
    srv.wait_for_termination()


def chain_of(pki, who):
    # mallory's issuer is the rogue CA: her file alone; the others with the intermediate
    p = os.path.join(pki, who + "-chain.pem")
    return p if os.path.exists(p) else os.path.join(pki, who + ".pem")


def client(port, pki, who):
    root = read(os.path.join(pki, "root.pem"))
    if who == "none":
        creds = grpc.ssl_channel_credentials(root_certificates=root)
    else:
        creds = grpc.ssl_channel_credentials(
            root_certificates=root,
            private_key=read(os.path.join(pki, who + ".key")),
            certificate_chain=read(chain_of(pki, who)))
    opts = [("grpc.ssl_target_name_override", "server.mtls.test"),
            ("grpc.enable_retries", 0)]
    with grpc.secure_channel("127.0.0.1:%d" % port, creds, options=opts) as ch:
        call = ch.unary_unary("/%s/%s" % (SERVICE, METHOD))
        try:
            reply = call(("ping from " + who).encode(), timeout=5)
            print("OK reply=%r" % reply, flush=True)
            rc = 0
        except grpc.RpcError as e:
            print("RPC failed: %s details=%r" % (e.code(), e.details()), flush=True)
            rc = 1
    time.sleep(0.2)
    return rc


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "server":
        server(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "client":
        sys.exit(client(int(sys.argv[2]), sys.argv[3], sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
