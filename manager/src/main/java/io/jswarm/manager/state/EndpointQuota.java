package io.jswarm.manager.state;

import io.jswarm.manager.ipam.IpamException;
import io.jswarm.proto.state.AttachEndpoint;

/**
 * How many endpoints one node may own: the manager's defence against a member that allocates addresses
 * over the API with nothing behind them (before, one worker certificate exhausted a /24 in 5.9 s, issue 9).
 * The manager puts its quota into every {@code AttachEndpoint} it proposes and the state machine checks it
 * against the state at that log position, so the limit is exact under concurrent attaches and every
 * replica decides alike. A limit of 0 means none (commands logged before quotas existed).
 *
 * @param perNode           endpoints a node may own over all networks (default 1024: a Linux bridge takes at
 *                          most 1024 ports, and each endpoint is a veth, a namespace's DNS server and table
 *                          entries on every peer; far above real densities, e.g. Kubernetes' 110 pods)
 * @param perNetworkPerNode endpoints a node may own on one network (default 256)
 * @param sharePercent      share of a network's usable addresses one worker may own, 1-100 (default 50: one
 *                          worker, whatever it does, leaves at least half of every network's pool to the others;
 *                          a /24 lets one worker hold 126 of its 253 addresses). Managers are not held to it
 *                          ({@link #forManager}): a manager holds the CA key, so a hostile one has lost the
 *                          cluster anyway, and a one-node swarm must be able to fill its own networks.
 */
public record EndpointQuota(int perNode, int perNetworkPerNode, int sharePercent) {
    public static final EndpointQuota DEFAULT = new EndpointQuota(1024, 256, 50);
    /** No limit (tests of the state machine, old commands). */
    public static final EndpointQuota NONE = new EndpointQuota(0, 0, 0);

    /** The quota of a manager's own endpoints: the same counts, no share of the pool. */
    public EndpointQuota forManager() {
        return new EndpointQuota(perNode, perNetworkPerNode, 0);
    }

    public EndpointQuota {
        if (perNode < 0 || perNetworkPerNode < 0 || sharePercent < 0 || sharePercent > 100) {
            throw new IllegalArgumentException("invalid endpoint quota: counts must be >= 0 (0: no limit) and the "
                    + "share 0-100 percent, got perNode=" + perNode + " perNetworkPerNode=" + perNetworkPerNode
                    + " sharePercent=" + sharePercent);
        }
    }

    /** The quota a logged command carries. */
    public static EndpointQuota of(AttachEndpoint a) {
        return new EndpointQuota(a.getMaxNodeEndpoints(), a.getMaxNodeEndpointsPerNetwork(),
                Math.min(a.getMaxNodeSharePercent(), 100));
    }

    public AttachEndpoint.Builder into(AttachEndpoint.Builder b) {
        return b.setMaxNodeEndpoints(perNode).setMaxNodeEndpointsPerNetwork(perNetworkPerNode)
                .setMaxNodeSharePercent(sharePercent);
    }

    /** The most endpoints one node may own on a network with {@code capacity} usable addresses; 0: no limit. */
    public long networkLimit(long capacity) {
        long byShare = sharePercent == 0 ? 0 : Math.max(1, capacity * sharePercent / 100);
        if (perNetworkPerNode == 0) {
            return byShare;
        }
        return byShare == 0 ? perNetworkPerNode : Math.min(perNetworkPerNode, byShare);
    }

    /**
     * Refuses one more endpoint for {@code node}, which owns {@code onNode} endpoints in all and
     * {@code onNetwork} on {@code network} (with {@code capacity} usable addresses).
     */
    public void check(String node, long onNode, long onNetwork, String network, long capacity) throws IpamException {
        if (perNode > 0 && onNode >= perNode) {
            throw new IpamException("endpoint quota exceeded: node " + node + " already owns " + onNode
                    + " endpoints (limit " + perNode + " per node)");
        }
        long limit = networkLimit(capacity);
        if (limit > 0 && onNetwork >= limit) {
            throw new IpamException("endpoint quota exceeded: node " + node + " already owns " + onNetwork
                    + " endpoints on network " + network + " (limit " + limit + " per node on this network: "
                    + describe(capacity) + ")");
        }
    }

    private String describe(long capacity) {
        String share = sharePercent == 0 ? null : sharePercent + "% of its " + capacity + " addresses";
        String count = perNetworkPerNode == 0 ? null : perNetworkPerNode + " per network";
        return share == null ? count : count == null ? share : "the lower of " + count + " and " + share;
    }
}
