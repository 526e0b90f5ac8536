package io.jswarm.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.state.Availability;
import io.jswarm.proto.state.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FormattingTest {
    static final String M = "a7kwaq68ls1xri6rbc5sug8qk";
    static final String W = "bimf57nicoypngm48f7tjzam7";
    final List<NodeInfo> nodes = List.of(
            NodeInfo.newBuilder().setId(M).setHostname("h1").setRole(Role.ROLE_MANAGER).setLeader(true)
                    .setStatus(NodeStatus.NODE_STATUS_READY).setAvailability(Availability.AVAILABILITY_ACTIVE)
                    .setEngineVersion("0.1.0").setAddr("192.0.2.11").build(),
            NodeInfo.newBuilder().setId(W).setHostname("host-two").setRole(Role.ROLE_WORKER)
                    .setStatus(NodeStatus.NODE_STATUS_DOWN).setAvailability(Availability.AVAILABILITY_DRAIN)
                    .setEngineVersion("0.1.0").setAddr("192.0.2.12").build());

    @Test
    void nodeLsLooksLikeDockers() {
        assertEquals("""
                ID                            HOSTNAME   STATUS    AVAILABILITY   MANAGER STATUS   ENGINE VERSION   ADDRESS
                a7kwaq68ls1xri6rbc5sug8qk *   h1         Ready     Active         Leader           0.1.0            192.0.2.11
                bimf57nicoypngm48f7tjzam7     host-two   Down      Drain                           0.1.0            192.0.2.12
                """, NodeFormat.table(nodes, M));
    }

    @Test
    void nodeLsJsonIsOneObjectPerLine() {
        assertEquals("{\"Address\":\"192.0.2.12\",\"Availability\":\"Drain\",\"EngineVersion\":\"0.1.0\",\"Hostname\":\"host-two\","
                + "\"ID\":\"" + W + "\",\"ManagerStatus\":\"\",\"Self\":false,\"Status\":\"Down\"}",
                NodeFormat.jsonLines(nodes, M).lines().toList().get(1));
    }

    @Test
    void tableColumnsAreAtLeastTenWideWithThreeSpacesPadding() {
        assertEquals("A         B\nx         y\n", new Table("A", "B").row("x", "y").render());
        assertEquals("A              B\nlong-cell-12   y\n", new Table("A", "B").row("long-cell-12", "y").render());
        assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("only one"));
    }

    @Test
    void jsonEscapesAndNests() {
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("a", "x\"y\n");
        m.put("b", java.util.Arrays.asList(1, true, null));
        assertEquals("{\"a\":\"x\\\"y\\n\",\"b\":[1,true,null]}", Json.write(m));
        assertEquals("[\n    {\n        \"k\": \"v\"\n    }\n]", Json.pretty(List.of(Map.of("k", "v")), 4));
    }

    @Test
    void goDurations() {
        assertEquals(Duration.ofHours(2160), GoDuration.parse("2160h"));
        assertEquals(Duration.ofHours(2160), GoDuration.parse("2160h0m0s"));
        assertEquals(Duration.ofMinutes(90), GoDuration.parse("1h30m"));
        assertEquals(Duration.ofMillis(1500), GoDuration.parse("1s500ms"));
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("90 days"));
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("h"));
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(""));
    }

    @Test
    void daemonHostLikeDockerHost() {
        assertEquals(Path.of("/run/jswarm/jswarm.sock"), DaemonHost.resolve(null, null).socket());
        assertEquals(Path.of("/tmp/a.sock"), DaemonHost.resolve(null, "unix:///tmp/a.sock").socket());
        assertEquals(Path.of("/tmp/b.sock"), DaemonHost.resolve("unix:///tmp/b.sock", "unix:///tmp/a.sock").socket());
        assertThrows(IllegalArgumentException.class, () -> DaemonHost.parse("tcp://192.0.2.1:2375"));
        assertThrows(IllegalArgumentException.class, () -> DaemonHost.parse("unix://relative.sock"));
    }

    @Test
    void errorsAreOneDockerStyleLine() {
        DaemonHost h = DaemonHost.parse("unix:///tmp/x.sock");
        assertEquals("Cannot connect to the jswarm daemon at unix:///tmp/x.sock. Is the jswarm daemon running?",
                DaemonClient.message(Status.UNAVAILABLE.withDescription("io exception"), h, false));
        assertEquals("Error response from daemon: node x not found",
                DaemonClient.message(Status.NOT_FOUND.withDescription("node x not found"), h, true));
    }

    @Test
    void anUnavailableTheDaemonAnsweredWithIsNotACannotConnect() {
        DaemonHost h = DaemonHost.parse("unix:///tmp/x.sock");
        io.grpc.Metadata answered = new io.grpc.Metadata();
        answered.put(io.jswarm.agent.DaemonAnswered.KEY, "1");
        assertEquals("Error response from daemon: io exception",
                DaemonClient.message(Status.UNAVAILABLE.withDescription("io exception"), answered, h, true));
        io.grpc.Metadata manager = new io.grpc.Metadata();
        manager.merge(answered);
        manager.put(io.jswarm.agent.net.ManagerUnreachable.MANAGERS, "192.0.2.11:2377");
        assertEquals("Error: the swarm manager at 192.0.2.11:2377 is unreachable (Connection refused)",
                DaemonClient.message(Status.UNAVAILABLE.withDescription(
                        "the swarm manager at 192.0.2.11:2377 is unreachable (Connection refused)"), manager, h, true));
    }
}
