package io.jswarm.manager.state;

import io.jswarm.manager.ipam.AddressAllocator;
import io.jswarm.manager.ipam.IpamException;
import io.jswarm.vxlan.IpPrefix;
import io.jswarm.manager.ipam.SubnetAllocator;
import io.jswarm.manager.ipam.VniAllocator;
import io.jswarm.proto.state.AttachEndpoint;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.state.DetachEndpoint;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.InitCluster;
import io.jswarm.proto.state.Network;
import io.jswarm.proto.state.NetworkAllocation;
import io.jswarm.proto.state.Snapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The networks part of {@link StateMachine}: overlay networks, their VNIs and endpoint addresses.
 *
 * <p>Every command is handled in two steps: {@code plan*} computes the full outcome from the current
 * state without changing anything (and throws the refusal), then {@code apply*} re-plans and commits.
 * Validation and apply thus share one code path, and a refused command leaves nothing half-created.
 */
final class NetworkState {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    /** A network's name qualifies every endpoint name in DNS ({@code NAME.NETWORK}): one DNS name at most. */
    static final int MAX_NETWORK_NAME = EndpointNameRules.MAX_NAME;

    /** One network with its address allocator and its endpoints in attach order. */
    private record Net(Network network, AddressAllocator addresses, Map<String, Endpoint> endpoints) {
    }

    private final Map<String, Net> networks = new LinkedHashMap<>();
    private final VniAllocator vnis = new VniAllocator();

    // ---- create ----

    Network planCreate(CreateNetwork c, InitCluster cluster) throws IpamException {
        if (c.getNetworkId().isEmpty()) {
            throw new IpamException("network id is required");
        }
        if (networks.containsKey(c.getNetworkId())) {
            throw new IpamException("network with id " + c.getNetworkId() + " already exists");
        }
        if (!NAME.matcher(c.getName()).matches()) {
            throw new IpamException("invalid network name " + SafeText.quote(c.getName()) + ": must match " + NAME.pattern());
        }
        if (c.getName().length() > MAX_NETWORK_NAME) {
            throw new IpamException("invalid network name " + SafeText.quote(c.getName()) + ": longer than "
                    + MAX_NETWORK_NAME + " characters");
        }
        // Lookups take an id or a name; refusing a name that is another network's id (and the reverse)
        // keeps every lookup unambiguous.
        if (find(c.getName()).isPresent()) {
            throw new IpamException("network with name " + c.getName() + " already exists");
        }
        if (byName(c.getNetworkId()).isPresent()) {
            throw new IpamException("network id " + c.getNetworkId() + " is already another network's name");
        }
        NetworkLabels.check(c.getLabelsMap());
        if (c.getMtu() != 0 && (c.getMtu() < 68 || c.getMtu() > 65535)) {
            throw new IpamException("invalid mtu " + c.getMtu() + ": must be between 68 and 65535");
        }
        IpPrefix subnet = planSubnet(c, cluster);
        long gateway = AddressAllocator.defaultGateway(subnet);
        if (!c.getGateway().isEmpty()) {
            gateway = parseAddress(c.getGateway(), "gateway");
            if (!subnet.contains(gateway)) {
                throw new IpamException("no matching subnet for gateway " + c.getGateway() + ": not in " + subnet);
            }
            if (gateway == subnet.first() || gateway == subnet.last()) {
                throw new IpamException("gateway " + c.getGateway() + " is the network or broadcast address of " + subnet);
            }
        }
        IpPrefix range = subnet;
        if (!c.getIpRange().isEmpty()) {
            range = parseSubnet(c.getIpRange(), "ip-range");
            if (!subnet.contains(range)) {
                throw new IpamException("no matching subnet for ip-range " + range + ": not within " + subnet);
            }
        }
        return Network.newBuilder().setNetworkId(c.getNetworkId()).setName(c.getName()).setSubnet(subnet.toString())
                .setGateway(IpPrefix.formatIpv4(gateway)).setIpRange(range.toString()).setAttachable(c.getAttachable())
                .setInternal(c.getInternal()).setEncrypted(c.getEncrypted()).setMtu(c.getMtu()).putAllLabels(c.getLabelsMap())
                .setVni(vnis.peekNext()).setCreatedAtMillis(c.getCreatedAtMillis()).build();
    }

