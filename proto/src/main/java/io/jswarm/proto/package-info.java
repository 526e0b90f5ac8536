/**
 * Wire formats of jswarm: protobuf messages and gRPC service definitions shared by the manager, the agents
 * and the gossip transport. Nothing here is Java-serialized; every byte on the wire is protobuf.
 *
 * <p>Empty until the cluster issue: the data-plane foundation needs no wire format yet.
 */
package io.jswarm.proto;
