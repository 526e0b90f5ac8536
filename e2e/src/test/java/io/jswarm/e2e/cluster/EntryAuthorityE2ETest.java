package io.jswarm.e2e.cluster;

import static io.jswarm.e2e.cluster.ClusterE2ETest.await;
import static io.jswarm.e2e.cluster.ClusterE2ETest.awaitDaemon;
import static io.jswarm.e2e.cluster.ClusterE2ETest.cli;
import static io.jswarm.e2e.cluster.ClusterE2ETest.info;
import static io.jswarm.e2e.cluster.NetworkE2ETest.inspect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.jswarm.cli.cluster.DaemonClient;
import io.jswarm.cli.cluster.DaemonHost;
import io.jswarm.encryption.NodeIdentity;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.table.Endpoint;
import io.jswarm.proto.table.TableEntry;
import io.jswarm.proto.table.TableMessage;
import io.jswarm.proto.table.TablePage;
import io.jswarm.proto.table.Version;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.testing.RequiresRoot;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, findings 1-3 with real daemons: h3's worker certificate (read from its state directory, as an
 * attacker who owns that host would) speaks TLS to h1's and h2's 7946 and sends (a) an event for h2's endpoint
 * with h3's VTEP, (b) a relayed page of that endpoint at version 2^63-1, (c) a {@code www.example.com} entry on
 * a network h3 has no endpoint on. Afterwards h2's sandbox is still reachable from h1's, no FDB entry points at
 * h3, the name does not resolve to the forged address, and endpoints attached afterwards still replicate.
 */
@RequiresRoot
class EntryAuthorityE2ETest {
    private static final String[] D = {"jsauth-h1", "jsauth-h2", "jsauth-h3"};
    private static final String NET = "jsauth-ov";
    private static final String ATTACKER_VTEP = ClusterLab.addr(3);

