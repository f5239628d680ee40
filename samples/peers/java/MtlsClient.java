// MtlsClient — a small JSSE client for mtlsdump's sample captures: one
// connection, one "GET /", prints the answer.
//
// usage: java MtlsClient HOST PORT PROTOCOL TRUSTSTORE.p12 PASSWORD [KEYSTORE.p12]
//
// With a keystore it always presents the key entry "client", whatever CAs the
// server's CertificateRequest names: SunJSSE's own key managers choose only a
// certificate issued by one of those CAs and otherwise send none, which would
// turn "untrusted client certificate" into "no client certificate".
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

public class MtlsClient {
    static KeyStore load(String file, char[] pw) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(file)) {
            ks.load(in, pw);
        }
        return ks;
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        char[] pw = args[4].toCharArray();
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(load(args[3], pw));
        KeyManager[] kms = null;
        if (args.length > 5) {
            KeyStore ks = load(args[5], pw);
            final PrivateKey key = (PrivateKey) ks.getKey("client", pw);
            final X509Certificate[] chain = java.util.Arrays.stream(ks.getCertificateChain("client"))
                    .map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
            kms = new KeyManager[] {new X509ExtendedKeyManager() {
                public String chooseClientAlias(String[] t, Principal[] i, Socket s) { return "client"; }
                public String chooseEngineClientAlias(String[] t, Principal[] i, SSLEngine e) { return "client"; }
                public String chooseServerAlias(String t, Principal[] i, Socket s) { return null; }
                public String[] getClientAliases(String t, Principal[] i) { return new String[] {"client"}; }
                public String[] getServerAliases(String t, Principal[] i) { return null; }
                public X509Certificate[] getCertificateChain(String a) { return chain; }
                public PrivateKey getPrivateKey(String a) { return key; }
            }};
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kms, tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters p = s.getSSLParameters();
            p.setProtocols(new String[] {args[2]});
            p.setServerNames(java.util.List.of(new SNIHostName(host)));
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                System.out.write(buf, 0, n);
            }
            System.out.flush();
        } catch (Exception e) {
            System.out.println("failed: " + e);
            System.exit(1);
        }
    }
}
