/**
 * Cluster membership: SWIM over scalecube-cluster 2.7.7, hardened. Entry point {@link
 * io.jswarm.gossip.ScalecubeMembership} behind the {@link io.jswarm.gossip.Membership} seam.
 *
 * <h2>Transport: mutual TLS, protobuf only</h2>
 * scalecube's shipped transport binds the wildcard, has no server-side TLS and serializes with Java
 * serialization (no filter). {@link io.jswarm.gossip.transport.TlsTransport} replaces it through scalecube's
 * public {@code TransportFactory} seam: Netty 4.1, TLS 1.3 in both directions with the node certificates,
 * client auth required, only the cluster root trusted. The key side is the node's renewable {@link
 * io.jswarm.encryption.tls.IdentityKeyManager} (the daemon's one credential, also used on 2377), so every new
 * handshake presents the current certificate after a renewal. {@link io.jswarm.encryption.tls.PeerTrust} refuses
 * inside the handshake a chain not ending at the root, a subject O other than our cluster id, and a CN in the
 * revoked set (a predicate evaluated at every handshake; {@code ScalecubeMembership.evict} drops a node revoked
 * later from the view and closes its live connections at once). Frames are 4-byte length prefixed with a maximum length; each is one
 * protobuf {@code jswarm.gossip.Envelope} ({@code proto/.../gossip.proto}). {@link
 * io.jswarm.gossip.wire.WireCodec} maps exactly the system messages scalecube 2.7.7 sends (PING, PING_REQ,
 * PING_ACK: PingData; SYNC, SYNC_ACK: SyncData of MembershipRecords; GOSSIP_REQ: GossipRequest of Gossips whose
 * message must be a membership-record gossip; GET_METADATA_REQ/RESP) field by field and refuses everything else
 * (unknown qualifier, payload not matching its qualifier, unknown header, user messages and gossips). Those
 * payload classes are package-private in scalecube, so small {@code JswarmWireAccess} classes live in
 * scalecube's packages (split packages on the class path; they only construct and read the objects). Member
 * metadata is a ~50-byte {@code MemberMetadata} protobuf through {@link io.jswarm.gossip.wire.MetadataCodecs},
 * which replaces the JDK metadata codec; both codecs are also registered as scalecube's ServiceLoader
 * defaults, so its {@code INSTANCE} fallbacks never resolve to Java serialization. The daemon should still
 * start the JVM with {@code -Djdk.serialFilter=!*} as a backstop: nothing in jswarm deserializes Java objects.
 *
 * <h2>Failure detection: a fast path that only trusts the kernel</h2>
 * SWIM removes a member only after {@code suspicionMult * ceil(log2(N+1)) * pingInterval} without refutation
 * (LAN preset, N=3: 10 s, plus the first missed probe). Cutting that knob to reach about 1 s turns CPU
 * starvation and GC pauses into false removals (measured in {@code shared/reference/scalecube.md}: 4.5 s
 * stalls removed every member with aggressive knobs). So the knobs stay conservative and a second, evidence
 * based signal is added ({@link io.jswarm.gossip.internal.DeathConfirmer}):
 * <ol>
 *   <li>Trigger: an authenticated connection with the member closes without us closing it, or a dial to it is
 *       refused. When a process dies (SIGKILL, crash, OOM kill) its kernel closes its sockets at once, so
 *       peers see FIN/RST immediately; a merely slow process keeps its connections open.</li>
 *   <li>Confirmation: {@code deathProbes} (2) bare TCP connects to its gossip address, {@code
 *       deathProbeInterval} (300 ms) apart, must all be answered with RST (ECONNREFUSED): the host is up and
 *       nothing listens on the port. A slow or starved process still has its listening socket, whose accept
 *       queue is served by the kernel regardless of the process' scheduling, so the connect succeeds
 *       (CONNECTED: alive). No answer within {@code deathProbeTimeout} (host down, partition, SYN dropped) is
 *       no evidence either way (INCONCLUSIVE). In both cases the member is left to SWIM's slow path.</li>
 *   <li>Verdict: a DEAD record is fed into the local scalecube as an unsolicited SYNC_ACK ({@link
 *       io.jswarm.gossip.internal.DeadVerdict}), so scalecube's own state machine removes it (REMOVED event,
 *       pings stop, gossip sequence state is cleared). It is not gossiped: every node decides on its own
 *       evidence, so one node's mistake cannot remove a member cluster-wide.</li>
 * </ol>
 * Result: a crashed process on a live host is removed in about {@code deathProbeInterval} plus scheduling
 * (~0.3-0.5 s on loopback), while load can only ever delay removal, never cause one: overload produces
 * timeouts, not RSTs. A dead host (power loss, cable) sends nothing and still takes the SWIM timeout.
 *
 * <h2>Partitions: seek the suspected and the removed, so a heal is over within a round</h2>
 * SWIM removes a member it cannot reach; scalecube then forgets its address and syncs only with its seeds and
 * current members, one of them every {@code syncInterval} (5 s). Its cached connections are never closed, so
 * frames queued on them during a cut sit in TCP retransmission backoff (the retry after 8 s of loss comes at
 * 12.6 s). Measured before ({@code PartitionHealE2ETest}): pings back 7.7-7.9 s after a 20 s cut healed, and an
 * 8 s cut (shorter than the ~11.5 s suspicion timeout) still removed the host 3.4 s after the heal, since
 * neither the probes nor the SUSPECT gossip it must refute got through. Now
 * ({@link io.jswarm.gossip.internal.RejoinRounds}, whom to seek: {@link io.jswarm.gossip.internal.Rejoiner}):
 * <ol>
 *   <li>The first SUSPECT record seen for a member (per incarnation) drops our connection to it ({@code
 *       TlsTransport.refresh}) and makes it sought for about its suspicion timeout, or until a round reached
 *       it over an established connection (then it has the record it must refute).</li>
 *   <li>A removal on suspicion closes the member's connections in both directions (unannounced: no death
 *       signal) and makes it sought for {@code rejoinWindow} (30 min). Members removed for other reasons are
 *       not sought. While this node has no member at all, its seeds are sought too.</li>
 *   <li>Every {@code rejoinInterval} (500 ms) each sought address gets a fresh connect if the last one's SYN is
 *       unanswered ({@code TlsTransport.redial}; the kernel would retry it only after 1 s; connects in their TLS
 *       handshake and established connections are kept) and a rejoin exchange
 *       ({@link io.jswarm.gossip.internal.RejoinSync}): an empty SYNC, which the target answers with its whole
 *       table, and our table pushed to it as a SYNC_ACK, which also shows a suspect the record it refutes.
 *       scalecube's own merge rules, refutation and metadata fetch admit both sides; nothing is claimed about
 *       anyone.</li>
 * </ol>
 * Cost during a partition: about two SYNs per second per sought address, no frames. Failure detection is
 * unchanged: these rounds only ever add members or refute, so they cannot cause a removal; a false suspicion
 * costs one reconnect. A member removed less than {@code flapHoldDown} (3 s) before the heal is still held
 * down for the rest of that time (a same-process return is indistinguishable from a flap).
 *
 * <h2>Events</h2>
 * {@link io.jswarm.gossip.internal.MemberView} turns scalecube's events into {@link
 * io.jswarm.gossip.MembershipEvent}s: LEAVING is delivered at once as the graceful-leave signal (the leaver's
 * transport then closes, so the fast path also shortens its REMOVED); each removal carries its cause;
 * REMOVED/ADDED flaps of the same process (same random session id in its metadata) are damped by {@code
 * flapHoldDown}. A node that restarts with the same identity has a new session: it is admitted at once, as
 * {@code Joined} if peers had removed it, or {@code Updated} if it came back before they noticed.
 *
 * <h2>Measured (FailoverBench, LAN preset, loopback, 2 shared vCPUs, Temurin 25)</h2>
 * Three members: two in one JVM, the victim in a child JVM; two full runs. SIGKILL to removal at both
 * survivors: 323-369 ms, medians 346 and 331 ms over 5 rounds each (all CONFIRMED_DEAD); with both cores
 * saturated by busy-loop threads: 332-379 ms. 60 s of both cores saturated: 0 removals, 0 suspicions.
 * SIGSTOP 5 s: no removal; SIGSTOP 25 s: removed by SWIM after 11.6-12.5 s (SUSPICION_TIMEOUT),
 * re-admitted about 0.1 s after SIGCONT.
 *
 * <h2>A member speaks only for itself</h2>
 * Authentication is per node, not per message, and SWIM trusts what members say about each other. So every
 * scalecube message from the wire passes {@link io.jswarm.gossip.internal.ClaimGuard} first (the rules:
 * {@link io.jswarm.gossip.internal.RecordClaims}), judged against the connection's verified node id: no third
 * party's DEAD, SUSPECT or LEAVING record is merged (it may start our own check: a SYNC to the member and the
 * fast-path probes); only a member raises its own incarnation; records about us make us refute at most once
 * per sender and second and never overflow; pings, acks back to a relay, metadata and gossip requests must come
 * from whom they name; DEST_GONE acks are dropped. Removal is therefore always this node's own verdict: its
 * probes and indirect probes ending in its own suspicion timeout, or refused connects. What is lost: a relay of
 * someone's news counts only up to what that member told us itself, so a member's news reaches each node from
 * the member (its gossips and syncs, and the rejoin rounds that seek a suspect).
 *
 * <h2>Known limits</h2>
 * A member can still lie about itself, delay others' gossip at a node by taking their sequence ids with
 * records that pass, and answer ping-reqs falsely (keeping a dead member alive a little longer, never
 * killing a live one). scalecube's overload behaviour
 * (gossip storms above a few dozen nodes) is unchanged; keep clusters small or stagger start-ups.
 */
package io.jswarm.gossip;
