package io.jswarm.gossip.table;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The value of one endpoint in a network's table. Sizes are bounded here so that any single entry always
 * fits in one page of bulk state (see {@link PageLimits#MIN_BYTES}).
 *
 * @param name       the container/task name (a DNS label sequence)
 * @param aliases    extra DNS names of the endpoint on this network
 * @param ip         the endpoint's overlay address
 * @param mac        the endpoint's MAC, normalised to lower case "aa:bb:cc:dd:ee:ff"
 * @param vtep       the owning node's data-path (VXLAN tunnel) address
 * @param ownerNode  the node that runs the endpoint
 * @param allocation the manager's allocation index of the endpoint's grant (0: none); of two valid entries
 *                   for one IP the higher is the current allocation
 */
public record EndpointRecord(String name, List<String> aliases, InetAddress ip, String mac, InetAddress vtep,
                             String ownerNode, long allocation) {

    public static final int MAX_NAME_LENGTH = 255;
    public static final int MAX_ALIASES = 32;
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");

    public EndpointRecord {
        name = checkName(name, "name");
        aliases = List.copyOf(Objects.requireNonNull(aliases, "aliases"));
        if (aliases.size() > MAX_ALIASES) {
            throw new IllegalArgumentException("at most " + MAX_ALIASES + " aliases: " + aliases.size());
        }
        aliases.forEach(a -> checkName(a, "alias"));
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(vtep, "vtep");
        mac = Objects.requireNonNull(mac, "mac").toLowerCase(Locale.ROOT);
        if (!MAC.matcher(mac).matches()) {
            throw new IllegalArgumentException("bad MAC: " + mac);
        }
        ownerNode = checkName(ownerNode, "ownerNode");
        if (allocation < 0) {
            throw new IllegalArgumentException("allocation must be >= 0: " + allocation);
        }
    }

    /** Without an allocation index (tests, tables without grants). */
    public EndpointRecord(String name, List<String> aliases, InetAddress ip, String mac, InetAddress vtep,
                          String ownerNode) {
        this(name, aliases, ip, mac, vtep, ownerNode, 0);
    }

    public EndpointRecord withAllocation(long index) {
        return new EndpointRecord(name, aliases, ip, mac, vtep, ownerNode, index);
    }

    private static String checkName(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank() || value.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException(what + " must be 1.." + MAX_NAME_LENGTH + " characters: '" + value + "'");
        }
        return value;
    }
}
