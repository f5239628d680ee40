// Command server is a small HTTPS server on Go's crypto/tls (standard library
// only) for mtlsdump's sample captures. It serves GET / with "hello <subject>".
//
//	-mode require  tls.RequireAndVerifyClientCert: a bad or missing client
//	               certificate fails the handshake (TLS alert)
//	-mode app      tls.RequestClientCert: any certificate (or none) is accepted
//	               by the handshake; the handler verifies it against -ca
//	               (x509.Verify, ExtKeyUsageClientAuth) and answers HTTP 403
//
// Every key is test-only; -keylog writes the TLS secrets in NSS key log format.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func tlsVersion(s string) uint16 {
	switch s {
	case "1.2":
		return tls.VersionTLS12
	case "1.3":
		return tls.VersionTLS13
	}
	log.Fatalf("unknown -tls %q (1.2 or 1.3)", s)
	return 0
}

// verifyClient is what -mode app does in the handler: the chain the client
// sent, checked against the trusted roots for client authentication.
func verifyClient(st *tls.ConnectionState, roots *x509.CertPool) error {
	if st == nil || len(st.PeerCertificates) == 0 {
		return fmt.Errorf("no client certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range st.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := st.PeerCertificates[0].Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	return err
}

func main() {
	addr := flag.String("addr", "127.0.0.1:44460", "listen address")
	certFile := flag.String("cert", "", "server certificate chain (PEM)")
	keyFile := flag.String("key", "", "server private key (PEM)")
	caFile := flag.String("ca", "", "CA certificates trusted for client certificates (PEM)")
	mode := flag.String("mode", "require", "require or app")
	ver := flag.String("tls", "1.3", "TLS version (1.2 or 1.3)")
	keylog := flag.String("keylog", "", "write an NSS key log here")
	flag.Parse()

	pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	pem, err := os.ReadFile(*caFile)
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		log.Fatalf("no certificate in %s", *caFile)
	}
	v := tlsVersion(*ver)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientCAs:    roots,
		MinVersion:   v,
		MaxVersion:   v,
		NextProtos:   []string{"http/1.1"},
	}
	switch *mode {
	case "require":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	case "app":
		cfg.ClientAuth = tls.RequestClientCert
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
	if *keylog != "" {
		f, err := os.OpenFile(*keylog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		cfg.KeyLogWriter = f
	}

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if *mode == "app" {
			if err := verifyClient(r.TLS, roots); err != nil {
				log.Printf("refused: %v", err)
				w.Header().Set("Connection", "close")
				http.Error(w, "client certificate refused: "+err.Error(), http.StatusForbidden)
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "hello %s\n", r.TLS.PeerCertificates[0].Subject)
	})
	srv := &http.Server{
		Handler:   handler,
		TLSConfig: cfg,
		ErrorLog:  log.New(os.Stderr, "", log.LstdFlags),
		// no HTTP/2: TLSNextProto set to an empty map
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s (mode %s, TLS %s)", *addr, *mode, *ver)
	log.Fatal(srv.ServeTLS(ln, "", ""))
}
