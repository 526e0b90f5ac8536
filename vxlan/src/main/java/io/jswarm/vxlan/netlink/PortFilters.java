package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.Rtnl.*;

import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.kernel.PortFilter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The classic-BPF program of a {@link PortFilter}, and reading one back from an ingress filter dump. In
 * direct-action mode the return value is the tc verdict: TC_ACT_OK (0) lets the frame on to the bridge,
 * TC_ACT_SHOT (2) drops it. Offsets are from the Ethernet header (cls_bpf pushes it back at ingress):
 * <pre>
 *  0 ld  vlan_avail          ; a VLAN tag (veth strips it into metadata) is never ours
 *  1 jeq #0, 0, drop
 *  2 ldh [12]                ; ethertype
 *  3 jeq #0x0800, 0, 6
 *  4 ld  [26]                ; IPv4 source
 *  5 jeq #IP, pass, drop
 *  6 jeq #0x0806, 0, drop
 *  7 ld  [14]                ; ARP: Ethernet hardware, IPv4 protocol,
 *  8 jeq #0x00010800, 0, drop
 *  9 ldh [18]                ;      6-byte and 4-byte addresses
 * 10 jeq #0x0604, 0, drop
 * 11 ld  [28]                ; sender IP
 * 12 jeq #IP, 0, drop
 * 13 ld  [22]                ; sender MAC, first 4 bytes
 * 14 jeq #MAC0-3, 0, drop
 * 15 ldh [26]                ; sender MAC, last 2 bytes
 * 16 jeq #MAC4-5, pass, drop
 * 17 pass: ret #0
 * 18 drop: ret #2
 * </pre>
 */
final class PortFilters {
    private static final int LD_W = 0x20;
    private static final int LD_H = 0x28;
    private static final int JEQ = 0x15;
    private static final int RET = 0x06;
    private static final int VLAN_TAG_PRESENT = 0xFFFFF000 + 48; // SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT

    private PortFilters() {
    }

    static byte[] program(PortFilter f) {
        int ip = ByteBuffer.wrap(f.ip().getAddress()).getInt();
        byte[] mac = f.mac().bytes();
        int macHigh = ByteBuffer.wrap(mac, 0, 4).getInt();
        int macLow = ((mac[4] & 0xFF) << 8) | (mac[5] & 0xFF);
        ByteBuffer b = ByteBuffer.allocate(19 * 8).order(ByteOrder.nativeOrder());
        insn(b, LD_W, 0, 0, VLAN_TAG_PRESENT);
        insn(b, JEQ, 0, 16, 0);
        insn(b, LD_H, 0, 0, 12);
        insn(b, JEQ, 0, 2, 0x0800);
        insn(b, LD_W, 0, 0, 26);
        insn(b, JEQ, 11, 12, ip);
        insn(b, JEQ, 0, 11, 0x0806);
        insn(b, LD_W, 0, 0, 14);
        insn(b, JEQ, 0, 9, 0x00010800);
        insn(b, LD_H, 0, 0, 18);
        insn(b, JEQ, 0, 7, 0x0604);
        insn(b, LD_W, 0, 0, 28);
        insn(b, JEQ, 0, 5, ip);
        insn(b, LD_W, 0, 0, 22);
        insn(b, JEQ, 0, 3, macHigh);
        insn(b, LD_H, 0, 0, 26);
        insn(b, JEQ, 0, 1, macLow);
        insn(b, RET, 0, 0, 0);
        insn(b, RET, 0, 0, 2);
        return b.array();
    }

    /**
     * The port filter on {@code dev} if its ingress holds exactly our program (one direct-action classic-BPF
     * filter, prio 1, every protocol), else empty.
     */
    static Optional<PortFilter> recognise(String dev, List<RtnlDecoder.TcFilter> filters) {
        if (filters.size() != 1) {
            return Optional.empty();
        }
        RtnlDecoder.TcFilter f = filters.getFirst();
        if (!"bpf".equals(f.kind()) || f.prio() != 1 || f.ethType() != ETH_P_ALL || !f.directAction()
                || f.bpfOps() == null || f.bpfOps().length != 19 * 8) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(f.bpfOps()).order(ByteOrder.nativeOrder());
        int ip = b.getInt(5 * 8 + 4);
        int macHigh = b.getInt(14 * 8 + 4);
        int macLow = b.getInt(16 * 8 + 4);
        try {
            InetAddress address = InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(ip).array());
            byte[] mac = ByteBuffer.allocate(6).putInt(macHigh).putShort((short) macLow).array();
            PortFilter candidate = new PortFilter(dev, MacAddress.of(mac), (Inet4Address) address);
            // Every other instruction must be ours too: regenerate and compare.
            return Arrays.equals(program(candidate), f.bpfOps()) ? Optional.of(candidate) : Optional.empty();
        } catch (UnknownHostException e) {
            throw new AssertionError("4 bytes always make an address", e);
        }
    }

    private static void insn(ByteBuffer b, int code, int jt, int jf, int k) {
        b.putShort((short) code).put((byte) jt).put((byte) jf).putInt(k);
    }
}
