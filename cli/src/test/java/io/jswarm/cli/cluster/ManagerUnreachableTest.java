package io.jswarm.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.agent.Daemon;
import io.jswarm.agent.DaemonConfig;
import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.LocalJoinRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI against a worker daemon whose manager is down: the daemon answers, so the CLI must say that the
 * manager is unreachable (quickly), never "Cannot connect to the jswarm daemon"; that text stays for a local
 * socket nobody serves. Real daemons in this JVM on loopback, no root needed.
 */
class ManagerUnreachableTest {
    @TempDir
    Path dir;
    private Daemon manager;
    private Daemon worker;
    private String managerAddr;
    private String workerSock;
    private ServerSocket silent;
    private final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>(); // accept thread adds

    @CommandLine.Command(name = "jswarm")
    static final class Top implements Runnable {
        @Override
        public void run() {
        }
    }

    @BeforeEach
    void cluster() throws Exception {
        manager = daemon("m");
        worker = daemon("w");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        managerAddr = "127.0.0.1:" + port;
        workerSock = "unix://" + dir.resolve("w.sock");
        try (DaemonClient m = new DaemonClient(DaemonHost.parse("unix://" + dir.resolve("m.sock")));
             DaemonClient w = new DaemonClient(DaemonHost.parse(workerSock))) {
            var init = m.call(s -> s.init(InitRequest.newBuilder().setListenAddr(managerAddr).build()));
            w.call(s -> s.join(LocalJoinRequest.newBuilder().setToken(init.getWorkerToken()).setRemoteAddr(managerAddr)
                    .build()));
            awaitWorkerState(w, "active");
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (worker != null) {
            worker.close();
        }
        if (manager != null) {
            manager.close();
        }
        if (silent != null) {
            silent.close();
        }
        for (Socket s : accepted) {
            s.close();
        }
    }

    @Test
    void aStoppedManagerIsReportedAsUnreachableNotAsAMissingDaemon() throws Exception {
        manager.close();
        manager = null;

        for (String[] r : List.of(run("-H", workerSock, "network", "ls"),
                run("-H", workerSock, "network", "attach", "web", "--name", "jsroute-cli-" + ProcessHandle.current().pid()))) {
            assertEquals("1", r[0], r[2]);
            assertEquals(1, r[2].strip().lines().count(), r[2]);
            assertTrue(r[2].startsWith("Error: the swarm manager at " + managerAddr + " is unreachable ("), r[2]);
            System.out.println("stopped manager: " + r[2].strip());
        }
    }

    @Test
    void aManagerThatAcceptsButNeverAnswersFailsWithinAFewSeconds() throws Exception {
        // A hung manager (SIGSTOP, or a host whose packets vanish after connect): TCP connects, TLS never answers.
        manager.close();
        manager = null;
        silent = new ServerSocket();
        silent.setReuseAddress(true);
        silent.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(managerAddr.split(":")[1])));
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    accepted.add(silent.accept());
                }
            } catch (java.io.IOException closed) {
                // test over
            }
        });
        try (DaemonClient w = new DaemonClient(DaemonHost.parse(workerSock))) {
            awaitWorkerState(w, "pending"); // the session noticed the silence
        }

        long start = System.nanoTime();
        String[] r = run("-H", workerSock, "network", "ls");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertEquals("1", r[0], r[2]);
        assertTrue(r[2].startsWith("Error: the swarm manager at " + managerAddr + " is unreachable ("), r[2]);
        // Not the 10 s a reachable manager is given: with the session down the daemon does not wait that long.
        assertTrue(took.compareTo(Duration.ofSeconds(8)) < 0, "took " + took);
        System.out.println("hung manager reported after ms=" + took.toMillis() + ": " + r[2].strip());
    }

    @Test
    void aLocalSocketNobodyServesStillSaysCannotConnect() throws Exception {
        String missing = "unix://" + dir.resolve("none.sock");
        Path stale = dir.resolve("stale.sock"); // a crashed daemon's leftover: the file exists, nobody listens
        try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(java.net.UnixDomainSocketAddress.of(stale));
        }
        assertTrue(Files.exists(stale));
        for (String host : List.of(missing, "unix://" + stale)) {
            String[] r = run("-H", host, "network", "ls");
            assertEquals("1", r[0]);
            assertEquals("Cannot connect to the jswarm daemon at " + host + ". Is the jswarm daemon running?",
                    r[2].strip());
        }
    }

    private Daemon daemon(String name) throws Exception {
        Daemon d = new Daemon(new DaemonConfig(dir.resolve(name + ".sock"), dir.resolve(name), name,
                Duration.ofMillis(200), Duration.ofMillis(800), Duration.ofMillis(300))
                .withExecRoot(dir.resolve(name + "-run")));
        d.start();
        return d;
    }

    private static void awaitWorkerState(DaemonClient w, String state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String now;
        while (!(now = w.call(s -> s.info(InfoRequest.getDefaultInstance())).getLocalNodeState()).equals(state)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("worker state " + now + ", want " + state);
            }
            Thread.sleep(50);
        }
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
