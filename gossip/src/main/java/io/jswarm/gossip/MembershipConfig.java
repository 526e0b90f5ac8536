package io.jswarm.gossip;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Membership knobs. Use {@link #lan} or {@link #wan} and the {@code withX} copiers; every value is checked
 * here. With N members, SWIM's slow-path removal takes {@code suspicionMult * ceil(log2(N+1)) *
 * pingInterval} after the first missed ping (LAN, N=3: 5 * 2 * 1 s = 10 s); the fast path (see the package
 * notes) removes a crashed process on a live host after about {@code deathProbes * deathProbeInterval}.
 *
 * @param advertise        the address the transport binds and that peers dial; never the wildcard. No default
 *                         (Docker uses port 7946).
 * @param seeds            members contacted at start and on periodic sync; the same list everywhere. Default
 *                         empty (first node).
 * @param pingInterval     SWIM probe period. LAN 1 s, WAN 3 s. Shorter detects slow failures sooner but costs
 *                         traffic and, on a loaded machine, false suspicions.
 * @param pingTimeout      direct ping deadline before asking {@code pingReqMembers} peers to probe indirectly.
 *                         LAN 500 ms, WAN 1.5 s. Below 300 ms a busy 2-core host misses acks (measured).
 * @param pingReqMembers   indirect probers per failed ping. Default 3. More means fewer false suspicions from
 *                         one slow path, more traffic.
 * @param suspicionMult    multiplier of the suspicion timeout (formula above). LAN 5, WAN 6. Lower removes dead
 *                         hosts sooner but turns long GC pauses or CPU starvation into false removals.
 * @param syncInterval     period of full-table anti-entropy with one random member. LAN 5 s, WAN 30 s.
 * @param syncTimeout      deadline of the initial sync with the seeds. LAN 2 s, WAN 5 s.
 * @param gossipInterval   gossip round period. LAN 200 ms, WAN 300 ms.
 * @param gossipFanout     peers per gossip round. LAN 3, WAN 4.
 * @param gossipRepeatMult rounds a gossip is repeated, times ceil(log2 N). Default 3.
 * @param metadataTimeout  deadline of the metadata fetch that admits or updates a member. LAN 3 s, WAN 10 s.
 *                         Never below 3 s: failed fetches under load caused admission storms (measured).
 * @param connectTimeout   TCP connect plus TLS handshake deadline for gossip connections. LAN 2 s, WAN 10 s.
 * @param maxFrameLength   largest accepted frame in bytes; a SYNC carries the whole table (about 90 bytes per
 *                         member in protobuf). Default 2 MiB.
 * @param deathProbes      fast path: consecutive refused reconnects needed to declare a member dead. Default 2;
 *                         0 disables the fast path (SWIM timeout only).
 * @param deathProbeInterval fast path: spacing of those reconnects. LAN 300 ms, WAN 1 s.
 * @param deathProbeTimeout  fast path: a reconnect that neither connects nor is refused within this is
 *                         inconclusive and hands the member back to SWIM. LAN 500 ms, WAN 3 s.
 * @param flapHoldDown     after a removal, the same process (same session) is re-admitted only once it has
 *                         stayed alive this long, so a REMOVED/ADDED oscillation reaches listeners as one
 *                         removal and one later join. A restarted process (new session) is admitted at once.
 *                         LAN 3 s, WAN 10 s.
 * @param rejoinInterval   how often this node reaches out to members SWIM removed on suspicion (and to the seeds
 *                         while it has no member at all): a fresh connection to each, a SYNC asking for its
 *                         table and a push of ours. This is what ends a partition quickly; scalecube alone only
 *                         syncs with seeds and current members every {@code syncInterval}. It never removes or
 *                         suspects anyone. LAN 500 ms, WAN 1.5 s; at least 100 ms.
 * @param rejoinWindow     how long after a removal that member is still sought; 0 disables the rejoin rounds.
 *                         Default 30 min, the time a failed owner's hidden table entries are kept.
 */