    @Test
    void aMemberCanNeitherHijackNorPinNorInjectEntries() throws Exception {
        try (ClusterLab lab = ClusterLab.create("jsauth")) {
            for (int h = 1; h <= 3; h++) {
                lab.startDaemon(h, D[h - 1]);
            }
            for (String d : D) {
                awaitDaemon(lab, d);
            }
            ClusterE2ETest.formSwarm(lab, D);
            await("3 nodes ready", () -> readyNodes(lab) == 3, lab, D[0]);
            var created = cli(lab, D[0], "network", "create", "-d", "overlay", "--attachable", NET);
            assertEquals(0, created.rc(), created.all());
            String c1 = lab.sandbox("c1");
            String c2 = lab.sandbox("c2");
            assertEquals(0, cli(lab, D[0], "network", "attach", NET, "--name", c1).rc());
            assertEquals(0, cli(lab, D[1], "network", "attach", NET, "--name", c2).rc());
            LocalEndpoint victim = inspect(lab, D[1], NET).getContainers(0);
            String netId = victim.getNetworkId();
            String victimIp = victim.getIpv4().split("/")[0];
            await(c1 + " -> " + c2, () -> Shell.ping(c1, victimIp), lab, D[0]);

            String attackerId = info(lab, D[2]).getNodeId();
            String victimOwner = info(lab, D[1]).getNodeId();
            NodeIdentity stolen = NodeIdentity.load(lab.dataRoot(D[2]).resolve("swarm").resolve("certificates"));
            String subnet = inspect(lab, D[0], NET).getNetwork().getSubnet();
            String forgedIp = subnet.substring(0, subnet.lastIndexOf('.')) + ".200";
            long soon = System.currentTimeMillis() + 60_000;

            Endpoint hijack = endpoint(victim.getName(), victimIp, victim.getMac(), attackerId);
            List<TableMessage> forged = List.of(
                    // (a) the victim's endpoint id and a new one, owned by the sender (what a direct event needed)
                    event(netId, entry(victim.getEndpointId(), soon, attackerId, hijack)),
                    event(netId, entry("jsauth0hijack0000000000000", soon, attackerId, hijack)),
                    // (b) relayed: the victim's own entry at the end of time, VTEP moved to h3
                    page(netId, entry(victim.getEndpointId(), Long.MAX_VALUE, victimOwner,
                            endpoint(victim.getName(), victimIp, victim.getMac(), victimOwner))),
                    // (c) a public name on a network h3 has no endpoint on
                    event(netId, entry("jsauth0www00000000000000000", soon, attackerId,
                            endpoint("www.example.com", forgedIp, "02:42:0a:00:00:c8", attackerId))));
            for (int target : new int[]{1, 2}) {
                try (ForgedPeer p = ForgedPeer.connect(stolen, lab.netns(3),
                        new InetSocketAddress(ClusterLab.addr(target), 7946))) {
                    for (TableMessage m : forged) {
                        p.send(m);
                    }
                    Thread.sleep(500); // delivered before the connection closes
                }
            }
            Thread.sleep(3000); // anti-entropy rounds: a believed forgery would have spread and been programmed

            for (int i = 0; i < 5; i++) {
                assertTrue(Shell.ping(c1, victimIp), "the victim stays reachable from h1");
            }
            for (String d : new String[]{D[0], D[1]}) {
                String fdb = Shell.at(lab.networkNamespace(d, netId), "bridge", "fdb", "show", "dev", "vxlan0").out();
                assertFalse(fdb.contains("dst " + ATTACKER_VTEP), d + " has no FDB entry pointing at h3:\n" + fdb);
                assertTrue(inspect(lab, d, NET).getEndpointsList().stream()
                        .noneMatch(e -> e.getName().equals("www.example.com")), d + " table has no forged name");
            }
            String answer = Shell.in(c1, "getent", "hosts", "www.example.com").out();
            assertFalse(answer.contains(forgedIp), "www.example.com does not resolve to the forged address: " + answer);
            assertTrue(lab.log(D[0]).contains("table entries refused"), "the refusals are logged (sampled)");

            // The network still replicates: new endpoints on both sides reach the other.
            String c3 = lab.sandbox("c3");
            String c4 = lab.sandbox("c4");
            assertEquals(0, cli(lab, D[1], "network", "attach", NET, "--name", c3).rc());
            assertEquals(0, cli(lab, D[0], "network", "attach", NET, "--name", c4).rc());
            String ip3 = ipOf(lab, D[1], c3);
            String ip4 = ipOf(lab, D[0], c4);
            await(c4 + " -> " + c3, () -> Shell.ping(c4, ip3), lab, D[0]);
            await(c2 + " -> " + c4, () -> Shell.ping(c2, ip4), lab, D[1]);
            await("name " + c3 + " from " + c4, () -> Shell.in(c4, "getent", "hosts", c3).out().contains(ip3),
                    lab, D[0]);
        }
    }

    private static String ipOf(ClusterLab lab, String daemon, String sandbox) {
        return inspect(lab, daemon, NET).getContainersList().stream().filter(e -> e.getSandbox().equals(sandbox))
                .findFirst().orElseThrow().getIpv4().split("/")[0];
    }

    private static Endpoint endpoint(String name, String ip, String mac, String owner) {
        return Endpoint.newBuilder().setName(name).setIp(ByteString.copyFrom(IpPrefix.parseAddress(ip).getAddress()))
                .setMac(mac).setVtep(ByteString.copyFrom(IpPrefix.parseAddress(ATTACKER_VTEP).getAddress()))
                .setOwnerNode(owner).build();
    }

    private static TableEntry entry(String endpointId, long lamport, String owner, Endpoint e) {
        return TableEntry.newBuilder().setEndpointId(endpointId)
                .setVersion(Version.newBuilder().setLamport(lamport).setOwner(owner)).setEndpoint(e).build();
    }

    private static TableMessage event(String netId, TableEntry e) {
        return TableMessage.newBuilder().setNetworkId(netId).setEvent(e).build();
    }

    private static TableMessage page(String netId, TableEntry e) {
        return TableMessage.newBuilder().setNetworkId(netId)
                .setPage(TablePage.newBuilder().setNetworkId(netId).setIndex(0).setLast(true).addEntries(e)).build();
    }

    private static int readyNodes(ClusterLab lab) {
        try (DaemonClient c = new DaemonClient(new DaemonHost(lab.socket(D[0])))) {
            return (int) c.call(Duration.ofSeconds(5), s -> s.listNodes(ListNodesRequest.getDefaultInstance()))
                    .getNodesList().stream().filter(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY).count();
        } catch (DaemonClient.Failure e) {
            return 0;
        }
    }
}
