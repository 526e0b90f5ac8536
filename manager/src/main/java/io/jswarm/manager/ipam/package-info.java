/**
 * IP address management for overlay networks: subnets from the cluster's default address pools,
 * addresses per network, VXLAN network identifiers. Pure Java, no I/O; the state that uses it is
 * {@code io.jswarm.manager.state.NetworkState} inside the {@code StateMachine}.
 *
 * <h2>Why {@code apply} chooses, not the proposer</h2>
 * {@code CreateNetwork} and {@code AttachEndpoint} carry only what the user asked for (an explicit
 * subnet, gateway, ip-range or address, or nothing). The subnet, gateway, VNI and address are chosen
 * while the command is applied, from the state at its log position. Every replica applies the same
 * commands in the same order to the same state, so every replica chooses the same values without
 * clock or randomness, and two managers proposing at once cannot be handed the same subnet, VNI or
 * address: the second command is planned against a state that already holds the first one's choice.
 * A proposer filling in the values itself would need a reservation protocol on top of the log; this is
 * what Swarm's leader-only allocator approximates, and where its duplicate-IP bugs came from when the
 * allocator state was rebuilt after a leader change (reference §7 #3). Here the allocations are the
 * replicated state itself: the log and the snapshot (which includes the allocator cursors) are the
 * only source, so a restart or a new leader cannot diverge from them.
 *
 * <h2>Why serial</h2>
 * Addresses and VNIs are handed out round-robin: the next free value after the last one given, wrapping
 * at the end. An address freed by a detach stays unused until the cursor comes round again, so other
 * nodes have time to drop ARP/FDB entries that still point it at the old endpoint's VTEP (§7 #1), and a
 * VNI freed by {@code network rm} is not reused while nodes may still hold a vxlan device for it (§7 #2).
 * Subnets are first-fit instead: a recreated subnet always comes with a fresh VNI, so nothing stale can
 * match it.
 *
 * <h2>IPv6</h2>
 * Subnets are {@link io.jswarm.vxlan.IpPrefix}es (jswarm's one CIDR type); the allocators work on IPv4
 * addresses as unsigned {@code long}s ({@code IpPrefix.first/last/parseIpv4}). IPv6 can follow over
 * {@code BigInteger} (or two longs); the allocators need only contains, overlaps, first and last, and the
 * state stores addresses as text.
 */
package io.jswarm.manager.ipam;
