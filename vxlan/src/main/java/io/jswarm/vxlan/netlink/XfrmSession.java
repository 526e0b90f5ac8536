package io.jswarm.vxlan.netlink;

import static io.jswarm.vxlan.netlink.Xfrm.*;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.kernel.KernelChange;
import io.jswarm.vxlan.kernel.KernelException;
import io.jswarm.vxlan.kernel.XfrmId;
import io.jswarm.vxlan.kernel.XfrmPolicy;
import io.jswarm.vxlan.kernel.XfrmState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One namespace's NETLINK_XFRM socket and how {@link KernelChange}s on SAs and policies become requests. The
 * batch goes out "errors only + barrier" like rtnetlink's ({@link NetlinkChannel}). The kernel has no
 * create-or-replace for SAs, so a {@link KernelChange.SetXfrmState} is sent as XFRM_MSG_NEWSA and, where that
 * says EEXIST, settled in a second round against a dump: XFRM_MSG_UPDSA if only the lifetime limits differ (the
 * SA keeps its sequence numbers, which a re-created SA would restart and the peer's replay window reject),
 * else DELSA + NEWSA (a different SA under the same id). Calls are serialised by a lock.
 */
final class XfrmSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(XfrmSession.class);
    private static final int RECOVERY_ROUNDS = 4;

    private final Netns ns;
    private final NetlinkChannel channel;
    private final XfrmEncoder encoder = new XfrmEncoder();
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;

    /** A change with its position in the caller's batch. */
    record Indexed(int position, KernelChange change) {
    }

    private record Pending(int position, KernelChange change, byte[] message) {
    }

    XfrmSession(Netns ns, NetlinkChannel channel) {
        this.ns = ns;
        this.channel = channel;
    }

    /** Applies every change (each is attempted); the failures by position, empty if none. */
    Map<Integer, KernelException> apply(List<Indexed> changes) throws IOException {
        lock.lock();
        try {
            checkOpen();
            LOG.debug("applying {} XFRM changes in {}", changes.size(), ns);
            TreeMap<Integer, KernelException> failures = new TreeMap<>();
            List<Pending> first = new ArrayList<>();
            for (Indexed c : changes) {
                first.add(new Pending(c.position(), c.change(), encode(c.change())));
            }
            List<Pending> existing = new ArrayList<>();
            NetlinkChannel.Outcomes outcomes = execute(first);
            for (int k = 0; k < first.size(); k++) {
                Pending p = first.get(k);
                if (outcomes.errno()[k] == Errno.EEXIST && p.change() instanceof KernelChange.SetXfrmState) {
                    existing.add(p);
                } else {
                    fail(failures, p, outcomes, k);
                }
            }
            if (!existing.isEmpty()) {
                replace(existing, failures);
            }
            return failures;
        } finally {
            lock.unlock();
        }
    }

    /** The second round for SAs whose id was taken: update in place or delete and add again. */
    private void replace(List<Pending> existing, Map<Integer, KernelException> failures) throws IOException {
        Map<XfrmId, XfrmState> current = new HashMap<>();
        for (XfrmState s : XfrmDecoder.states(dumpLocked(XFRM_MSG_GETSA))) {
            current.put(s.id(), s);
        }
        List<Pending> second = new ArrayList<>();
        for (Pending p : existing) {
            XfrmState wanted = ((KernelChange.SetXfrmState) p.change()).state();
            XfrmState now = current.get(wanted.id());
            if (now != null && sameExceptLimits(now, wanted)) {
                second.add(new Pending(p.position(), p.change(), encoder.updateSa(wanted)));
            } else {
                if (now != null) {
                    LOG.debug("SA {} differs in more than its limits; deleting and adding it again", wanted.id());
                    second.add(new Pending(p.position(), new KernelChange.DeleteXfrmState(wanted.id()),
                            encoder.deleteSa(wanted.id())));
                }
                second.add(new Pending(p.position(), p.change(), encoder.addSa(wanted)));
            }
        }
        NetlinkChannel.Outcomes outcomes = execute(second);
        for (int k = 0; k < second.size(); k++) {
            fail(failures, second.get(k), outcomes, k);
        }
    }

    /** Sends {@code batch} and recovers answers lost to receive-buffer overruns. */
    private NetlinkChannel.Outcomes execute(List<Pending> batch) throws IOException {
        NetlinkChannel.Outcomes outcomes = channel.execute(batch.stream().map(Pending::message).toList());
        // Every XFRM request may be sent again: NEWSA then says EEXIST (settled as above), deletes say "absent".
        Recovery.recover(batch.stream().map(Pending::change).toList(), outcomes,
                resend -> channel.execute(resend.stream().map(k -> batch.get(k).message()).toList()), Set::of,
                RECOVERY_ROUNDS);
        return outcomes;
    }

    private static void fail(Map<Integer, KernelException> failures, Pending p, NetlinkChannel.Outcomes o, int k) {
        int errno = o.errno()[k];
        String extack = o.extack()[k];
        if (errno == 0 || isHarmless(p.change(), errno) || failures.containsKey(p.position())) {
            return;
        }
        failures.put(p.position(), new KernelException(ChangeLabels.of(p.change()), p.change(), errno,
                Errno.name(errno), extack));
    }

    /** A delete of what is not there did what it was asked to: ESRCH for SAs, ENOENT for policies. */
    static boolean isHarmless(KernelChange change, int errno) {
        return switch (change) {
            case KernelChange.DeleteXfrmState d -> errno == Errno.ESRCH || errno == Errno.ENOENT;
            case KernelChange.DeleteXfrmPolicy d -> errno == Errno.ENOENT;
            default -> false;
        };
    }

    private byte[] encode(KernelChange change) {
        return switch (change) {
            case KernelChange.SetXfrmState c -> encoder.addSa(c.state());
            case KernelChange.DeleteXfrmState c -> encoder.deleteSa(c.id());
            case KernelChange.SetXfrmPolicy c -> encoder.updatePolicy(c.policy());
            case KernelChange.DeleteXfrmPolicy c -> encoder.deletePolicy(c.key());
            default -> throw new IllegalArgumentException("not an XFRM change: " + change);
        };
    }

    static boolean sameExceptLimits(XfrmState a, XfrmState b) {
        return a.src().equals(b.src()) && a.dst().equals(b.dst()) && a.spi() == b.spi() && a.reqid() == b.reqid()
                && Arrays.equals(a.key(), b.key()) && a.replayWindow() == b.replayWindow();
    }

    List<XfrmState> states() throws IOException {
        return XfrmDecoder.states(dump(XFRM_MSG_GETSA));
    }

    List<XfrmPolicy> policies() throws IOException {
        return XfrmDecoder.policies(dump(XFRM_MSG_GETPOLICY));
    }

    private List<ByteBuffer> dump(int type) throws IOException {
        lock.lock();
        try {
            checkOpen();
            return dumpLocked(type);
        } finally {
            lock.unlock();
        }
    }

    private List<ByteBuffer> dumpLocked(int type) throws IOException {
        try {
            List<ByteBuffer> messages = channel.dump(type, () -> encoder.dump(type));
            LOG.debug("{} dump in {}: {} messages", Xfrm.typeName(type), ns, messages.size());
            return messages;
        } catch (KernelException e) {
            // The channel names dumps by rtnetlink's numbers; say which XFRM dump it was.
            throw new KernelException(Xfrm.typeName(type) + " dump in " + ns, null, e.errno(), e.errnoName(),
                    e.extack());
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("XFRM netlink session for " + ns + " is closed");
        }
    }

    /** Idempotent; waits for a call in progress to finish. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                channel.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