    private IpPrefix planSubnet(CreateNetwork c, InitCluster cluster) throws IpamException {
        List<IpPrefix> taken = networks.values().stream().map(n -> n.addresses().subnet()).toList();
        if (c.getSubnet().isEmpty()) {
            if (!c.getGateway().isEmpty() || !c.getIpRange().isEmpty()) {
                throw new IpamException("every ip-range or gateway must have a corresponding subnet");
            }
            SubnetAllocator pools;
            try {
                pools = SubnetAllocator.of(cluster.getDefaultAddressPool().getCidrsList(),
                        cluster.getDefaultAddressPool().getMaskLength());
            } catch (IllegalArgumentException e) {
                throw new IpamException("invalid default address pool: " + e.getMessage());
            }
            return pools.next(taken);
        }
        IpPrefix subnet = parseSubnet(c.getSubnet(), "subnet");
        if (subnet.length() > SubnetAllocator.MAX_MASK_LENGTH) {
            throw new IpamException("invalid subnet " + subnet + ": too small, must be /" + SubnetAllocator.MAX_MASK_LENGTH + " or larger");
        }
        Optional<IpPrefix> clash = SubnetAllocator.overlapping(subnet, taken);
        if (clash.isPresent()) {
            Network other = networks.values().stream().filter(n -> n.addresses().subnet().equals(clash.get()))
                    .findFirst().orElseThrow().network();
            throw new IpamException("invalid pool request: subnet " + subnet + " overlaps with network "
                    + other.getName() + " (" + other.getSubnet() + ")");
        }
        return subnet;
    }

    Network applyCreate(CreateNetwork c, InitCluster cluster) throws IpamException {
        Network n = planCreate(c, cluster);
        if (vnis.allocate() != n.getVni()) {
            throw new IllegalStateException("VNI allocation diverged from its plan");
        }
        AddressAllocator addresses = new AddressAllocator(IpPrefix.parseSubnet(n.getSubnet()),
                IpPrefix.parseSubnet(n.getIpRange()), IpPrefix.parseIpv4(n.getGateway()));
        networks.put(n.getNetworkId(), new Net(n, addresses, new LinkedHashMap<>()));
        return n;
    }

    // ---- remove / prune ----

    Network planRemove(String idOrName) throws IpamException {
        Net net = require(idOrName);
        if (!net.endpoints().isEmpty()) {
            throw new IpamException("error while removing network: network " + net.network().getName() + " id "
                    + net.network().getNetworkId() + " has active endpoints (" + net.endpoints().size() + ")");
        }
        return net.network();
    }

    Network applyRemove(String idOrName) throws IpamException {
        Network n = planRemove(idOrName);
        drop(n.getNetworkId());
        return n;
    }

    /** Networks {@code network prune} would remove: those without endpoints, in creation order. */
    List<Network> prunable() {
        return networks.values().stream().filter(n -> n.endpoints().isEmpty()).map(Net::network).toList();
    }

    List<Network> applyPrune() {
        List<Network> gone = prunable();
        gone.forEach(n -> drop(n.getNetworkId()));
        return gone;
    }

    private void drop(String networkId) {
        Net net = networks.remove(networkId);
        vnis.release(net.network().getVni());
    }

    // ---- endpoints ----

    /**
     * How many addresses a node holds as leases on a network ({@link Leases}): they count against its endpoint
     * quota exactly as endpoints do, so leases cannot be used to drain a pool past the quota.
     */
    @FunctionalInterface
    interface LeaseCount {
        long held(String networkId, String nodeId);
    }

    private final LeaseCount leased;

    NetworkState(LeaseCount leased) {
        this.leased = leased;
    }

    /** The endpoint an attach would create, its address resolved. */
    Endpoint planAttach(AttachEndpoint a, Predicate<String> nodeExists) throws IpamException {
        Net net = require(a.getNetworkId());
        checkNew(net, a.getEndpointId(), a, nodeExists);
        checkQuota(net, a.getNodeId(), EndpointQuota.of(a), 1);
        long address;
        if (a.getRequestedIp().isEmpty()) {
            address = net.addresses().peekNext();
        } else {
            address = parseAddress(a.getRequestedIp(), "IP address");
            net.addresses().checkRequested(address);
        }
        return endpoint(net, a, a.getEndpointId(), address);
    }

    /** The checks of any new endpoint: a fresh id, a current node, valid and unique names. */
    private void checkNew(Net net, String endpointId, AttachEndpoint a, Predicate<String> nodeExists) throws IpamException {
        String netName = net.network().getName();
        if (endpointId.isEmpty()) {
            throw new IpamException("endpoint id is required");
        }
        if (net.endpoints().containsKey(endpointId)) {
            throw new IpamException("endpoint " + endpointId + " already exists in network " + netName);
        }
        if (!nodeExists.test(a.getNodeId())) {
            throw new IpamException("node " + a.getNodeId() + " not found");
        }
        EndpointNameRules.checkSyntax(a.getName(), a.getAliasesList());
        EndpointNameRules.checkUnique(a.getName(), a.getAliasesList(), net.endpoints().values(), netName);
    }

