package io.jswarm.encryption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.security.KeyStore;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** The issued certificates work for real mutual TLS 1.3, and a certificate from another CA is refused. */
class MutualTlsTest {
    private final CertificateAuthority ca =
            CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());

    @Test
    void membersOfOneClusterHandshake() throws Exception {
        NodeIdentity manager = ca.issue(Identifiers.newId(), Role.MANAGER, Duration.ofDays(1));
        NodeIdentity worker = ca.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        assertEquals(worker.nodeId() + "/" + manager.nodeId(), handshake(manager, worker));
    }

    @Test
    void aClientFromAnotherClusterIsRefused() throws Exception {
        NodeIdentity manager = ca.issue(Identifiers.newId(), Role.MANAGER, Duration.ofDays(1));
        var other = CertificateAuthority.create(Identifiers.newId(), Duration.ofDays(1), InstantSource.system());
        NodeIdentity intruder = other.issue(Identifiers.newId(), Role.WORKER, Duration.ofDays(1));
        assertThrows(Exception.class, () -> handshake(manager, intruder));
    }

    /** Runs a handshake on loopback; returns "clientCN/serverCN" as each side saw the other. */
    private static String handshake(NodeIdentity server, NodeIdentity client) throws Exception {
        try (SSLServerSocket ss = (SSLServerSocket) context(server).getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ss.setNeedClientAuth(true);
            ss.setSoTimeout(10_000);
            CompletableFuture<String> seenByServer = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.startHandshake();
                    return cn(s);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket c = (SSLSocket) context(client).getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), ss.getLocalPort())) {
                c.setSoTimeout(10_000);
                c.startHandshake();
                c.getOutputStream().write(1); // completes the TLS 1.3 client-auth exchange
                c.getOutputStream().flush();
                return seenByServer.get(10, TimeUnit.SECONDS) + "/" + cn(c);
            }
        }
    }

    private static String cn(SSLSocket s) throws IOException {
        var peer = (java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0];
        return NodeIdentity.rdn(peer, org.bouncycastle.asn1.x500.style.BCStyle.CN);
    }

    private static SSLContext context(NodeIdentity id) throws Exception {
        char[] pw = "unused".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("node", id.privateKey(), pw, new java.security.cert.Certificate[]{id.certificate(), id.root()});
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", id.root());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, pw);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }
}
