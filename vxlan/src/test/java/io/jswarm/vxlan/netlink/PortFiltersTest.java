package io.jswarm.vxlan.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.kernel.PortFilter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;

/** The port guard's classic-BPF program: what it passes and drops, and reading it back. */
class PortFiltersTest {
    private static final MacAddress A_MAC = MacAddress.parse("02:42:c0:00:02:0b");
    private static final MacAddress B_MAC = MacAddress.parse("02:42:c0:00:02:0c");
    private static final PortFilter A = new PortFilter("veepa", A_MAC, IpPrefix.parseAddress("192.0.2.11"));
    private static final int PASS = 0;
    private static final int DROP = 2;

    @Test
    void theProgramIsTheOneLinuxHeldInTheKernelTest() {
        // As `tc filter show dev veepa ingress` printed it on Linux 6.18 (PortGuardOnLinuxTest's endpoint A).
        assertEquals("19,32 0 0 4294963248,21 0 16 0,40 0 0 12,21 0 2 2048,32 0 0 26,21 11 12 3221225995,21 0 11 2054,"
                + "32 0 0 14,21 0 9 67584,40 0 0 18,21 0 7 1540,32 0 0 28,21 0 5 3221225995,32 0 0 22,21 0 3 37928960,"
                + "40 0 0 26,21 0 1 523,6 0 0 0,6 0 0 2", bytecode(PortFilters.program(A)));
    }

    @Test
    void onlyOwnSourcesPass() {
        assertEquals(PASS, run(ipv4(A_MAC, "192.0.2.11"), false), "own IPv4");
        assertEquals(DROP, run(ipv4(A_MAC, "192.0.2.12"), false), "IPv4 from B's address");
        assertEquals(DROP, run(ipv4(A_MAC, "192.0.2.11"), true), "own IPv4, VLAN-tagged");
        assertEquals(PASS, run(arp(A_MAC, "192.0.2.11"), false), "own ARP");
        assertEquals(DROP, run(arp(A_MAC, "192.0.2.12"), false), "ARP claiming B's address");
        assertEquals(DROP, run(arp(B_MAC, "192.0.2.11"), false), "ARP with B's MAC as sender");
        byte[] v6 = ipv4(A_MAC, "192.0.2.11");
        v6[12] = (byte) 0x86;
        v6[13] = (byte) 0xdd;
        assertEquals(DROP, run(v6, false), "IPv6 (not allowed yet)");
    }

    @Test
    void onlyExactlyOurProgramIsRecognised() {
        byte[] ops = PortFilters.program(A);
        assertEquals(Optional.of(A), PortFilters.recognise("veepa", List.of(filter(1, ops, true))));
        byte[] passAll = ops.clone();
        passAll[18 * 8 + 4] = 0; // the drop verdict turned into TC_ACT_OK
        assertTrue(PortFilters.recognise("veepa", List.of(filter(1, passAll, true))).isEmpty());
        assertTrue(PortFilters.recognise("veepa", List.of(filter(1, ops, false))).isEmpty(), "not direct-action");
        assertTrue(PortFilters.recognise("veepa", List.of(filter(2, ops, true))).isEmpty(), "another prio");
        assertTrue(PortFilters.recognise("veepa", List.of(filter(1, ops, true), filter(2, ops, true))).isEmpty());
        assertTrue(PortFilters.recognise("veepa", List.of()).isEmpty());
    }

    private static RtnlDecoder.TcFilter filter(int prio, byte[] ops, boolean da) {
        return new RtnlDecoder.TcFilter(prio, Rtnl.ETH_P_ALL, "bpf", ops, da);
    }

    private static String bytecode(byte[] ops) {
        ByteBuffer b = ByteBuffer.wrap(ops).order(ByteOrder.nativeOrder());
        StringJoiner out = new StringJoiner(",");
        out.add(Integer.toString(ops.length / 8));
        while (b.hasRemaining()) {
            out.add((b.getShort() & 0xFFFF) + " " + (b.get() & 0xFF) + " " + (b.get() & 0xFF) + " "
                    + Integer.toUnsignedString(b.getInt()));
        }
        return out.toString();
    }

    /** A classic-BPF interpreter for the four opcodes the program uses; the VLAN ancillary load reads {@code tagged}. */
    private static int run(byte[] frame, boolean tagged) {
        ByteBuffer p = ByteBuffer.wrap(PortFilters.program(A)).order(ByteOrder.nativeOrder());
        ByteBuffer f = ByteBuffer.wrap(frame);
        int acc = 0;
        for (int pc = 0; ; pc++) {
            int code = p.getShort(pc * 8) & 0xFFFF;
            int jt = p.get(pc * 8 + 2) & 0xFF;
            int jf = p.get(pc * 8 + 3) & 0xFF;
            int k = p.getInt(pc * 8 + 4);
            switch (code) {
                case 0x20 -> acc = k == 0xFFFFF030 ? (tagged ? 1 : 0) : f.getInt(k);
                case 0x28 -> acc = f.getShort(k) & 0xFFFF;
                case 0x15 -> pc += acc == k ? jt : jf;
                case 0x06 -> {
                    return k;
                }
                default -> throw new AssertionError("opcode " + code);
            }
        }
    }

    private static byte[] ipv4(MacAddress src, String srcIp) {
        ByteBuffer b = ByteBuffer.allocate(34);
        b.put(B_MAC.bytes()).put(src.bytes()).putShort((short) 0x0800);
        b.put((byte) 0x45).put(new byte[11]).put(IpPrefix.parseAddress(srcIp).getAddress()).put(new byte[4]);
        return b.array();
    }

    private static byte[] arp(MacAddress sha, String sip) {
        ByteBuffer b = ByteBuffer.allocate(42);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1}).put(A_MAC.bytes()).putShort((short) 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1);
        b.put(sha.bytes()).put(IpPrefix.parseAddress(sip).getAddress()).put(new byte[6])
                .put(IpPrefix.parseAddress(sip).getAddress());
        return b.array();
    }
}
