package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.nio.file.Path;

/**
 * The {@link Kernel} contract against the real kernel through iproute2 ({@link IprouteKernel}): proves that
 * the suite asserts only what Linux does, so FakeKernel passing it means something. NetlinkKernel's own
 * contract test follows the same pattern.
 */
@RequiresRoot
class NetlinkKernelContractTest extends KernelContractTest {
    private TestNamespaces namespaces;

    @Override
    protected Kernel createKernel() {
        namespaces = TestNamespaces.forRun("jsnl");
        return new io.jswarm.vxlan.netlink.NetlinkKernel();
    }

    @Override
    protected Netns freshNamespace(String suffix) {
        return Netns.named(namespaces.create(suffix));
    }

    @Override
    protected Path unusedNamespacePath(String suffix) {
        return Netns.IP_NETNS_DIR.resolve(namespaces.name(suffix));
    }

    @Override
    protected void cleanUp() {
        namespaces.close();
    }
}
