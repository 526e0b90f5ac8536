package io.jswarm.agent.net;

import io.grpc.Status;
import io.jswarm.gossip.table.EndpointRecord;
import io.jswarm.vxlan.IpPrefix;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/**
 * The parts of an attach request the agent can judge alone, checked in {@link EndpointChanges#prepare} before
 * the manager allocates anything: what this node's table entry would refuse (the name and aliases, by
 * building the entry itself, so the rule is the table's and cannot drift) and a malformed {@code --ip}.
 * The manager validates names as DNS names on its side; this only makes sure nothing is half-made here.
 */
final class AttachChecks {
    /** A placeholder address for the trial entry: only the names are being judged. */
    private static final InetAddress ANY = IpPrefix.parseAddress("0.0.0.0");

    private AttachChecks() {
    }

    static void names(String dnsName, List<String> aliases, InetAddress vtep, String nodeId) {
        try {
            new EndpointRecord(dnsName, aliases, ANY, "02:42:00:00:00:00", vtep, nodeId);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw EndpointChanges.invalid("invalid endpoint name or alias: " + shorten(e.getMessage()));
        }
    }

    static void requestedIp(String ip) {
        if (ip.isEmpty()) {
            return;
        }
        InetAddress a;
        try {
            a = IpPrefix.parseAddress(ip);
        } catch (IllegalArgumentException e) {
            throw EndpointChanges.invalid("invalid --ip \"" + shorten(ip) + "\": not an IPv4 address");
        }
        if (!(a instanceof Inet4Address)) {
            throw EndpointChanges.invalid("invalid --ip " + shorten(ip) + ": only IPv4 overlays are supported");
        }
    }

    /** An encrypted network on a kernel without ESP: refused before anything is allocated or made. */
    /**
     * An interface name asked for (a CNI runtime's CNI_IFNAME): a Linux name (1-15 characters, no '/', ':',
     * blank, not "." or "..") that neither the sandbox's endpoints ({@code ours}) nor its devices use.
     */
    static String ifName(String name, java.util.Set<String> ours, java.util.Set<String> taken) {
        if (name.length() > 15 || name.equals(".") || name.equals("..")
                || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '/' && c != ':')) {
            throw EndpointChanges.invalid("invalid interface name \"" + shorten(name) + "\"");
        }
        if (ours.contains(name) || taken.contains(name)) {
            throw Status.ALREADY_EXISTS.withDescription("interface " + name + " already exists in the sandbox")
                    .asRuntimeException();
        }
        return name;
    }

    static void esp(io.jswarm.proto.state.Network n, io.jswarm.vxlan.Dataplane dataplane) {
        if (n.getEncrypted() && !dataplane.espSupported()) {
            throw io.grpc.Status.FAILED_PRECONDITION.withDescription("network " + n.getName() + " is encrypted: "
                    + Encryption.NO_ESP).asRuntimeException();
        }
    }

    /** Errors echo what was refused; a 100k-character name is cut so it does not flood the answer or a log. */
    private static String shorten(String s) {
        String v = s == null ? "" : s;
        return v.length() <= 120 ? v : v.substring(0, 120) + "...(" + v.length() + " characters)";
    }
}
