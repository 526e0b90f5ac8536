package io.jswarm.manager.net;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 prefix as given to {@code --default-addr-pool}, validated (host bits must be zero). */
public record Cidr(InetAddress network, int length) {
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0 || !text.substring(0, slash).matches("[0-9.]+")) {
            throw new IllegalArgumentException("invalid CIDR " + text + " (expected a.b.c.d/len)");
        }
        int len;
        InetAddress addr;
        try {
            len = Integer.parseInt(text.substring(slash + 1));
            addr = InetAddress.getByName(text.substring(0, slash)); // numeric: no lookup
        } catch (NumberFormatException | UnknownHostException e) {
            throw new IllegalArgumentException("invalid CIDR " + text);
        }
        if (addr.getAddress().length != 4 || len < 0 || len > 32) {
            throw new IllegalArgumentException("invalid CIDR " + text);
        }
        int bits = java.nio.ByteBuffer.wrap(addr.getAddress()).getInt();
        int hostMask = len == 32 ? 0 : -1 >>> len;
        if ((bits & hostMask) != 0) {
            throw new IllegalArgumentException("invalid CIDR " + text + ": host bits set");
        }
        return new Cidr(addr, len);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + length;
    }
}
