package io.jswarm.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.agent.Daemon;
import io.jswarm.agent.DaemonConfig;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.JoinTokenRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.state.Role;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 12 (family jsmgr), as a user reads it: two managers (real daemons in this JVM, Ratis on loopback), one
 * stopped, so the other has no quorum: {@code node ls} still answers, with the stale warning on stderr and the
 * table on stdout; {@code info} says there is no leader and no quorum; a write fails at once with Docker's text.
 */
class LostQuorumCliTest {
    @TempDir
    Path dir;
    private Daemon m1;
    private Daemon m2;

    @CommandLine.Command(name = "jswarm")
    static final class Top implements Runnable {
        @Override
        public void run() {
        }
    }

    @AfterEach
    void stop() {
        if (m2 != null) {
            m2.close();
        }
        if (m1 != null) {
            m1.close();
        }
    }

    @Test
    void aManagerWithoutQuorumAnswersReadsFlaggedAndRefusesWritesAtOnce() throws Exception {
        m1 = daemon("m1");
        m2 = daemon("m2");
        String a1 = "127.0.0.1:" + freePortPair();
        String a2 = "127.0.0.1:" + freePortPair();
        String h1 = "unix://" + dir.resolve("m1.sock");
        try (DaemonClient c1 = new DaemonClient(DaemonHost.parse(h1));
             DaemonClient c2 = new DaemonClient(DaemonHost.parse("unix://" + dir.resolve("m2.sock")))) {
            c1.call(s -> s.init(InitRequest.newBuilder().setListenAddr(a1).build()));
            String token = c1.call(s -> s.joinToken(JoinTokenRequest.newBuilder().setRole(Role.ROLE_MANAGER).build())).getToken();
            c2.call(Duration.ofSeconds(60), s -> s.join(LocalJoinRequest.newBuilder().setToken(token).setRemoteAddr(a1)
                    .setListenAddr(a2).build()));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (c1.call(s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList().stream()
                    .filter(n -> n.getManagerStatus().equals("Reachable") || n.getManagerStatus().equals("Leader")).count() < 2) {
                assertTrue(System.nanoTime() < deadline, "two voting managers");
                Thread.sleep(100);
            }
        }
        String[] ok = run("-H", h1, "node", "ls");
        assertEquals("0", ok[0], ok[2]);
        assertEquals("", ok[2], "with a quorum: no warning");

        m2.close();
        m2 = null;
        // One of two: no majority. Within an election timeout m1 knows no leader.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String[] info;
        while (!(info = run("-H", h1, "info"))[1].contains("  Leader: none\n")) {
            assertTrue(System.nanoTime() < deadline, "no leader: " + info[1]);
            Thread.sleep(200);
        }
        assertTrue(info[1].contains("  Quorum: no (writes fail; reads may be stale), 1 of 2 managers reachable"), info[1]);

        String[] ls = run("-H", h1, "node", "ls");
        assertEquals("0", ls[0], ls[2]);
        assertEquals(NodeCommand.STALE + "\n", ls[2], "the warning, on stderr");
        assertEquals(3, ls[1].lines().count(), "and the table on stdout: " + ls[1]);
        assertTrue(ls[1].contains(" Unreachable "), ls[1]);

        long t0 = System.nanoTime();
        String[] create = run("-H", h1, "network", "create", "-d", "overlay", "jsmgr-lost");
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("1", create[0], create[1]);
        assertTrue(create[2].contains("The swarm does not have a leader. It's possible that too few managers are online."),
                create[2]);
        assertTrue(took < 5000, "a write without quorum fails fast, took " + took + " ms");
        System.out.println("jsmgr: write without quorum refused after " + took + " ms: " + create[2].strip());

        // A join through the manager without quorum: its answer, not "could not connect", and nothing is left behind.
        Daemon w = daemon("w");
        try (DaemonClient c1 = new DaemonClient(DaemonHost.parse(h1));
             DaemonClient cw = new DaemonClient(DaemonHost.parse("unix://" + dir.resolve("w.sock")))) {
            String token = c1.call(s -> s.joinToken(JoinTokenRequest.newBuilder().setRole(Role.ROLE_WORKER).build())).getToken();
            var e = org.junit.jupiter.api.Assertions.assertThrows(DaemonClient.Failure.class, () -> cw.call(Duration.ofSeconds(60),
                    s -> s.join(LocalJoinRequest.newBuilder().setToken(token).setRemoteAddr(a1).build())));
            assertTrue(e.getMessage().contains("The swarm does not have a leader") && !e.getMessage().contains("could not connect"),
                    e.getMessage());
            assertEquals("inactive", cw.call(s -> s.info(io.jswarm.proto.cluster.InfoRequest.getDefaultInstance()))
                    .getLocalNodeState());
        } finally {
            w.close();
        }
    }

    private Daemon daemon(String name) throws Exception {
        Daemon d = new Daemon(new DaemonConfig(dir.resolve(name + ".sock"), dir.resolve(name), "jsmgr-" + name,
                Duration.ofMillis(200), Duration.ofMillis(800), Duration.ofMillis(300))
                .withExecRoot(dir.resolve(name + "-run")));
        d.start();
        return d;
    }

    static int freePortPair() throws Exception {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket a = new ServerSocket(0)) {
                int p = a.getLocalPort();
                if (p < 65535) {
                    try (ServerSocket b = new ServerSocket(p + 1)) {
                        return p;
                    } catch (java.io.IOException taken) {
                        // try another
                    }
                }
            }
        }
        throw new IllegalStateException("no free port pair");
    }

    private String[] run(String... args) {
        CommandLine cl = ClusterCommands.register(new CommandLine(new Top()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new String[]{String.valueOf(rc), out.toString(), err.toString()};
    }
}
