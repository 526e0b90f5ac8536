package io.jswarm.vxlan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.vxlan.kernel.Address;
import io.jswarm.vxlan.kernel.FakeKernel;
import io.jswarm.vxlan.kernel.FdbEntry;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.Link;
import io.jswarm.vxlan.kernel.LinkSpec;
import io.jswarm.vxlan.kernel.Neighbor;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link KernelDataplane} over a {@link FakeKernel} whose host namespace ({@code jsdp-host}) has an
 * underlay device {@code ul0} (MTU 1500) holding the VTEP 192.0.2.1.
 */
class DataplaneFixture {
    static final InetAddress VTEP = ip("192.0.2.1");
    static final InetAddress REMOTE_VTEP = ip("192.0.2.2");
    static final InetAddress OTHER_VTEP = ip("192.0.2.3");
    static final Path RUN_DIR = Path.of("/run/jsdp-test");
    static final NetworkSpec NET = NetworkSpec.of("net1", 4097, "10.0.1.1/24", VTEP);
    static final NetworkSpec NET2 = NetworkSpec.of("net2", 4098, "10.0.2.1/24", VTEP);
    static final Netns SANDBOX = Netns.named("jsdp-sb1");

    final FakeKernel kernel = new FakeKernel();
    final Netns host;
    final DataplaneConfig config;
    final KernelDataplane dataplane;

    DataplaneFixture() {
        try {
            host = kernel.createNamespace(Path.of("/run/netns/jsdp-host"));
            kernel.apply(host, new KernelChange.AddLink(new LinkSpec.Bridge("ul0", 1500, null)),
                    new KernelChange.AddAddress(new Address("ul0", IpPrefix.parse("192.0.2.1/24"))),
                    KernelChange.SetLink.up("ul0"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        config = new DataplaneConfig(host, RUN_DIR);
        dataplane = new KernelDataplane(kernel, config);
        kernel.clearRecords();
    }

    Netns netns(NetworkSpec spec) {
        return Netns.at(config.networkNamespace(spec.id()));
    }

    static EndpointSpec endpoint(String id, String address) {
        return new EndpointSpec(id, NET.id(), SANDBOX, true, "eth0", IpPrefix.parse(address), null);
    }

    static Peer peer(String ip, String mac, InetAddress vtep) {
        return new Peer(ip(ip), MacAddress.parse(mac), vtep);
    }

    Optional<Link> link(Netns ns, String name) throws IOException {
        return kernel.links(ns).stream().filter(l -> l.name().equals(name)).findFirst();
    }

    List<FdbEntry> remoteFdb(Netns ns) throws IOException {
        return kernel.fdb(ns).stream().filter(f -> f.dev().equals("vxlan0") && f.dst() != null).toList();
    }

    List<Neighbor> permanentNeighbors(Netns ns) throws IOException {
        return kernel.neighbors(ns).stream().filter(n -> n.dev().equals("vxlan0") && n.permanent()).toList();
    }

    Map<String, FakeKernel.NamespaceState> snapshot() {
        return kernel.snapshot();
    }

    /** Asserts that running {@code action} leaves no trace at all in the kernel. */
    void assertUnchangedBy(Map<String, FakeKernel.NamespaceState> before) {
        assertEquals(before, kernel.snapshot());
    }

    static InetAddress ip(String text) {
        return IpPrefix.parseAddress(text);
    }
}
