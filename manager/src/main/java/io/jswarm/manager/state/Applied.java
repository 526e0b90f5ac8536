package io.jswarm.manager.state;

import io.jswarm.proto.state.AddNode;
import io.jswarm.proto.state.Availability;
import io.jswarm.proto.state.Endpoint;
import io.jswarm.proto.state.Network;
import io.jswarm.proto.state.Role;
import java.util.List;
import java.util.Objects;

/**
 * What {@link StateMachine#apply} decided for one command: the caller learns the outcome from the apply
 * itself (the network with its subnet and VNI, the endpoint with its address), never by reading the state
 * back afterwards, when another command may already have changed it. No variant carries a secret, so
 * results may be logged.
 */
public sealed interface Applied {

    /** The command was not applied (a log may hold a command that lost a race; every replica skips it). */
    record Refused(String reason) implements Applied {
        public Refused {
            Objects.requireNonNull(reason, "reason");
        }
    }

    record ClusterInitialized(String clusterId) implements Applied {
        public ClusterInitialized {
            Objects.requireNonNull(clusterId, "clusterId");
        }
    }

    record NodeAdded(AddNode node) implements Applied {
        public NodeAdded {
            Objects.requireNonNull(node, "node");
        }
    }

    /** The node is gone for good; {@code released} are the endpoints it still owned. */
    record NodeRemoved(String nodeId, List<Endpoint> released) implements Applied {
        public NodeRemoved {
            Objects.requireNonNull(nodeId, "nodeId");
            released = List.copyOf(released);
        }
    }

    /** The new secret stays out of the result (it is in the command and the state only). */
    record JoinTokenRotated(Role role) implements Applied {
        public JoinTokenRotated {
            Objects.requireNonNull(role, "role");
        }
    }

    record NodeRoleChanged(AddNode node) implements Applied {
        public NodeRoleChanged {
            Objects.requireNonNull(node, "node");
        }
    }

    record NodeAvailabilityChanged(String nodeId, Availability availability) implements Applied {
        public NodeAvailabilityChanged {
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(availability, "availability");
        }
    }

    /** Every field resolved: subnet, gateway, VNI. */
    record NetworkCreated(Network network) implements Applied {
        public NetworkCreated {
            Objects.requireNonNull(network, "network");
        }
    }

    record NetworkRemoved(Network network) implements Applied {
        public NetworkRemoved {
            Objects.requireNonNull(network, "network");
        }
    }

    /** The networks removed, in creation order (empty: every network had endpoints). */
    record NetworksPruned(List<Network> removed) implements Applied {
        public NetworksPruned {
            removed = List.copyOf(removed);
        }
    }

    /** The endpoint with its address, and the network it is on. */
    record EndpointAttached(Network network, Endpoint endpoint) implements Applied {
        public EndpointAttached {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(endpoint, "endpoint");
        }
    }

    record EndpointDetached(Endpoint endpoint) implements Applied {
        public EndpointDetached {
            Objects.requireNonNull(endpoint, "endpoint");
        }
    }

    /** Every endpoint the node owned, in network creation then attach order (empty: it owned none). */
    record NodeEndpointsReleased(String nodeId, List<Endpoint> released) implements Applied {
        public NodeEndpointsReleased {
            Objects.requireNonNull(nodeId, "nodeId");
            released = List.copyOf(released);
        }
    }

    /** A key generation was added (its root stays in the command and the state, sealed). */
    record DataKeyAdded(int generation, io.jswarm.proto.state.DataKeyPhase phase, String reason) implements Applied {
        public DataKeyAdded {
            Objects.requireNonNull(phase, "phase");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** {@code generation} is now PRIMARY; {@code formerPrimary} (0: none) is RETIRING. */
    record DataKeyPromoted(int generation, int formerPrimary) implements Applied {
    }

    record DataKeyRetired(int generation) implements Applied {
    }

    /** Issue 12: a whole state became this log's first entry (migration, force-new-cluster). */
    record StateRestored(String clusterId, String reason) implements Applied {
    }

    /** Issue 12: a node's keys acknowledgement, through the log. */
    record KeysInstalled(String nodeId, long stateIndex) implements Applied {
    }

    /** Issue 12: {@code granted} were leased to their node; {@code held} is all it holds on the network now. */
    record LeaseGranted(Network network, List<io.jswarm.proto.state.LeasedAddress> granted,
                        List<io.jswarm.proto.state.LeasedAddress> held) implements Applied {
        public LeaseGranted {
            Objects.requireNonNull(network, "network");
            granted = List.copyOf(granted);
            held = List.copyOf(held);
        }
    }

    /** Issue 12: the leased address became {@code endpoint} (with the lease's endpoint id). */
    record LeaseClaimed(Network network, io.jswarm.proto.state.LeasedAddress lease, Endpoint endpoint) implements Applied {
        public LeaseClaimed {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(lease, "lease");
            Objects.requireNonNull(endpoint, "endpoint");
        }
    }

    /** Issue 12: the leases given back (those the node still held). */
    record LeaseReturned(String nodeId, List<io.jswarm.proto.state.LeasedAddress> returned) implements Applied {
        public LeaseReturned {
            Objects.requireNonNull(nodeId, "nodeId");
            returned = List.copyOf(returned);
        }
    }
}