    /** Refuses {@code more} addresses (endpoints or leases) for {@code nodeId} beyond its quota on {@code net}. */
    private void checkQuota(Net net, String nodeId, EndpointQuota quota, int more) throws IpamException {
        long onNode = networks.values().stream().mapToLong(n -> held(n, nodeId)).sum();
        long onNetwork = held(net, nodeId);
        for (int i = 0; i < more; i++) {
            quota.check(nodeId, onNode + i, onNetwork + i, net.network().getName(), net.addresses().capacity());
        }
    }

    private long held(Net net, String nodeId) {
        return ownedBy(net, nodeId) + leased.held(net.network().getNetworkId(), nodeId);
    }

    private static Endpoint endpoint(Net net, AttachEndpoint a, String endpointId, long address) {
        return Endpoint.newBuilder().setNetworkId(net.network().getNetworkId()).setEndpointId(endpointId)
                .setNodeId(a.getNodeId()).setName(a.getName()).addAllAliases(a.getAliasesList())
                .setAddress(IpPrefix.formatIpv4(address)).build();
    }

    // ---- what Leases needs (the addresses stay this class's: one allocator per network) ----

    /** The id of a network by id or name. */
    String requireId(String idOrName) throws IpamException {
        return require(idOrName).network().getNetworkId();
    }

    /** Refuses {@code count} more leased addresses for {@code nodeId} beyond its quota. */
    void checkLeaseQuota(String networkId, String nodeId, EndpointQuota quota, int count) throws IpamException {
        checkQuota(require(networkId), nodeId, quota, count);
    }

    /** Whether {@code endpointId} names an endpoint of the network. */
    boolean hasEndpoint(String networkId, String endpointId) {
        Net net = networks.get(networkId);
        return net != null && net.endpoints().containsKey(endpointId);
    }

    /** The network's allocator (leases take and free addresses through it, so cursors stay serial). */
    AddressAllocator allocator(String networkId) throws IpamException {
        return require(networkId).addresses();
    }

    /** The endpoint a claim of leased {@code address} would create (the address is already taken: by the lease). */
    Endpoint planClaim(AttachEndpoint a, String endpointId, long address, Predicate<String> nodeExists) throws IpamException {
        Net net = require(a.getNetworkId());
        checkNew(net, endpointId, a, nodeExists);
        return endpoint(net, a, endpointId, address);
    }

    Endpoint applyClaim(AttachEndpoint a, String endpointId, long address, Predicate<String> nodeExists) throws IpamException {
        Endpoint e = planClaim(a, endpointId, address, nodeExists);
        networks.get(e.getNetworkId()).endpoints().put(e.getEndpointId(), e);
        return e;
    }

    private static long ownedBy(Net net, String nodeId) {
        return net.endpoints().values().stream().filter(e -> e.getNodeId().equals(nodeId)).count();
    }

    Endpoint applyAttach(AttachEndpoint a, Predicate<String> nodeExists) throws IpamException {
        Endpoint e = planAttach(a, nodeExists);
        Net net = networks.get(e.getNetworkId());
        long address = IpPrefix.parseIpv4(e.getAddress());
        if (a.getRequestedIp().isEmpty()) {
            if (net.addresses().allocateNext() != address) {
                throw new IllegalStateException("address allocation diverged from its plan");
            }
        } else {
            net.addresses().allocate(address);
        }
        net.endpoints().put(e.getEndpointId(), e);
        return e;
    }

    Endpoint planDetach(DetachEndpoint d) throws IpamException {
        Net net = require(d.getNetworkId());
        Endpoint e = net.endpoints().get(d.getEndpointId());
        if (e == null) {
            throw new IpamException("endpoint " + d.getEndpointId() + " not found in network " + net.network().getName());
        }
        return e;
    }

    Endpoint applyDetach(DetachEndpoint d) throws IpamException {
        Endpoint e = planDetach(d);
        Net net = networks.get(e.getNetworkId());
        net.endpoints().remove(e.getEndpointId());
        net.addresses().release(IpPrefix.parseIpv4(e.getAddress()));
        return e;
    }

    /**
     * Releases every endpoint owned by {@code nodeId}, returning them (network creation, then attach
     * order). For a removed node: it can never rejoin under its id, so its endpoints could never be
     * detached by it and would hold their addresses (and block {@code network rm}) forever. For a node
     * that leaves: it withdraws its sandboxes, and a node that joins again (under a new id) can reuse
     * their names at once. Serial allocation keeps the freed addresses out of use until the cursor wraps,
     * by which time other nodes have dropped the old peer entries.
     */
    List<Endpoint> releaseNode(String nodeId) {
        List<Endpoint> released = new ArrayList<>();
        for (Net net : networks.values()) {
            net.endpoints().values().removeIf(e -> {
                if (!e.getNodeId().equals(nodeId)) {
                    return false;
                }
                net.addresses().release(IpPrefix.parseIpv4(e.getAddress()));
                released.add(e);
                return true;
            });
        }
        return released;
    }

