package io.jswarm.dns;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.netlink.NetlinkKernel;
import io.jswarm.vxlan.netlink.NetnsCalls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What {@link SandboxDns} needs from the machine: listening sockets inside a sandbox and the identity of its
 * namespace. {@link #linux()} is the real one; logic tests pass one that opens sockets on loopback, so they
 * never touch namespaces, links or port 53.
 */
public interface SandboxHost {

    /** The two listening sockets of one sandbox's resolver, bound and owned by the caller. */
    record Listeners(DatagramChannel udp, ServerSocketChannel tcp) {
        public Listeners {
            Objects.requireNonNull(udp, "udp");
            Objects.requireNonNull(tcp, "tcp");
        }
    }

    /** Makes the resolver's address usable inside {@code sandbox} and opens both sockets there. */
    Listeners listen(Netns sandbox) throws IOException;

    /** What tells a namespace recreated at the same path from the old one (null: no such distinction). */
    Object identity(Netns sandbox) throws IOException;

    /** The kernel: {@code lo} up through a short-lived {@link NetlinkKernel}, sockets at 127.0.0.11:53 inside. */
    static SandboxHost linux() {
        return linux(NetlinkKernel::new, SandboxDns.LISTEN);
    }

    /**
     * @param kernels a new kernel per call, closed after use (a cached netlink socket would pin the sandbox's
     *                namespace after it is gone)
     */
    static SandboxHost linux(Supplier<? extends Kernel> kernels, InetSocketAddress listen) {
        Objects.requireNonNull(kernels, "kernels");
        Objects.requireNonNull(listen, "listen");
        return new SandboxHost() {
            @Override
            public Listeners listen(Netns sandbox) throws IOException {
                // A fresh namespace has lo down, and 127.0.0.11 is not even local until it is up.
                try (Kernel kernel = kernels.get()) {
                    kernel.apply(sandbox, List.of(KernelChange.SetLink.up("lo")));
                }
                // Runs on a thread inside the sandbox's namespace: the sockets are created, and live, there.
                return NetnsCalls.inside(sandbox, () -> bind(listen));
            }

            @Override
            public Object identity(Netns sandbox) throws IOException {
                if (sandbox instanceof Netns.AtPath(Path path)) {
                    return Files.readAttributes(path, "unix:dev,ino");
                }
                return null;
            }
        };
    }

    /**
     * Opens and binds UDP and TCP at {@code address} in the calling thread's namespace (TCP on UDP's port). With
     * port 0 (tests, on the host's loopback) the UDP port is the kernel's pick and that TCP port may be taken
     * (an outgoing connection's local port, another test's server): a few fresh picks are tried. A fixed port
     * (53 in a sandbox) is tried once.
     */
    static Listeners bind(InetSocketAddress address) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return bindOnce(address);
            } catch (java.net.BindException e) {
                if (address.getPort() != 0 || attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    private static Listeners bindOnce(InetSocketAddress address) throws IOException {
        DatagramChannel udp = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            udp.bind(address);
            ServerSocketChannel tcp = ServerSocketChannel.open(StandardProtocolFamily.INET);
            try {
                // A restarted server rebinds at once, whatever connections linger in TIME_WAIT.
                tcp.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                tcp.bind(udp.getLocalAddress());
                return new Listeners(udp, tcp);
            } catch (IOException | RuntimeException e) {
                tcp.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            udp.close();
            throw e;
        }
    }
}
