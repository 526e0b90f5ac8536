package io.jswarm.manager.api;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.jswarm.encryption.Identifiers;
import io.jswarm.manager.ipam.IpamException;
import io.jswarm.manager.state.Applied;
import io.jswarm.manager.state.EndpointNameRules;
import io.jswarm.manager.state.EndpointQuota;
import io.jswarm.manager.state.StateView;
import io.jswarm.proto.cluster.LeaseAddress;
import io.jswarm.proto.cluster.LeaseClaimRequest;
import io.jswarm.proto.cluster.LeaseClaimResponse;
import io.jswarm.proto.cluster.LeaseGrantRequest;
import io.jswarm.proto.cluster.LeaseGrantResponse;
import io.jswarm.proto.cluster.LeaseReturnRequest;
import io.jswarm.proto.cluster.LeaseReturnResponse;
import io.jswarm.proto.state.AttachEndpoint;
import io.jswarm.proto.state.ClaimLease;
import io.jswarm.proto.state.Command;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.GrantLease;
import io.jswarm.proto.state.LeasedAddress;
import io.jswarm.proto.state.Network;
import io.jswarm.proto.state.ReturnLease;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's side of address leases (issue 12), behind {@link ManagerApi} which has authorised the caller:
 * the node is always the caller's certificate's (no request names one), the network must be attachable (as for
 * an attach, whoever calls), and the quota travels in the command. Every other check is the state machine's
 * ({@code state.Leases}), so a refusal changes nothing. Each leased address comes with a lease grant signed by
 * the CA, so the node's table entries for an endpoint it attaches while no manager answers are believed.
 */
final class LeaseApi {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseApi.class);

    private final ManagerNode manager;

    LeaseApi(ManagerNode manager) {
        this.manager = manager;
    }

    LeaseGrantResponse grant(String callerNodeId, boolean callerIsManager, LeaseGrantRequest req) {
        if (req.getCount() < 1 || req.getCount() > 8) {
            throw Status.INVALID_ARGUMENT.withDescription("a lease asks for 1 to 8 addresses, not " + req.getCount())
                    .asRuntimeException();
        }
        Network n = attachable(req.getNetwork());
        EndpointGrants.checkOwnerKey(req.getOwnerKey());
        EndpointQuota q = callerIsManager ? manager.endpointQuota().forManager() : manager.endpointQuota();
        GrantLease.Builder g = GrantLease.newBuilder().setNodeId(callerNodeId).setNetworkId(n.getNetworkId())
                .setMaxNodeEndpoints(q.perNode()).setMaxNodeEndpointsPerNetwork(q.perNetworkPerNode())
                .setMaxNodeSharePercent(q.sharePercent());
        for (int i = 0; i < req.getCount(); i++) {
            g.addEndpointIds(Identifiers.newId());
        }
        Applied.LeaseGranted a = manager.submit(Command.newBuilder().setGrantLease(g).build(), Applied.LeaseGranted.class);
        LOG.info("lease granted network={} node={} addresses={} held={}", n.getName(), callerNodeId,
                a.granted().stream().map(LeasedAddress::getAddress).toList(), a.held().size());
        return LeaseGrantResponse.newBuilder().setNetwork(a.network())
                .addAllLeases(signed(a.network(), a.held(), req.getOwnerKey())).build();
    }

    LeaseClaimResponse claim(String callerNodeId, LeaseClaimRequest req) {
        try {
            EndpointNameRules.checkSyntax(req.getName(), req.getAliasesList());
        } catch (IpamException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        Network n = attachable(req.getNetwork());
        EndpointGrants.checkOwnerKey(req.getOwnerKey());
        var committed = manager.commit(Command.newBuilder().setClaimLease(ClaimLease.newBuilder().setEndpoint(
                AttachEndpoint.newBuilder().setNetworkId(n.getNetworkId()).setNodeId(callerNodeId)
                        .setName(req.getName()).addAllAliases(req.getAliasesList()).setRequestedIp(req.getAddress())))
                .build());
        Applied.LeaseClaimed c = ManagerNode.expect(committed, Applied.LeaseClaimed.class);
        Endpoint e = c.endpoint();
        LOG.info("lease claimed network={} endpoint={} node={} name={} address={}", n.getName(), e.getEndpointId(),
                callerNodeId, e.getName(), e.getAddress());
        manager.viewChangedSoon();
        var out = LeaseClaimResponse.newBuilder().setNetwork(c.network()).setEndpoint(e);
        if (!req.getOwnerKey().isEmpty()) {
            out.setGrant(EndpointGrants.issue(manager.ca(), c.network(), e, committed.index(), req.getOwnerKey()));
        }
        return out.build();
    }

    LeaseReturnResponse giveBack(String callerNodeId, LeaseReturnRequest req) {
        // A linearizable read: a follower's view may not hold a grant yet, and a return skipped on a stale "none held"
        // would leave the lease at the manager while the node forgets it.
        var read = manager.store().read();
        Network n = Networks.resolve(read.view(), req.getNetwork());
        if (!read.possiblyStale() && read.view().leasesOf(callerNodeId).stream().noneMatch(l -> l.getNetworkId()
                .equals(n.getNetworkId()) && req.getAddressesList().contains(l.getAddress()))) {
            return LeaseReturnResponse.getDefaultInstance(); // nothing held: no empty command in the log
        }
        Applied.LeaseReturned r = manager.submit(Command.newBuilder().setReturnLease(ReturnLease.newBuilder()
                .setNodeId(callerNodeId).setNetworkId(n.getNetworkId()).addAllAddresses(req.getAddressesList()))
                .build(), Applied.LeaseReturned.class);
        List<String> back = r.returned().stream().map(LeasedAddress::getAddress).toList();
        LOG.info("lease returned network={} node={} addresses={}", n.getName(), callerNodeId, back);
        return LeaseReturnResponse.newBuilder().addAllReturned(back).build();
    }

    /** The caller's leases with their grants, for {@code OwnEndpoints}. */
    List<LeaseAddress> held(StateView s, String nodeId, ByteString ownerKey) {
        return s.leasesOf(nodeId).stream().flatMap(l -> s.network(l.getNetworkId()).stream()
                .flatMap(n -> signed(n, List.of(l), ownerKey).stream())).toList();
    }

    private List<LeaseAddress> signed(Network n, List<LeasedAddress> leases, ByteString ownerKey) {
        return leases.stream().map(l -> {
            var b = LeaseAddress.newBuilder().setNetworkId(l.getNetworkId()).setAddress(l.getAddress())
                    .setEndpointId(l.getEndpointId()).setGrantedIndex(l.getGrantedIndex());
            if (!ownerKey.isEmpty()) {
                b.setGrant(EndpointGrants.issueLease(manager.ca(), n, l, ownerKey));
            }
            return b.build();
        }).toList();
    }

    private Network attachable(String ref) {
        Network n = Networks.resolve(manager.store().read().view(), ref);
        if (!n.getAttachable()) {
            throw Status.PERMISSION_DENIED.withDescription("Could not lease addresses on network " + n.getName()
                    + ": network " + n.getName() + " not manually attachable").asRuntimeException();
        }
        return n;
    }
}