public record MembershipConfig(InetSocketAddress advertise, List<InetSocketAddress> seeds, Duration pingInterval,
                               Duration pingTimeout, int pingReqMembers, int suspicionMult, Duration syncInterval,
                               Duration syncTimeout, Duration gossipInterval, int gossipFanout, int gossipRepeatMult,
                               Duration metadataTimeout, Duration connectTimeout, int maxFrameLength,
                               int deathProbes, Duration deathProbeInterval, Duration deathProbeTimeout,
                               Duration flapHoldDown, Duration rejoinInterval, Duration rejoinWindow) {
    /** The knobs before the rejoin pair, which then takes the LAN values (500 ms, 30 min). */
    public MembershipConfig(InetSocketAddress advertise, List<InetSocketAddress> seeds, Duration pingInterval,
                            Duration pingTimeout, int pingReqMembers, int suspicionMult, Duration syncInterval,
                            Duration syncTimeout, Duration gossipInterval, int gossipFanout, int gossipRepeatMult,
                            Duration metadataTimeout, Duration connectTimeout, int maxFrameLength,
                            int deathProbes, Duration deathProbeInterval, Duration deathProbeTimeout,
                            Duration flapHoldDown) {
        this(advertise, seeds, pingInterval, pingTimeout, pingReqMembers, suspicionMult, syncInterval, syncTimeout,
                gossipInterval, gossipFanout, gossipRepeatMult, metadataTimeout, connectTimeout, maxFrameLength,
                deathProbes, deathProbeInterval, deathProbeTimeout, flapHoldDown, LAN_REJOIN_INTERVAL,
                LAN_REJOIN_WINDOW);
    }

    private static final Duration LAN_REJOIN_INTERVAL = Duration.ofMillis(500);
    private static final Duration LAN_REJOIN_WINDOW = Duration.ofMinutes(30);

    public MembershipConfig {
        Objects.requireNonNull(advertise, "advertise");
        if (advertise.isUnresolved() || advertise.getAddress().isAnyLocalAddress()) {
            throw new IllegalArgumentException("advertise must be a concrete IP address, got " + advertise);
        }
        seeds = List.copyOf(seeds);
        positive(pingInterval, "pingInterval");
        atLeast(pingTimeout, Duration.ofMillis(100), "pingTimeout");
        if (pingTimeout.compareTo(pingInterval) >= 0) {
            throw new IllegalArgumentException("pingTimeout must be < pingInterval");
        }
        range(pingReqMembers, 0, 10, "pingReqMembers");
        range(suspicionMult, 1, 100, "suspicionMult");
        positive(syncInterval, "syncInterval");
        positive(syncTimeout, "syncTimeout");
        positive(gossipInterval, "gossipInterval");
        range(gossipFanout, 1, 20, "gossipFanout");
        range(gossipRepeatMult, 1, 20, "gossipRepeatMult");
        atLeast(metadataTimeout, Duration.ofSeconds(1), "metadataTimeout");
        positive(connectTimeout, "connectTimeout");
        range(maxFrameLength, 64 * 1024, 64 * 1024 * 1024, "maxFrameLength");
        range(deathProbes, 0, 10, "deathProbes");
        positive(deathProbeInterval, "deathProbeInterval");
        positive(deathProbeTimeout, "deathProbeTimeout");
        Objects.requireNonNull(flapHoldDown, "flapHoldDown");
        if (flapHoldDown.isNegative()) {
            throw new IllegalArgumentException("flapHoldDown must be >= 0");
        }
        atLeast(rejoinInterval, Duration.ofMillis(100), "rejoinInterval");
        Objects.requireNonNull(rejoinWindow, "rejoinWindow");
        if (rejoinWindow.isNegative()) {
            throw new IllegalArgumentException("rejoinWindow must be >= 0");
        }
    }

    /** LAN preset: tuned for 3–50 nodes on one L2/L3 network, safe on a loaded 2-core host. */
    public static MembershipConfig lan(InetSocketAddress advertise) {
        return new MembershipConfig(advertise, List.of(), Duration.ofSeconds(1), Duration.ofMillis(500), 3, 5,
                Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofMillis(200), 3, 3, Duration.ofSeconds(3),
                Duration.ofSeconds(2), 2 * 1024 * 1024, 2, Duration.ofMillis(300), Duration.ofMillis(500),
                Duration.ofSeconds(3), LAN_REJOIN_INTERVAL, LAN_REJOIN_WINDOW);
    }

    /** WAN preset: timeouts about three times LAN, for links with 50–300 ms RTT and loss. */
    public static MembershipConfig wan(InetSocketAddress advertise) {
        return new MembershipConfig(advertise, List.of(), Duration.ofSeconds(3), Duration.ofMillis(1500), 3, 6,
                Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofMillis(300), 4, 3, Duration.ofSeconds(10),
                Duration.ofSeconds(10), 2 * 1024 * 1024, 3, Duration.ofSeconds(1), Duration.ofSeconds(3),
                Duration.ofSeconds(10), Duration.ofMillis(1500), LAN_REJOIN_WINDOW);
    }

    public MembershipConfig withSeeds(List<InetSocketAddress> s) {
        return new MembershipConfig(advertise, s, pingInterval, pingTimeout, pingReqMembers, suspicionMult,
                syncInterval, syncTimeout, gossipInterval, gossipFanout, gossipRepeatMult, metadataTimeout,
                connectTimeout, maxFrameLength, deathProbes, deathProbeInterval, deathProbeTimeout, flapHoldDown, rejoinInterval, rejoinWindow);
    }

    public MembershipConfig withAdvertise(InetSocketAddress a) {
        return new MembershipConfig(a, seeds, pingInterval, pingTimeout, pingReqMembers, suspicionMult,
                syncInterval, syncTimeout, gossipInterval, gossipFanout, gossipRepeatMult, metadataTimeout,
                connectTimeout, maxFrameLength, deathProbes, deathProbeInterval, deathProbeTimeout, flapHoldDown, rejoinInterval, rejoinWindow);
    }

    public MembershipConfig withPing(Duration interval, Duration timeout) {
        return new MembershipConfig(advertise, seeds, interval, timeout, pingReqMembers, suspicionMult,
                syncInterval, syncTimeout, gossipInterval, gossipFanout, gossipRepeatMult, metadataTimeout,
                connectTimeout, maxFrameLength, deathProbes, deathProbeInterval, deathProbeTimeout, flapHoldDown, rejoinInterval, rejoinWindow);
    }

    public MembershipConfig withSuspicionMult(int mult) {
        return new MembershipConfig(advertise, seeds, pingInterval, pingTimeout, pingReqMembers, mult,
                syncInterval, syncTimeout, gossipInterval, gossipFanout, gossipRepeatMult, metadataTimeout,
                connectTimeout, maxFrameLength, deathProbes, deathProbeInterval, deathProbeTimeout, flapHoldDown, rejoinInterval, rejoinWindow);
    }

    public MembershipConfig withSync(Duration interval, Duration timeout) {
        return new MembershipConfig(advertise, seeds, pingInterval, pingTimeout, pingReqMembers, suspicionMult,
                interval, timeout, gossipInterval, gossipFanout, gossipRepeatMult, metadataTimeout,
                connectTimeout, maxFrameLength, deathProbes, deathProbeInterval, deathProbeTimeout, flapHoldDown, rejoinInterval, rejoinWindow);
    }

    public MembershipConfig withDeathProbes(int probes, Duration interval, Duration timeout) {
        return new MembershipConfig(advertise, seeds, pingInterval, pingTimeout, pingReqMembers, suspicionMult,
                syncInterval, syncTimeout, gossipInterval, gossipFanout, gossipRepeatMult, metadataTimeout,
                connectTimeout, maxFrameLength, probes, interval, timeout, flapHoldDown, rejoinInterval, rejoinWindow);
    }

    public MembershipConfig withFlapHoldDown(Duration holdDown) {
        return new MembershipConfig(advertise, seeds, pingInterval, pingTimeout, pingReqMembers, suspicionMult,
                syncInterval, syncTimeout, gossipInterval, gossipFanout, gossipRepeatMult, metadataTimeout,
                connectTimeout, maxFrameLength, deathProbes, deathProbeInterval, deathProbeTimeout, holdDown, rejoinInterval, rejoinWindow);
    }

    public MembershipConfig withRejoin(Duration interval, Duration window) {
        return new MembershipConfig(advertise, seeds, pingInterval, pingTimeout, pingReqMembers, suspicionMult,
                syncInterval, syncTimeout, gossipInterval, gossipFanout, gossipRepeatMult, metadataTimeout,
                connectTimeout, maxFrameLength, deathProbes, deathProbeInterval, deathProbeTimeout, flapHoldDown,
                interval, window);
    }

    public MembershipConfig withMaxFrameLength(int bytes) {
        return new MembershipConfig(advertise, seeds, pingInterval, pingTimeout, pingReqMembers, suspicionMult,
                syncInterval, syncTimeout, gossipInterval, gossipFanout, gossipRepeatMult, metadataTimeout,
                connectTimeout, bytes, deathProbes, deathProbeInterval, deathProbeTimeout, flapHoldDown, rejoinInterval, rejoinWindow);
    }

    private static void positive(Duration d, String name) {
        atLeast(d, Duration.ofMillis(1), name);
    }

    private static void atLeast(Duration d, Duration min, String name) {
        Objects.requireNonNull(d, name);
        if (d.compareTo(min) < 0) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + d);
        }
    }

    private static void range(int v, int min, int max, String name) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + v);
        }
    }
}
