package io.jswarm.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvConfTest {

    private static InetSocketAddress at(String ip) {
        return new InetSocketAddress(InetAddress.ofLiteral(ip), 53);
    }

    @Test
    void upstreamsSkipLoopbackWildcardJunkAndDuplicatesAndStopAtThree() {
        String text = """
                # generated
                nameserver 127.0.0.53
                nameserver ::1
                nameserver 0.0.0.0
                search example.org
                nameserver not-an-address
                nameserver 192.0.2.53
                  nameserver   198.51.100.53   # trailing words are ignored
                nameserver 192.0.2.53
                nameserver 2001:db8::53
                nameserver 203.0.113.53
                options ndots:2
                """;
        assertEquals(List.of(at("192.0.2.53"), at("198.51.100.53"), at("2001:db8::53")), ResolvConf.upstreams(text));
    }

    private static ResolvConf files(Path etc) {
        return new ResolvConf(etc, etc.resolve("host-resolv.conf"));
    }

    @Test
    void readsTheHostFileItIsGiven(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("host-resolv.conf"), "nameserver 192.0.2.53\n");
        assertEquals(List.of(at("192.0.2.53")), files(dir).hostUpstreams());
        assertEquals(Path.of("/etc/netns"), ResolvConf.system().etcNetns());
        assertEquals(Path.of("/etc/resolv.conf"), ResolvConf.system().hostFile());
    }

    @Test
    void onlyALoopbackResolverMeansNoUpstreams() {
        assertEquals(List.of(), ResolvConf.upstreams("nameserver 127.0.0.53\noptions edns0 trust-ad\n"));
    }

    @Test
    void aMissingHostFileMeansNoUpstreams(@TempDir Path dir) {
        assertEquals(List.of(), new ResolvConf(dir, dir.resolve("absent")).hostUpstreams());
    }

    @Test
    void writesTheSandboxFileWorldReadableAndRemovesItWithItsDirectory(@TempDir Path etc) throws Exception {
        files(etc).write("jsdns-unit-sb");
        files(etc).write("jsdns-unit-sb"); // again: replaced, not failed
        Path file = etc.resolve("jsdns-unit-sb").resolve("resolv.conf");
        assertEquals("nameserver 127.0.0.11\noptions ndots:0\n", Files.readString(file));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var files = Files.list(file.getParent())) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
        files(etc).remove("jsdns-unit-sb");
        assertFalse(Files.exists(file.getParent()));
        files(etc).remove("jsdns-unit-sb"); // absent: fine
    }

    @Test
    void removeKeepsADirectoryThatHoldsOtherFiles(@TempDir Path etc) throws Exception {
        files(etc).write("jsdns-unit-sb");
        Path hosts = Files.writeString(etc.resolve("jsdns-unit-sb").resolve("hosts"), "");
        files(etc).remove("jsdns-unit-sb");
        assertTrue(Files.exists(hosts));
        assertFalse(Files.exists(hosts.resolveSibling("resolv.conf")));
    }

    @Test
    void refusesNamesThatWouldLeaveTheDirectory(@TempDir Path etc) {
        assertThrows(IllegalArgumentException.class, () -> files(etc).write(".."));
        assertThrows(IllegalArgumentException.class, () -> files(etc).write("a/b"));
    }
}
