package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.testing.RequiresRoot;
import io.jswarm.vxlan.testing.TestNamespaces;
import java.nio.file.Path;

/**
 * The {@link Kernel} contract on real Linux, in namespaces named {@code <family>-<pid>-...} that the run
 * creates under {@code /run/netns} and removes afterwards (leftovers of crashed runs first).
 */
@RequiresRoot
abstract class LinuxKernelContractTest extends KernelContractTest {
    private TestNamespaces namespaces;

    /** The implementation under test. */
    protected abstract Kernel newKernel();

    /** The test-hygiene family prefix of this suite's namespaces. */
    protected abstract String family();

    /**
     * {@code -Djswarm.test.netnsFamily=F} runs the suite under another family, so one helper can run some cases
     * while another runs the suite: leftover cleanup is per family.
     */
    @Override
    protected final Kernel createKernel() {
        namespaces = TestNamespaces.forRun(System.getProperty("jswarm.test.netnsFamily", family()));
        return newKernel();
    }

    @Override
    protected final Netns freshNamespace(String suffix) {
        return Netns.named(namespaces.create(suffix));
    }

    @Override
    protected final Path unusedNamespacePath(String suffix) {
        return Netns.IP_NETNS_DIR.resolve(namespaces.name(suffix));
    }

    @Override
    protected final void cleanUp() {
        namespaces.close();
    }
}
