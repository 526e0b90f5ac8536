package io.jswarm.vxlan;

import static io.jswarm.vxlan.testing.TestNamespaces.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.kernel.XfrmPolicy;
import io.jswarm.vxlan.kernel.XfrmSelector;
import io.jswarm.vxlan.kernel.XfrmState;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The policy half of the design on this machine's real kernel (it has XFRM but no ESP, so no SA can be made): the
 * policies {@link EspProgrammer#desired} computes, written with {@code ip xfrm policy} (the netlink writer is another
 * branch's), in one of two namespaces joined by a veth underlay on 198.51.100.0/24. Plaintext UDP to 4799 from the
 * other namespace is dropped on receive (the CVE-2023-28840 class) while 4789 still arrives; nothing leaves in
 * plaintext on 4799, neither to a peer whose SA is missing nor to any other address (the block); 4789 still leaves.
 * And plaintext VXLAN with an encrypted network's VNI never reaches a VXLAN device on 4799.
 */
@RequiresRoot
class EspPolicyOnLinuxTest {
    private static final InetAddress H1 = IpPrefix.parseAddress("198.51.100.1");
    private static final InetAddress H2 = IpPrefix.parseAddress("198.51.100.2");
    private static final String RECEIVER = """
            import socket, select, sys, time
            socks = []
            for p in sys.argv[1:]:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("0.0.0.0", int(p)))
                socks.append(s)
            print("ready", flush=True)
            end = time.time() + 3
            while time.time() < end:
                r, _, _ = select.select(socks, [], [], 0.1)
                for s in r:
                    s.recv(2048)
                    print("got", s.getsockname()[1], flush=True)
            """;
    private static final String SENDER = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for p in sys.argv[2:]:
                try:
                    s.sendto(b"x" * 64, (sys.argv[1], int(p)))
                    print("sent", p)
                except OSError as e:
                    print("refused", p, e.errno)
            """;

    private final TestNamespaces namespaces = TestNamespaces.forRun("jsesp");

    @AfterEach
    void cleanUp() {
        namespaces.close();
    }

    @Test
    void plaintextTo4799IsDroppedOnReceiveAndNeverLeavesWhile4789Works() throws Exception {
        String h1 = namespaces.create("h1");
        String h2 = namespaces.create("h2");
        run("ip", "-n", h1, "link", "add", "ul0", "type", "veth", "peer", "name", "ul0", "netns", h2);
        run("ip", "-n", h1, "addr", "add", "198.51.100.1/24", "dev", "ul0");
        run("ip", "-n", h2, "addr", "add", "198.51.100.2/24", "dev", "ul0");
        run("ip", "-n", h1, "link", "set", "ul0", "up");
        run("ip", "-n", h2, "link", "set", "ul0", "up");
        byte[] key = new byte[XfrmState.KEY_BYTES];
        EspIntent intent = new EspIntent(H1, 1, List.of(new EspIntent.Peer("h2", H2, List.of(
                new EspIntent.Generation(1, 0x4A010001, key, 0x4A010002, key)))), null);
        for (XfrmPolicy p : EspProgrammer.desired(intent).policies().values()) {
            run(ipXfrm(h1, p));
        }
        String listed = run("ip", "-n", h1, "xfrm", "policy");
        assertEquals(3, listed.split("\n(?=src )").length, listed);

        // In: h2 sends plaintext to h1 on both ports.
        Map<String, Long> before = xfrmStat(h1);
        List<String> got = receive(h2, h1, "198.51.100.1");
        assertTrue(got.contains("got 4789"), "an unencrypted network's port still delivers: " + got);
        assertFalse(got.contains("got 4799"), "plaintext VXLAN to the encrypted port is dropped: " + got);
        Map<String, Long> after = xfrmStat(h1);
        long dropped = delta(before, after, "XfrmInTmplMismatch") + delta(before, after, "XfrmInNoStates")
                + delta(before, after, "XfrmInNoPols");
        assertTrue(dropped >= 1, "the kernel counted the drop: " + before + " -> " + after);

        // Out: h1 sends to its peer h2 (policy, no SA: no plaintext fallback) and to h2 via the block.
        before = xfrmStat(h1);
        got = receive(h1, h2, "198.51.100.2");
        assertTrue(got.contains("got 4789"), got.toString());
        assertFalse(got.contains("got 4799"), "no plaintext leaves for a peer without an SA: " + got);
        run("ip", "-n", h1, "xfrm", "policy", "delete", "src", "198.51.100.1/32", "dst", "198.51.100.2/32", "proto",
                "udp", "dport", "4799", "dir", "out");
        got = receive(h1, h2, "198.51.100.2");
        assertFalse(got.contains("got 4799"), "the catch-all blocks a peer without a policy: " + got);
        after = xfrmStat(h1);
        assertTrue(delta(before, after, "XfrmOutPolBlock") >= 1, "blocked by policy: " + before + " -> " + after);
    }

    /**
     * The CVE-2023-28840 case itself: a VXLAN device on 4799 (its UDP socket is an encapsulation socket) gets crafted
     * plaintext VXLAN frames with its VNI. Before the policies they arrive (the control); with the desired policies
     * none does, and the kernel counts each as XfrmInTmplMismatch.
     */
    @Test
    void plaintextVxlanWithTheEncryptedVniNeverReachesTheVxlanDevice() throws Exception {
        String h1 = namespaces.create("v1");
        String h2 = namespaces.create("v2");
        run("ip", "-n", h1, "link", "add", "ul0", "type", "veth", "peer", "name", "ul0", "netns", h2);
        run("ip", "-n", h1, "addr", "add", "198.51.100.1/24", "dev", "ul0");
        run("ip", "-n", h2, "addr", "add", "198.51.100.2/24", "dev", "ul0");
        run("ip", "-n", h1, "link", "set", "ul0", "up");
        run("ip", "-n", h2, "link", "set", "ul0", "up");
        run("ip", "-n", h1, "link", "add", "vx0", "type", "vxlan", "id", "4099", "dstport", Integer.toString(Esp.PORT),
                "local", "198.51.100.1", "nolearning");
        run("ip", "-n", h1, "link", "set", "vx0", "up");

        run("ip", "netns", "exec", h2, "python3", "-c", VXLAN_SENDER, "198.51.100.1", "4099", "5");
        assertEquals(5, rxPackets(h1), "control: without the policies plaintext VXLAN is delivered");

        byte[] key = new byte[XfrmState.KEY_BYTES];
        EspIntent intent = new EspIntent(H1, 1, List.of(new EspIntent.Peer("h2", H2, List.of(
                new EspIntent.Generation(1, 0x4A010001, key, 0x4A010002, key)))), null);
        for (XfrmPolicy p : EspProgrammer.desired(intent).policies().values()) {
            run(ipXfrm(h1, p));
        }
        Map<String, Long> before = xfrmStat(h1);
        run("ip", "netns", "exec", h2, "python3", "-c", VXLAN_SENDER, "198.51.100.1", "4099", "20");
        Map<String, Long> after = xfrmStat(h1);
        assertEquals(5, rxPackets(h1), "no plaintext frame reaches the encrypted network's device");
        assertEquals(20, delta(before, after, "XfrmInTmplMismatch"), before + " -> " + after);
    }

    private static final String VXLAN_SENDER = """
            import socket, struct, sys
            hdr = struct.pack("!BBHI", 0x08, 0, 0, int(sys.argv[2]) << 8)
            eth = b"\\xff" * 6 + b"\\x02\\x42\\x0a\\x00\\x09\\x05" + b"\\x08\\x06" + b"\\x00" * 46
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for i in range(int(sys.argv[3])):
                s.sendto(hdr + eth, (sys.argv[1], 4799))
            """;

    private static long rxPackets(String ns) {
        return Long.parseLong(run("ip", "netns", "exec", ns, "cat", "/sys/class/net/vx0/statistics/rx_packets").strip());
    }

    /** {@code ip xfrm policy add} for one of the desired policies. */
    static String[] ipXfrm(String ns, XfrmPolicy p) {
        XfrmSelector s = p.selector();
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns, "xfrm", "policy", "add",
                "src", s.src() == null ? "0.0.0.0/0" : s.src().toString(),
                "dst", s.dst() == null ? "0.0.0.0/0" : s.dst().toString(),
                "proto", "udp", "dport", Integer.toString(s.dport()),
                "dir", p.dir().name().toLowerCase(java.util.Locale.ROOT), "priority", Integer.toString(p.priority())));
        if (p.action() == XfrmPolicy.Action.BLOCK) {
            cmd.addAll(List.of("action", "block"));
        } else {
            XfrmPolicy.Template t = p.template();
            cmd.add("tmpl");
            if (t.src() != null) {
                cmd.addAll(List.of("src", t.src().getHostAddress(), "dst", t.dst().getHostAddress()));
            }
            cmd.addAll(List.of("proto", "esp"));
            if (t.spi() != 0) {
                cmd.addAll(List.of("spi", "0x" + Integer.toHexString(t.spi())));
            }
            cmd.addAll(List.of("reqid", Integer.toString(t.reqid()), "mode", "transport"));
        }
        return cmd.toArray(String[]::new);
    }

    /** Listens in {@code to} on 4799 and 4789 while {@code from} sends one datagram to each; what arrived. */
    private static List<String> receive(String from, String to, String toAddress) throws Exception {
        Process rx = new ProcessBuilder("ip", "netns", "exec", to, "python3", "-c", RECEIVER, "4799", "4789")
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (var out = new BufferedReader(new InputStreamReader(rx.getInputStream()))) {
            assertEquals("ready", out.readLine());
            String sent = run("ip", "netns", "exec", from, "python3", "-c", SENDER, toAddress, "4799", "4789");
            lines.add(sent.strip());
            for (String line; (line = out.readLine()) != null; ) {
                lines.add(line);
            }
        } finally {
            if (!rx.waitFor(10, TimeUnit.SECONDS)) {
                rx.destroyForcibly();
            }
        }
        return lines;
    }

    private static Map<String, Long> xfrmStat(String ns) {
        Map<String, Long> out = new TreeMap<>();
        for (String line : run("ip", "netns", "exec", ns, "cat", "/proc/net/xfrm_stat").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                out.put(f[0], Long.parseLong(f[1]));
            }
        }
        return out;
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String key) {
        return after.getOrDefault(key, 0L) - before.getOrDefault(key, 0L);
    }
}
