package io.jswarm.cli;

import io.jswarm.vxlan.Dataplane;
import io.jswarm.vxlan.DataplaneConfig;
import io.jswarm.vxlan.KernelDataplane;
import io.jswarm.vxlan.kernel.Kernel;
import io.jswarm.vxlan.netlink.NetlinkKernel;

/**
 * The one place where the command line, the demo, the e2e tests and the benchmarks pick their
 * {@link Kernel} and {@link Dataplane} implementations, so swapping an implementation is a one-line change.
 */
public final class Kernels {
    private Kernels() {
    }

    /** The real kernel: rtnetlink through java.lang.foreign. */
    public static Kernel open() {
        return new NetlinkKernel();
    }

    /** The intent-level data plane of one host, programmed through {@code kernel}. */
    public static Dataplane dataplane(Kernel kernel, DataplaneConfig config) {
        return new KernelDataplane(kernel, config);
    }
}
