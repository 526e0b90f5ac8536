package io.jswarm.e2e.cluster;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A stand-in for the host's resolver (run in a lab host's namespace): answers every A query with
 * 203.0.113.7 and every other query with NOERROR and no answer, and prints each question's name on its
 * own line, so a test can tell which names reached "the outside".
 *
 * <p>Usage: {@code StubUpstream ADDRESS} (binds ADDRESS:53/udp).
 */
public final class StubUpstream {
    private StubUpstream() {
    }

    public static void main(String[] args) throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.ofLiteral(args[0]), 53))) {
            System.out.println("listening " + s.getLocalSocketAddress());
            System.out.flush();
            byte[] buf = new byte[1500];
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                s.receive(p);
                byte[] answer = answer(ByteBuffer.wrap(p.getData(), 0, p.getLength()));
                if (answer != null) {
                    s.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                }
            }
        }
    }

    private static byte[] answer(ByteBuffer q) {
        if (q.remaining() < 12) {
            return null;
        }
        int id = q.getShort(0) & 0xffff;
        int pos = 12;
        StringBuilder name = new StringBuilder();
        while (pos < q.limit() && q.get(pos) != 0) {
            int len = q.get(pos) & 0xff;
            if (pos + 1 + len > q.limit()) {
                return null;
            }
            name.append(name.isEmpty() ? "" : ".").append(new String(q.array(), q.arrayOffset() + pos + 1, len,
                    StandardCharsets.US_ASCII));
            pos += 1 + len;
        }
        int end = pos + 1 + 4; // the root label, type, class
        if (end > q.limit()) {
            return null;
        }
        int type = q.getShort(pos + 1) & 0xffff;
        System.out.println("query " + name + " type " + type);
        System.out.flush();
        boolean a = type == 1;
        ByteBuffer r = ByteBuffer.allocate(end + (a ? 16 : 0));
        r.putShort((short) id).putShort((short) 0x8180).putShort((short) 1).putShort((short) (a ? 1 : 0))
                .putShort((short) 0).putShort((short) 0);
        r.put(q.array(), q.arrayOffset() + 12, end - 12);
        if (a) {
            r.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(60).putShort((short) 4)
                    .put(new byte[] {(byte) 203, 0, 113, 7});
        }
        return r.array();
    }
}
