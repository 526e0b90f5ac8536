package io.jswarm.cli;

import io.jswarm.vxlan.Dataplane;
import io.jswarm.vxlan.DataplaneConfig;
import io.jswarm.vxlan.kernel.Kernel;
import java.lang.reflect.InvocationTargetException;

/**
 * Temporary: finds NetlinkKernel and KernelDataplane by name while they are developed on other branches.
 * Replaced by direct constructor calls in {@link Kernels} once they are merged.
 */
final class Wiring {
    private Wiring() {
    }

    static Kernel openNetlinkKernel() {
        for (String name : new String[] {"io.jswarm.vxlan.netlink.NetlinkKernel", "io.jswarm.vxlan.kernel.NetlinkKernel"}) {
            try {
                Class<?> c = Class.forName(name);
                try {
                    return (Kernel) c.getMethod("open").invoke(null);
                } catch (NoSuchMethodException e) {
                    return (Kernel) c.getConstructor().newInstance();
                }
            } catch (ClassNotFoundException e) {
                continue;
            } catch (InvocationTargetException e) {
                throw rethrow(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot construct " + name, e);
            }
        }
        throw new IllegalStateException("NetlinkKernel is not part of this build yet");
    }

    static Dataplane newKernelDataplane(Kernel kernel, DataplaneConfig config) {
        for (String name : new String[] {"io.jswarm.vxlan.KernelDataplane", "io.jswarm.vxlan.dataplane.KernelDataplane"}) {
            try {
                return (Dataplane) Class.forName(name).getConstructor(Kernel.class, DataplaneConfig.class)
                        .newInstance(kernel, config);
            } catch (ClassNotFoundException e) {
                continue;
            } catch (InvocationTargetException e) {
                throw rethrow(e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot construct " + name, e);
            }
        }
        throw new IllegalStateException("KernelDataplane is not part of this build yet");
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        return new IllegalStateException(t.getMessage(), t);
    }
}
