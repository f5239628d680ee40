// MtlsServer — a small JSSE (SunJSSE) server for mtlsdump's sample captures.
// SSLServerSocket with setNeedClientAuth(true): a missing or bad client
// certificate fails the handshake. A connection that completes gets one HTTP
// answer: 200 "hello <subject>".
//
// usage: java MtlsServer PORT KEYSTORE.p12 TRUSTSTORE.p12 PASSWORD PROTOCOL
//        (PROTOCOL: TLSv1.2 or TLSv1.3; stores are PKCS12, made at capture time)
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class MtlsServer {
    static KeyStore load(String file, char[] pw) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(file)) {
            ks.load(in, pw);
        }
        return ks;
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        char[] pw = args[3].toCharArray();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(load(args[1], pw), pw);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(load(args[2], pw));
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory()
                .createServerSocket(port, 5, InetAddress.getByName("127.0.0.1"));
        ss.setNeedClientAuth(true);
        ss.setEnabledProtocols(new String[] {args[4]});
        System.out.println("listening on 127.0.0.1:" + port + " " + args[4]);
        while (true) {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                s.startHandshake();
                String who = s.getSession().getPeerPrincipal().getName();
                System.out.println("client: " + who);
                BufferedReader in = new BufferedReader(
                        new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                String line;
                while ((line = in.readLine()) != null && !line.isEmpty()) {
                    System.out.println("> " + line);
                }
                byte[] body = ("hello " + who + "\n").getBytes(StandardCharsets.UTF_8);
                OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                        + body.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
            } catch (Exception e) {
                System.out.println("connection failed: " + e);
            }
        }
    }
}
