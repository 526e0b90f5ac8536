package io.jswarm.e2e.cluster;

import io.jswarm.encryption.NodeIdentity;
import io.jswarm.gossip.wire.WireCodec;
import io.jswarm.proto.table.TableMessage;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.netlink.NetnsCalls;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * An attacker holding one joined member's key and certificate (read from its state directory), speaking the
 * gossip port's framing (4-byte length + protobuf envelope) over mutual TLS 1.3 from inside that member's host
 * namespace: what a compromised worker can send to any other node's 7946.
 */
final class ForgedPeer implements AutoCloseable {
    private final SSLSocket socket;
    private final DataOutputStream out;
    private final WireCodec codec = new WireCodec();

    private ForgedPeer(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.out = new DataOutputStream(socket.getOutputStream());
    }

    static ForgedPeer connect(NodeIdentity id, String hostNetns, InetSocketAddress target) throws IOException {
        // A socket made inside the namespace stays in it, whichever thread uses it afterwards.
        Socket plain = NetnsCalls.inside(Netns.at(Path.of("/run/netns/" + hostNetns)), () -> {
            Socket s = new Socket();
            s.connect(target, 5000);
            return s;
        });
        try {
            SSLSocket tls = (SSLSocket) context(id).getSocketFactory().createSocket(plain,
                    target.getHostString(), target.getPort(), true);
            tls.setEnabledProtocols(new String[]{"TLSv1.3"});
            tls.startHandshake();
            return new ForgedPeer(tls);
        } catch (GeneralSecurityException e) {
            plain.close();
            throw new IOException(e);
        }
    }

    void send(TableMessage m) throws IOException {
        byte[] frame = codec.encode(WireCodec.tableMessage(m));
        out.writeInt(frame.length);
        out.write(frame);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private static SSLContext context(NodeIdentity id) throws GeneralSecurityException, IOException {
        char[] pw = "x".toCharArray(); // in-memory key store only
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("node", id.privateKey(), pw, new Certificate[]{id.certificate(), id.root()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, pw);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", id.root());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }
}
