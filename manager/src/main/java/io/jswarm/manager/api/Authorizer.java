package io.jswarm.manager.api;

import io.grpc.Status;
import io.jswarm.encryption.Role;
import io.jswarm.proto.cluster.DispatcherGrpc;
import java.util.Optional;
import java.util.Set;

/**
 * Who may call what on the manager API. A pure function of the method, the caller's certificate and the
 * manager's current view of that node, so it is checked on every call (and the session stream re-checks
 * when a node is removed): a removed node's certificate stays cryptographically valid until it expires,
 * and this is what revokes it.
 */
public final class Authorizer {
    /** Callable without a client certificate: the token is the credential. */
    static final Set<String> OPEN = Set.of(DispatcherGrpc.getJoinMethod().getFullMethodName());
    /** Manager-only calls (cluster state). Attach/detach are per-node and checked by the network API itself. */
    static final Set<String> MANAGERS_ONLY = Set.of(DispatcherGrpc.getListNodesMethod().getFullMethodName(),
            DispatcherGrpc.getCreateNetworkMethod().getFullMethodName(),
            DispatcherGrpc.getRemoveNetworkMethod().getFullMethodName(),
            DispatcherGrpc.getPruneNetworksMethod().getFullMethodName(),
            DispatcherGrpc.getRotateDataKeysMethod().getFullMethodName());

    public static final String NOT_A_MANAGER = "This node is not a swarm manager. Worker nodes can't be used to view "
            + "or modify cluster state. Please run this command on a manager node or promote the current node to a manager.";

    /** What the manager knows about a node id. */
    public sealed interface Standing {
        record Member(Role role) implements Standing {
        }

        record Removed() implements Standing {
        }

        record Unknown() implements Standing {
        }
    }

    /** The manager's side of the decision: its cluster id and its node table. */
    public interface Members {
        String clusterId();

        Standing standing(String nodeId);
    }

    public sealed interface Decision {
        record Allow(Optional<Caller> caller) implements Decision {
        }

        record Deny(Status status) implements Decision {
        }
    }

    private Authorizer() {
    }

    public static Decision decide(String method, Optional<Caller> caller, Members members) {
        if (OPEN.contains(method)) {
            return new Decision.Allow(Optional.empty());
        }
        if (caller.isEmpty()) {
            return new Decision.Deny(Status.UNAUTHENTICATED.withDescription(
                    "a client certificate issued by this swarm is required (join the swarm first)"));
        }
        Caller c = caller.get();
        if (!c.clusterId().equals(members.clusterId())) {
            return new Decision.Deny(Status.UNAUTHENTICATED.withDescription("certificate is for another swarm"));
        }
        return switch (members.standing(c.nodeId())) {
            case Standing.Removed r -> new Decision.Deny(Status.PERMISSION_DENIED.withDescription(
                    "node " + c.nodeId() + " was removed from the swarm"));
            case Standing.Unknown u -> new Decision.Deny(Status.PERMISSION_DENIED.withDescription(
                    "node " + c.nodeId() + " is not a member of this swarm"));
            case Standing.Member m -> MANAGERS_ONLY.contains(method) && !actsAsManager(c, m)
                    ? new Decision.Deny(Status.PERMISSION_DENIED.withDescription(NOT_A_MANAGER))
                    : new Decision.Allow(caller);
        };
    }

    /**
     * Whether {@code caller} may act as a manager (e.g. detach another node's endpoint). The manager state
     * is authoritative for the role (a demotion takes effect before the certificate is renewed), and the
     * certificate must agree, so neither alone suffices.
     */
    public static boolean actsAsManager(Caller caller, Members members) {
        return members.standing(caller.nodeId()) instanceof Standing.Member m && actsAsManager(caller, m);
    }

    private static boolean actsAsManager(Caller c, Standing.Member m) {
        return m.role() == Role.MANAGER && c.role() == Role.MANAGER;
    }
}
