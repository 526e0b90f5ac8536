package io.jswarm.vxlan.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Identity, not paths: every name of this process's namespace is the host's; other files are not. */
class HostNamespacesTest {
    @TempDir
    Path dir;

    @Test
    void namesOfTheOwnNamespaceAreHostAndOtherFilesAreNot() throws Exception {
        assertTrue(HostNamespaces.isHost(Path.of("/proc/self/ns/net")));
        assertTrue(HostNamespaces.isHost(Path.of("/proc/thread-self/ns/net")), "another path, the same inode");
        assertTrue(HostNamespaces.isHost(Path.of("/proc/" + ProcessHandle.current().pid() + "/ns/net")));
        if (HostNamespaces.hostFiles().size() > HostNamespaces.HOST_FILES.size()) {
            // kthreadd is visible (no PID namespace): the kernel's own namespace counts even if PID 1's is unreadable.
            assertTrue(HostNamespaces.isHost(Path.of("/proc/2/ns/net")));
        }
        Path plain = Files.createFile(dir.resolve("net"));
        assertFalse(HostNamespaces.isHost(plain));
        assertFalse(HostNamespaces.isHost(dir.resolve("missing")));
        // A host file that cannot be read is skipped rather than matching everything.
        assertFalse(HostNamespaces.isAnyOf(plain, List.of(dir.resolve("missing"))));
        assertTrue(HostNamespaces.isAnyOf(plain, List.of(plain)), "same device and inode");
    }
}
