package io.jswarm.gossip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The shims in {@code gossip/src/shims/java} ({@code io.scalecube.cluster.*.JswarmWireAccess}) construct and read
 * scalecube's package-private wire types; nothing but this test notices when a new scalecube renames a field
 * or changes a constructor in a way that still compiles (or breaks the wire subtly). So the version they were
 * written against is pinned here, read from the scalecube jar itself.
 */
class ScalecubeShimVersionTest {
    /** The scalecube-cluster version the shims were written and checked against. */
    static final String SHIMS_WRITTEN_FOR = "2.7.7";

    @Test
    void theShimsWereWrittenForTheScalecubeOnTheClasspath() throws IOException {
        String onClasspath = scalecubeClusterVersion();
        assertEquals(SHIMS_WRITTEN_FOR, onClasspath, () -> "scalecube-cluster on the classpath is " + onClasspath
                + " but the access shims in gossip/src/shims/java (io.scalecube.cluster.*.JswarmWireAccess) were"
                + " written for " + SHIMS_WRITTEN_FOR + ": re-check each shim against the new version's"
                + " package-private classes (GossipRequest, PingData, SyncData, MembershipRecord,"
                + " GetMetadataRequest/Response, ...) and WireCodecTest, then set SHIMS_WRITTEN_FOR in "
                + ScalecubeShimVersionTest.class.getSimpleName() + " and the 'Pinned to' line of each shim.");
    }

    /** From the pom.properties inside the jar that holds a shimmed class, so a second copy cannot mislead. */
    static String scalecubeClusterVersion() throws IOException {
        URL shimmed = ScalecubeShimVersionTest.class.getClassLoader()
                .getResource("io/scalecube/cluster/gossip/GossipRequest.class");
        assertNotNull(shimmed, "scalecube-cluster is not on the classpath");
        String jar = shimmed.toString();
        int bang = jar.indexOf("!/");
        assertEquals("jar:", jar.substring(0, 4), "scalecube-cluster is not loaded from a jar: " + jar);
        URL props = java.net.URI.create(jar.substring(0, bang + 2)
                + "META-INF/maven/io.scalecube/scalecube-cluster/pom.properties").toURL();
        var p = new Properties();
        try (InputStream in = props.openStream()) {
            p.load(in);
        }
        String v = p.getProperty("version");
        assertNotNull(v, "no version in " + props);
        return v;
    }
}
