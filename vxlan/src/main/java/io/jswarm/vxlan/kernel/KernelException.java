package io.jswarm.vxlan.kernel;

import java.io.IOException;
import java.util.List;

/**
 * A change the kernel refused. Carries the errno, its symbolic name and the kernel's extended-ack text
 * (e.g. {@code "RTM_NEWLINK vxlan0: EEXIST (17): A VXLAN device with the specified VNI already exists"}).
 * When a batch had several failures, {@link #failures()} lists them all in order; this exception
 * describes the first.
 */
public class KernelException extends IOException {
    private final int errno;
    private final String errnoName;
    private final String extack;
    private final KernelChange change;
    private final List<KernelException> failures;

    public KernelException(String operation, KernelChange change, int errno, String errnoName, String extack) {
        super(format(operation, errno, errnoName, extack));
        this.errno = errno;
        this.errnoName = errnoName;
        this.extack = extack;
        this.change = change;
        this.failures = List.of(this);
    }

    /** Wraps several failures of one batch; the first one gives this exception its message and errno. */
    public KernelException(List<KernelException> failures) {
        super(failures.getFirst().getMessage()
                + (failures.size() > 1 ? " (and " + (failures.size() - 1) + " more failures in the batch)" : ""));
        KernelException first = failures.getFirst();
        this.errno = first.errno;
        this.errnoName = first.errnoName;
        this.extack = first.extack;
        this.change = first.change;
        this.failures = List.copyOf(failures);
    }

    private static String format(String operation, int errno, String errnoName, String extack) {
        String base = operation + ": " + errnoName + " (" + errno + ")";
        return extack == null || extack.isBlank() ? base : base + ": " + extack;
    }

    public int errno() {
        return errno;
    }

    public String errnoName() {
        return errnoName;
    }

    /** The kernel's extended-ack message, or {@code null} when it sent none. */
    public String extack() {
        return extack;
    }

    /** The change that failed, or {@code null} for failures outside {@link Kernel#apply} (dumps, namespaces). */
    public KernelChange change() {
        return change;
    }

    public List<KernelException> failures() {
        return failures;
    }
}
