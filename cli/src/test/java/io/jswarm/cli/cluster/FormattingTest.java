package io.jswarm.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void severalManagersShowTheAnsweringManagersRaftView() {
        String b = "c".repeat(25);
        String c = "d".repeat(25);
        List<NodeInfo> three = List.of(
                nodes.getFirst().toBuilder().setLeader(false).setManagerStatus("Reachable").build(),
                NodeInfo.newBuilder().setId(b).setHostname("h2").setRole(Role.ROLE_MANAGER).setLeader(true)
                        .setManagerStatus("Leader").setStatus(NodeStatus.NODE_STATUS_READY).setEngineVersion("0.1.0")
                        .setAddr("192.0.2.12").setManagerAddr("192.0.2.12:2377").build(),
                NodeInfo.newBuilder().setId(c).setHostname("h3").setRole(Role.ROLE_MANAGER).setManagerStatus("Unreachable")
                        .setStatus(NodeStatus.NODE_STATUS_DOWN).setEngineVersion("0.1.0").setAddr("192.0.2.13")
                        .setManagerAddr("192.0.2.13:2377").build());
        assertEquals("""
                ID                            HOSTNAME   STATUS    AVAILABILITY   MANAGER STATUS   ENGINE VERSION   ADDRESS
                a7kwaq68ls1xri6rbc5sug8qk *   h1         Ready     Active         Reachable        0.1.0            192.0.2.11
                cccccccccccccccccccccccccc    h2         Ready     Active         Leader           0.1.0            192.0.2.12
                dddddddddddddddddddddddddd    h3         Down      Active         Unreachable      0.1.0            192.0.2.13
                """.replace("cccccccccccccccccccccccccc", b + " ").replace("dddddddddddddddddddddddddd", c + " "),
                NodeFormat.table(three, M));
        assertEquals(Map.of("Leader", true, "Reachability", "reachable", "Addr", "192.0.2.12:2377"),
                NodeFormat.inspect(three.get(1)).get("ManagerStatus"));
        assertEquals(Map.of("Leader", false, "Reachability", "unreachable", "Addr", "192.0.2.13:2377"),
                NodeFormat.inspect(three.get(2)).get("ManagerStatus"));
    }

    @Test
    void infoShowsTheLeaderAndTheQuorum() {
        var i = io.jswarm.proto.cluster.InfoResponse.newBuilder().setNodeId(M).setIsManager(true).setManagers(3)
                .setLeaderId(W).setLeaderAddr("192.0.2.12:2377").setHasQuorum(true).setReachableManagers(3).build();
        String text = InfoCommand.text(i);
        assertTrue(text.contains("  Managers: 3\n  Leader: " + W + " (192.0.2.12:2377)\n  Quorum: yes, 3 of 3 managers reachable\n"), text);
        String lost = InfoCommand.text(i.toBuilder().clearLeaderId().clearLeaderAddr().setHasQuorum(false).setReachableManagers(1).build());
        assertTrue(lost.contains("  Leader: none\n  Quorum: no (writes fail; reads may be stale), 1 of 3 managers reachable\n"), lost);
        assertEquals(false, InfoCommand.json(i.toBuilder().setHasQuorum(false).build()).get("Swarm") instanceof Map<?, ?> m
                ? m.get("Quorum") : null);
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
