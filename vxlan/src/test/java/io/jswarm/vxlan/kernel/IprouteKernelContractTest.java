package io.jswarm.vxlan.kernel;

/**
 * The contract against Linux through iproute2 ({@link IprouteKernel}), an oracle independent of jswarm's
 * netlink code: if this passes and {@link NetlinkKernelContractTest} fails, the bug is in the netlink
 * layer, not in the suite.
 */
class IprouteKernelContractTest extends LinuxKernelContractTest {
    @Override
    protected Kernel newKernel() {
        return new IprouteKernel();
    }

    @Override
    protected String family() {
        return "jsdp";
    }
}
