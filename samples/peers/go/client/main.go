// Command client is a small TLS client on Go's crypto/tls (standard library
// only) for mtlsdump's sample captures: one connection, one "GET /", then it
// prints what the server answers.
//
// -ca FILE trusts those roots; -ca none trusts nothing (an empty pool), so the
// client refuses every server certificate. -cert/-key always send that chain,
// whatever CAs the server's CertificateRequest names (GetClientCertificate);
// with tls.Config.Certificates Go would silently send no certificate when the
// server's CA list does not cover it.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:44460", "server address")
	name := flag.String("name", "server.mtls.test", "server name (SNI and verification)")
	caFile := flag.String("ca", "", "trusted roots (PEM), or none")
	certFile := flag.String("cert", "", "client certificate chain (PEM)")
	keyFile := flag.String("key", "", "client private key (PEM)")
	ver := flag.String("tls", "1.3", "TLS version (1.2 or 1.3)")
	keylog := flag.String("keylog", "", "write an NSS key log here")
	flag.Parse()

	v := uint16(tls.VersionTLS13)
	if *ver == "1.2" {
		v = tls.VersionTLS12
	}
	roots := x509.NewCertPool()
	if *caFile != "none" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			log.Fatal(err)
		}
		roots.AppendCertsFromPEM(pem)
	}
	cfg := &tls.Config{ServerName: *name, RootCAs: roots, MinVersion: v, MaxVersion: v}
	if *certFile != "" {
		pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			log.Fatal(err)
		}
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &pair, nil
		}
	}
	if *keylog != "" {
		f, err := os.OpenFile(*keylog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		cfg.KeyLogWriter = f
	}
	conn, err := tls.Dial("tcp", *addr, cfg)
	if err != nil {
		fmt.Println("handshake failed:", err)
		os.Exit(1)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", *name)
	_, err = io.Copy(os.Stdout, conn)
	if err != nil {
		fmt.Println("\nread failed:", err)
		os.Exit(1)
	}
}
