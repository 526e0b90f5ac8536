package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.Netns;
import java.nio.file.Path;

/** The {@link Kernel} contract against {@link FakeKernel}. */
class FakeKernelContractTest extends KernelContractTest {
    private FakeKernel fake;

    @Override
    protected Kernel createKernel() {
        fake = new FakeKernel();
        return fake;
    }

    @Override
    protected Netns freshNamespace(String suffix) throws Exception {
        return fake.createNamespace(unusedNamespacePath(suffix));
    }

    @Override
    protected Path unusedNamespacePath(String suffix) {
        return Netns.IP_NETNS_DIR.resolve("jsdp-contract-" + suffix);
    }

    @Override
    protected void cleanUp() {
        // Each test gets its own FakeKernel: nothing outlives it.
    }
}
