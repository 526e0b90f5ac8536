package io.jswarm.vxlan;

import java.net.InetSocketAddress;

/**
 * A {@code host[:port]} as given on the command line ({@code 192.0.2.11}, {@code 192.0.2.11:2377},
 * {@code [2001:db8::1]:2377}, {@code manager-1:2377}); the port defaults when absent, as in Docker.
 */
public record HostPort(String host, int port) {
    public HostPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("address needs a host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("invalid port " + port + " (1-65535)");
        }
    }

    public static HostPort parse(String text, int defaultPort) {
        String s = text == null ? "" : text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty address");
        }
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("invalid address " + text + ": missing ']'");
            }
            String host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (rest.isEmpty()) {
                return new HostPort(host, defaultPort);
            }
            if (!rest.startsWith(":")) {
                throw new IllegalArgumentException("invalid address " + text);
            }
            return new HostPort(host, port(rest.substring(1), text));
        }
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            return new HostPort(s, defaultPort);
        }
        if (s.indexOf(':') != colon) {
            return new HostPort(s, defaultPort); // a bare IPv6 address
        }
        return new HostPort(s.substring(0, colon), port(s.substring(colon + 1), text));
    }

    private static int port(String p, String text) {
        try {
            return Integer.parseInt(p);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid port in address " + text);
        }
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
