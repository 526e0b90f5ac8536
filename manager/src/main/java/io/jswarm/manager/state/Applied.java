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
}
