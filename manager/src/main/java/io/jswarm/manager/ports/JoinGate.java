package io.jswarm.manager.ports;

import io.grpc.Status;
import io.jswarm.encryption.ports.SampledLog;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Join must pass before the manager looks at it: its size ({@code maxJoinBytes}) and its source
 * address's rate ({@link JoinRateLimiter}). Refusals are logged sampled, one line per window with a count.
 */
public final class JoinGate {
    private static final Logger LOG = LoggerFactory.getLogger(JoinGate.class);

    private final ApiLimits limits;
    private final JoinRateLimiter limiter;
    private final SampledLog refusals;

    public JoinGate(ApiLimits limits, LongSupplier nanos) {
        this.limits = limits;
        this.limiter = new JoinRateLimiter(limits.joinBurst(), limits.joinRefill(), nanos);
        this.refusals = new SampledLog(LOG::warn, "join refused early", ApiPort.LOG_WINDOW, nanos);
    }

    /** Throws the status the caller gets if this join is refused; returns if it may go on. */
    public void check(int serializedSize, SocketAddress remote) {
        String source = remote instanceof InetSocketAddress isa ? isa.getAddress().getHostAddress() : String.valueOf(remote);
        if (serializedSize > limits.maxJoinBytes()) {
            refusals.record("too-large", source);
            throw Status.INVALID_ARGUMENT.withDescription("join request too large: " + serializedSize
                    + " bytes, at most " + limits.maxJoinBytes()).asRuntimeException();
        }
        if (remote instanceof InetSocketAddress isa && !limiter.tryAcquire(isa.getAddress())) {
            refusals.record("rate", source);
            throw Status.RESOURCE_EXHAUSTED.withDescription("too many join attempts from " + source
                    + "; try again in a few seconds").asRuntimeException();
        }
    }

    /** Logs the counted refusals if their window has passed. */
    public void flush() {
        refusals.flush();
    }
}
