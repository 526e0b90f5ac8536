package io.jswarm.vxlan.netlink;

import io.jswarm.vxlan.MacAddress;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Gratuitous ARP out of one device, through an AF_PACKET socket opened in the caller's namespace (so callers
 * run it inside the target namespace). Used to answer sandboxes that asked for an address before jswarm had
 * its neighbour entry: {@code vxlan0}'s proxy drops such a request (an l3miss), and the sandbox's kernel only
 * asks again after {@code retrans_time_ms} (1 s). An ARP packet whose sender is that address updates an
 * existing INCOMPLETE, FAILED or STALE entry at once and releases the queued packets; hosts without an entry
 * ignore it ({@code arp_accept} is 0 by default), so nothing new is planted anywhere.
 */
final class ArpAnnouncer {
    static final short ETH_P_ARP = 0x0806;
    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    /** Ethernet's minimum frame without the FCS; a physical NIC would pad, software devices do not. */
    static final int FRAME_BYTES = 60;

    private ArpAnnouncer() {
    }

    /**
     * A broadcast ARP request (RFC 5227 announcement) for {@code ip} at {@code mac}: sender = target = ip,
     * target MAC zero. The Ethernet source is the sending device's own MAC, so a bridge never learns the
     * announced MAC on the wrong port.
     */
    static byte[] frame(MacAddress deviceMac, Inet4Address ip, MacAddress mac) {
        ByteBuffer b = ByteBuffer.allocate(FRAME_BYTES);
        b.put(BROADCAST).put(deviceMac.bytes()).putShort(ETH_P_ARP);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1); // request
        b.put(mac.bytes()).put(ip.getAddress()).put(new byte[6]).put(ip.getAddress());
        return b.array(); // the rest is zero padding
    }

    /** Sends {@code frames} out of device {@code ifindex} of the current thread's namespace. */
    static void send(int ifindex, List<byte[]> frames) throws IOException {
        int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0); // protocol 0: receives nothing
        try {
            for (byte[] f : frames) {
                Libc.sendFrame(fd, f, ifindex, ETH_P_ARP, BROADCAST);
            }
        } finally {
            Libc.close(fd);
        }
    }
}
