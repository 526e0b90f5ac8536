package io.jswarm.agent;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the address a node advertises, as Docker does: an explicit IP, or an interface name (its IPv4
 * address), or else the one non-loopback IPv4 address of the host — and refuses to guess when there are
 * several.
 */
public final class AdvertiseAddress {
    /** One IPv4 address of one interface. */
    public record Candidate(String iface, String addr) {
    }

    private AdvertiseAddress() {
    }

    /**
     * @param given      the flag's value without a port (empty: choose)
     * @param candidates the host's non-loopback IPv4 addresses of interfaces that are up
     */
    public static String choose(String given, List<Candidate> candidates) {
        if (given != null && !given.isEmpty()) {
            if (isIpLiteral(given)) {
                return given;
            }
            List<Candidate> onIface = candidates.stream().filter(c -> c.iface().equals(given)).toList();
            if (onIface.isEmpty()) {
                throw new IllegalArgumentException("advertise address must be a non-zero IP address or network interface (with optional port number)");
            }
            if (onIface.size() > 1) {
                throw new IllegalArgumentException("interface " + given + " has more than one IPv4 address ("
                        + onIface.get(0).addr() + " and " + onIface.get(1).addr() + ")");
            }
            return onIface.getFirst().addr();
        }
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("could not find the system's IP address - specify one with --advertise-addr");
        }
        if (candidates.size() > 1) {
            Candidate a = candidates.get(0);
            Candidate b = candidates.get(1);
            throw new IllegalArgumentException("could not choose an IP address to advertise since this system has multiple "
                    + "addresses (" + a.addr() + " on " + a.iface() + " and " + b.addr() + " on " + b.iface() + ")"
                    + " - specify one with --advertise-addr");
        }
        return candidates.getFirst().addr();
    }

    static boolean isIpLiteral(String s) {
        return s.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") && !s.equals("0.0.0.0") || s.contains(":");
    }

    /** The host's candidates (in the current network namespace). */
    public static List<Candidate> hostCandidates() {
        List<Candidate> out = new ArrayList<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp() || nif.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                        out.add(new Candidate(nif.getName(), a.getHostAddress()));
                    }
                }
            }
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list network interfaces: " + e.getMessage(), e);
        }
        return out;
    }

    /** Splits an optional {@code :port} off a flag value. */
    public static Optional<Integer> port(String value) {
        int c = value.lastIndexOf(':');
        if (c < 0 || value.indexOf(':') != c) {
            return Optional.empty();
        }
        return Optional.of(Integer.parseInt(value.substring(c + 1)));
    }

    public static String hostPart(String value) {
        return port(value).isPresent() ? value.substring(0, value.lastIndexOf(':')) : value;
    }
}
