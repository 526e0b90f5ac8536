package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.netlink.NetlinkKernel;

/**
 * The contract against {@link NetlinkKernel}, the implementation jswarm ships. Together with
 * {@link FakeKernelContractTest} this is what lets unit tests over the fake stand for behaviour on Linux.
 */
class NetlinkKernelContractTest extends LinuxKernelContractTest {
    @Override
    protected Kernel newKernel() {
        return new NetlinkKernel();
    }

    @Override
    protected String family() {
        return "jsnl";
    }
}
