package io.jswarm.gossip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.jswarm.gossip.internal.RecordClaims.Admit;
import io.jswarm.gossip.internal.RecordClaims.Drop;
import io.jswarm.gossip.internal.RecordClaims.Forgery;
import io.jswarm.gossip.internal.RecordClaims.Hint;
import io.jswarm.gossip.internal.RecordClaims.Verdict;
import io.scalecube.cluster.membership.MemberStatus;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The record rules, with a manual clock: a member speaks only for itself. */
class RecordClaimsTest {
    private static final InetAddress IP_SELF = InetAddress.ofLiteral("192.0.2.1");
    private static final InetAddress IP_H2 = InetAddress.ofLiteral("192.0.2.2");
    private static final InetAddress IP_EVIL = InetAddress.ofLiteral("192.0.2.3");
    private static final InetAddress IP_H4 = InetAddress.ofLiteral("192.0.2.4");

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RecordClaims claims = new RecordClaims("self", Duration.ofSeconds(1), now::get);

    private Verdict judge(String peer, InetAddress peerIp, String subject, InetAddress subjectIp, MemberStatus s,
                          int incarnation) {
        return claims.judge(peer, peerIp, subject, subjectIp, s, incarnation);
    }

    private static void dropped(Verdict v, Forgery f, Hint h) {
        Drop d = assertInstanceOf(Drop.class, v);
        assertEquals(f, d.forgery());
        assertEquals(h, d.hint());
    }

    @Test
    void aThirdPartysDeathSuspicionOrLeaveIsNeverTakenButStartsOurOwnCheck() {
        dropped(judge("evil", IP_EVIL, "h2", IP_H2, MemberStatus.DEAD, 0), Forgery.DEAD, Hint.CHECK);
        dropped(judge("evil", IP_EVIL, "h2", IP_H2, MemberStatus.SUSPECT, 5), Forgery.SUSPECT, Hint.CHECK);
        dropped(judge("evil", IP_EVIL, "h2", IP_H2, MemberStatus.LEAVING, 5), Forgery.LEAVING, Hint.CHECK);
    }

    @Test
    void aMembersOwnRecordIsTakenFromItOnItsOwnAddressOnly() {
        assertInstanceOf(Admit.class, judge("h2", IP_H2, "h2", IP_H2, MemberStatus.ALIVE, 3));
        assertInstanceOf(Admit.class, judge("h2", IP_H2, "h2", IP_H2, MemberStatus.LEAVING, 4));
        dropped(judge("h2", IP_H2, "h2", IP_EVIL, MemberStatus.ALIVE, 5), Forgery.ADDRESS, Hint.NONE);
        dropped(judge("h2", IP_H2, "h2", IP_H2, MemberStatus.DEAD, 5), Forgery.SELF_STATUS, Hint.NONE);
    }

    @Test
    void onlyTheMemberRaisesItsIncarnation() {
        assertInstanceOf(Admit.class, judge("h2", IP_H2, "h2", IP_H2, MemberStatus.ALIVE, 7));
        assertInstanceOf(Admit.class, judge("evil", IP_EVIL, "h2", IP_H2, MemberStatus.ALIVE, 7), "a faithful relay");
        dropped(judge("evil", IP_EVIL, "h2", IP_EVIL, MemberStatus.ALIVE, 8), Forgery.AHEAD, Hint.ASK);
        dropped(judge("evil", IP_EVIL, "h2", IP_H2, MemberStatus.ALIVE, Integer.MAX_VALUE), Forgery.INCARNATION,
                Hint.NONE);
        assertInstanceOf(Admit.class, judge("h2", IP_H2, "h2", IP_H2, MemberStatus.ALIVE, 8), "its own refutation");
        assertInstanceOf(Admit.class, judge("evil", IP_EVIL, "h2", IP_H2, MemberStatus.ALIVE, 8));
        assertInstanceOf(Admit.class, judge("h2", IP_H2, "h2", IP_H2, MemberStatus.ALIVE, 0), "a restart");
        dropped(judge("h4", IP_H4, "h2", IP_H2, MemberStatus.ALIVE, 8), Forgery.AHEAD, Hint.ASK);
    }

    @Test
    void theFirstWordIntroducesAMemberButCannotOverflow() {
        assertInstanceOf(Admit.class, judge("h4", IP_H4, "joiner", IP_EVIL, MemberStatus.ALIVE, 2));
        dropped(judge("evil", IP_EVIL, "joiner", IP_EVIL, MemberStatus.ALIVE, 3), Forgery.AHEAD, Hint.ASK);
        dropped(judge("evil", IP_EVIL, "other", IP_EVIL, MemberStatus.ALIVE, RecordClaims.MAX_RELAYED_INCARNATION + 1),
                Forgery.INCARNATION, Hint.NONE);
        for (int i = 0; i < 10_000; i++) { // a flood of made-up members cannot push out a member's own word
            judge("evil", IP_EVIL, "ghost-" + i, IP_EVIL, MemberStatus.ALIVE, 0);
        }
        assertInstanceOf(Admit.class, judge("h2", IP_H2, "h2", IP_H2, MemberStatus.ALIVE, 1));
        for (int i = 0; i < 10_000; i++) {
            judge("evil", IP_EVIL, "ghost2-" + i, IP_EVIL, MemberStatus.ALIVE, 0);
        }
        dropped(judge("evil", IP_EVIL, "h2", IP_H2, MemberStatus.ALIVE, 2), Forgery.AHEAD, Hint.ASK);
    }

    @Test
    void recordsAboutUsMakeUsRefuteAtMostOncePerSenderAndInterval() {
        assertInstanceOf(Admit.class, judge("h2", IP_H2, "self", IP_SELF, MemberStatus.SUSPECT, 0), "h2 suspects us");
        assertInstanceOf(Admit.class, judge("evil", IP_EVIL, "self", IP_SELF, MemberStatus.SUSPECT, 1));
        dropped(judge("evil", IP_EVIL, "self", IP_SELF, MemberStatus.SUSPECT, 2), Forgery.REFUTE_RATE, Hint.NONE);
        dropped(judge("evil", IP_EVIL, "self", IP_SELF, MemberStatus.ALIVE, 50), Forgery.REFUTE_RATE, Hint.NONE);
        assertInstanceOf(Admit.class, judge("h2", IP_H2, "self", IP_SELF, MemberStatus.ALIVE, 1),
                "what we already said costs nothing");
        assertInstanceOf(Admit.class, judge("h4", IP_H4, "self", IP_SELF, MemberStatus.SUSPECT, 2),
                "another sender's suspicion still makes us refute");
        now.addAndGet(Duration.ofMillis(999).toNanos());
        dropped(judge("evil", IP_EVIL, "self", IP_SELF, MemberStatus.SUSPECT, 3), Forgery.REFUTE_RATE, Hint.NONE);
        now.addAndGet(Duration.ofMillis(1).toNanos());
        assertInstanceOf(Admit.class, judge("evil", IP_EVIL, "self", IP_SELF, MemberStatus.SUSPECT, 3));
        dropped(judge("h2", IP_H2, "self", IP_SELF, MemberStatus.ALIVE, RecordClaims.MAX_RELAYED_INCARNATION + 1),
                Forgery.INCARNATION, Hint.NONE);
    }
}