    // ---- queries ----

    /** Fills the network part of a {@link StateView}: networks by id and their endpoints, in order. */
    void viewInto(Map<String, Network> byId, Map<String, List<Endpoint>> endpoints) {
        for (Net net : networks.values()) {
            byId.put(net.network().getNetworkId(), net.network());
            endpoints.put(net.network().getNetworkId(), List.copyOf(net.endpoints().values()));
        }
    }

    List<Network> networks() {
        return networks.values().stream().map(Net::network).toList();
    }

    /** By exact id first, then by exact name (names are unique). */
    Optional<Network> network(String idOrName) {
        return find(idOrName).map(Net::network);
    }

    List<Endpoint> endpoints(String idOrName) {
        return find(idOrName).map(n -> List.copyOf(n.endpoints().values())).orElse(List.of());
    }

    private Optional<Net> find(String idOrName) {
        Net byId = networks.get(idOrName);
        return byId != null ? Optional.of(byId) : byName(idOrName);
    }

    private Optional<Net> byName(String name) {
        return networks.values().stream().filter(n -> n.network().getName().equals(name)).findFirst();
    }

    private Net require(String idOrName) throws IpamException {
        return find(idOrName).orElseThrow(() -> new IpamException("network " + idOrName + " not found"));
    }

    private static IpPrefix parseSubnet(String text, String what) throws IpamException {
        try {
            return IpPrefix.parseSubnet(text);
        } catch (IllegalArgumentException e) {
            // parseSubnet's message repeats the text ("invalid CIDR x: host bits set"); keep only the reason.
            String why = e.getMessage().replaceFirst("^invalid CIDR \\S+:? ?", "").replaceAll("^\\((.*)\\)$", "$1");
            throw new IpamException("invalid " + what + " " + text + (why.isEmpty() ? "" : ": " + why));
        }
    }

    private static long parseAddress(String text, String what) throws IpamException {
        try {
            return IpPrefix.parseIpv4(text);
        } catch (IllegalArgumentException e) {
            throw new IpamException("invalid " + what + " " + text);
        }
    }

    // ---- snapshot ----

    void snapshotInto(Snapshot.Builder b) {
        for (Net net : networks.values()) {
            long cursor = net.addresses().cursor();
            b.addNetworks(NetworkAllocation.newBuilder().setNetwork(net.network())
                    .setAddressCursor(cursor < 0 ? "" : IpPrefix.formatIpv4(cursor)));
            b.addAllEndpoints(net.endpoints().values());
        }
        b.setVniCursor(vnis.cursor());
    }

    void restore(Snapshot s) {
        networks.clear();
        List<Integer> vniInUse = new ArrayList<>();
        for (NetworkAllocation na : s.getNetworksList()) {
            Network n = na.getNetwork();
            networks.put(n.getNetworkId(), new Net(n, new AddressAllocator(IpPrefix.parseSubnet(n.getSubnet()),
                    IpPrefix.parseSubnet(n.getIpRange()), IpPrefix.parseIpv4(n.getGateway())), new LinkedHashMap<>()));
            vniInUse.add(n.getVni());
        }
        if (vniInUse.size() != vniInUse.stream().distinct().count()) {
            throw new IllegalArgumentException("snapshot holds a VNI twice");
        }
        vnis.restore(vniInUse, s.getVniCursor());
        Map<String, List<Long>> used = new LinkedHashMap<>();
        for (Endpoint e : s.getEndpointsList()) {
            Net net = networks.get(e.getNetworkId());
            if (net == null || net.endpoints().putIfAbsent(e.getEndpointId(), e) != null) {
                throw new IllegalArgumentException("snapshot endpoint " + e.getEndpointId() + " is orphaned or duplicated");
            }
            used.computeIfAbsent(e.getNetworkId(), k -> new ArrayList<>()).add(IpPrefix.parseIpv4(e.getAddress()));
        }
        for (NetworkAllocation na : s.getNetworksList()) {
            String c = na.getAddressCursor();
            networks.get(na.getNetwork().getNetworkId()).addresses()
                    .restore(used.getOrDefault(na.getNetwork().getNetworkId(), List.of()), c.isEmpty() ? -1 : IpPrefix.parseIpv4(c));
        }
    }
}
