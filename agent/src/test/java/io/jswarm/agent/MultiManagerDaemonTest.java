package io.jswarm.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.jswarm.proto.cluster.ControlGrpc;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.DemoteNodeRequest;
import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.JoinTokenRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.cluster.PromoteNodeRequest;
import io.jswarm.proto.cluster.RemoveNodeRequest;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.state.Role;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 (test family jsmgr): real daemons in this JVM on loopback, each with its own control socket, data
 * root and run directory, their managers replicating over real Ratis servers with mutual TLS: three managers
 * by {@code join --token <manager token>} (one through a follower), {@code node ls} on every one, a worker
 * promoted and demoted again, the leader stopped and a new one elected, the lost manager demoted and removed.
 */
class MultiManagerDaemonTest {
    @TempDir
    Path dir;
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    final Map<String, Daemon> daemons = new LinkedHashMap<>();
    final Map<String, String> listen = new LinkedHashMap<>();

    @AfterEach
    void stop() {
        List<String> names = new ArrayList<>(daemons.keySet());
        java.util.Collections.reverse(names);
        for (String n : names) {
            daemons.get(n).close();
        }
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    Daemon daemon(String name) throws Exception {
        listen.put(name, "127.0.0.1:" + freePortPair());
        return restart(name);
    }

    /** Starts (again) the daemon {@code name} on its data root: it resumes whatever its state.pb says. */
    Daemon restart(String name) throws Exception {
        Daemon d = new Daemon(new DaemonConfig(dir.resolve(name + ".sock"), dir.resolve(name), "jsmgr-" + name,
                Duration.ofMillis(200), Duration.ofMillis(800), Duration.ofMillis(300))
                .withExecRoot(dir.resolve(name + "-run")));
        d.start();
        daemons.put(name, d);
        return d;
    }

    <T> T call(String name, java.util.function.Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        ManagedChannel ch = NettyChannelBuilder.forAddress(new DomainSocketAddress(dir.resolve(name + ".sock").toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext()
                .withOption(ChannelOption.SO_KEEPALIVE, null).build();
        try {
            return rpc.apply(ControlGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS));
        } finally {
            ch.shutdownNow();
        }
    }

    List<NodeInfo> nodes(String on) {
        return call(on, s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList();
    }

    /** Polls {@code node ls} on {@code on} (errors count as not yet) until {@code condition} holds. */
    List<NodeInfo> awaitNodes(String on, Predicate<List<NodeInfo>> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<NodeInfo> nodes = List.of();
        while (true) {
            try {
                nodes = nodes(on);
                if (condition.test(nodes)) {
                    return nodes;
                }
            } catch (StatusRuntimeException e) {
                // not a manager yet, or no state yet
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met on " + on + "; nodes: " + summary(nodes));
            }
            Thread.sleep(100);
        }
    }

    static String summary(List<NodeInfo> nodes) {
        return nodes.stream().map(n -> n.getHostname() + "/" + n.getRole() + "/" + n.getStatus() + "/" + n.getManagerStatus())
                .toList().toString();
    }

    static long count(List<NodeInfo> nodes, String managerStatus) {
        return nodes.stream().filter(n -> n.getManagerStatus().equals(managerStatus)).count();
    }

    static NodeInfo named(List<NodeInfo> nodes, String name) {
        return nodes.stream().filter(n -> n.getHostname().equals("jsmgr-" + name)).findFirst().orElseThrow();
    }

    /** A port whose successor is free too (the manager's Raft server listens on the API port + 1). */
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

    /** m1 inits; m2 joins through m1 and m3 through m2 (a follower) with the manager token. */
    void threeManagers() throws Exception {
        for (String n : List.of("m1", "m2", "m3")) {
            daemon(n);
        }
        call("m1", s -> s.init(InitRequest.newBuilder().setListenAddr(listen.get("m1")).build()));
        String token = call("m1", s -> s.joinToken(JoinTokenRequest.newBuilder().setRole(Role.ROLE_MANAGER).build())).getToken();
        var r2 = call("m2", s -> s.join(LocalJoinRequest.newBuilder().setToken(token).setRemoteAddr(listen.get("m1"))
                .setListenAddr(listen.get("m2")).build()));
        assertEquals(Role.ROLE_MANAGER, r2.getRole());
        awaitNodes("m2", ns -> ns.size() == 2 && count(ns, "Leader") == 1 && count(ns, "Reachable") == 1);
        var r3 = call("m3", s -> s.join(LocalJoinRequest.newBuilder().setToken(token).setRemoteAddr(listen.get("m2"))
                .setListenAddr(listen.get("m3")).build()));
        assertEquals(Role.ROLE_MANAGER, r3.getRole());
        for (String n : List.of("m1", "m2", "m3")) {
            awaitNodes(n, ns -> ns.size() == 3 && count(ns, "Leader") == 1 && count(ns, "Reachable") == 2
                    && ns.stream().allMatch(x -> x.getStatus() == NodeStatus.NODE_STATUS_READY));
        }
    }

    @Test
    void threeManagersByTokenAnswerEverywhereAndSurviveTheLossOfTheLeader() throws Exception {
        threeManagers();
        // Every manager agrees on who leads, and its own files are a manager's (owner-only CA key, Raft log).
        String leader = nodes("m3").stream().filter(NodeInfo::getLeader).findFirst().orElseThrow().getHostname();
        for (String n : List.of("m1", "m2")) {
            assertEquals(leader, nodes(n).stream().filter(NodeInfo::getLeader).findFirst().orElseThrow().getHostname());
        }
        Path ca = dir.resolve("m3").resolve("swarm").resolve("ca");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(ca.resolve("ca.key"))));
        var info = call("m2", s -> s.info(InfoRequest.getDefaultInstance()));
        assertEquals(3, info.getManagers());
        assertTrue(info.getHasQuorum());
        assertEquals(3, info.getReachableManagers());
        assertFalse(info.getLeaderId().isEmpty());
        // A write through a follower is committed and seen everywhere.
        String follower = leader.equals("jsmgr-m1") ? "m2" : "m1";
        call(follower, s -> s.networkCreate(CreateNetworkRequest.newBuilder()
                .setSpec(CreateNetwork.newBuilder().setName("jsmgr-web").setAttachable(true)).build()));

        // The leader stops: the two others elect one of them, show the old one Unreachable, and keep taking writes.
        String lost = leader.substring("jsmgr-".length());
        daemons.remove(lost).close();
        List<String> alive = new ArrayList<>(List.of("m1", "m2", "m3"));
        alive.remove(lost);
        long t0 = System.nanoTime();
        String next = awaitNodes(alive.getFirst(), ns -> count(ns, "Leader") == 1 && !named(ns, lost).getLeader())
                .stream().filter(NodeInfo::getLeader).findFirst().orElseThrow().getHostname();
        long electedMillis = (System.nanoTime() - t0) / 1_000_000;
        assertNotEquals(leader, next);
        for (String n : alive) {
            awaitNodes(n, ns -> named(ns, next.substring("jsmgr-".length())).getLeader());
        }
        // The new leader hears no answer from the old one: Unreachable, Down. (A follower judges managers other than
        // its leader by gossip, which these loopback daemons do not run: it is not asserted here.)
        awaitNodes(next.substring("jsmgr-".length()), ns -> named(ns, lost).getManagerStatus().equals("Unreachable")
                && named(ns, lost).getStatus() == NodeStatus.NODE_STATUS_DOWN);
        System.out.println("jsmgr: new leader " + next + " seen on " + alive.getFirst() + " " + electedMillis + " ms after the old one stopped");
        call(alive.get(1), s -> s.networkCreate(CreateNetworkRequest.newBuilder()
                .setSpec(CreateNetwork.newBuilder().setName("jsmgr-after").setAttachable(true)).build()));

        // A manager is never removed as it is; demoting the unreachable one (a lost disk) works, then rm.
        String lostId = named(nodes(alive.getFirst()), lost).getId();
        assertEquals(Status.Code.FAILED_PRECONDITION, assertThrows(StatusRuntimeException.class, () -> call(alive.getFirst(),
                s -> s.removeNode(RemoveNodeRequest.newBuilder().setNode(lostId).setForce(true).build()))).getStatus().getCode());
        assertTrue(call(alive.getFirst(), s -> s.demoteNode(DemoteNodeRequest.newBuilder().setNode(lostId).build())).getChanged());
        for (String n : alive) {
            awaitNodes(n, ns -> named(ns, lost).getRole() == Role.ROLE_WORKER && count(ns, "Leader") == 1
                    && count(ns, "Reachable") == 1 && count(ns, "Unreachable") == 0);
        }
        // It comes back with a log that still names it a voter: no one answers it, it asks, and becomes a worker.
        Daemon back = restart(lost);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(back.mode() instanceof Daemon.Mode.Worker)) {
            assertTrue(System.nanoTime() < deadline, "the manager demoted while it was down became a worker");
            Thread.sleep(100);
        }
        assertFalse(Files.exists(dir.resolve(lost).resolve("swarm").resolve("ca")), "without the CA key");
        for (String n : alive) {
            awaitNodes(n, ns -> count(ns, "Leader") == 1 && count(ns, "Reachable") == 1 && count(ns, "Unreachable") == 0
                    && named(ns, lost).getRole() == Role.ROLE_WORKER);
        }
        call(alive.getFirst(), s -> s.removeNode(RemoveNodeRequest.newBuilder().setNode(lostId).setForce(true).build()));
        awaitNodes(alive.get(1), ns -> ns.size() == 2);
    }

    @Test
    void aWorkerIsPromotedToAVotingManagerAndDemotedBackToAWorkerWithoutItsKeys() throws Exception {
        threeManagers();
        daemon("w");
        String workerToken = call("m1", s -> s.joinToken(JoinTokenRequest.newBuilder().setRole(Role.ROLE_WORKER).build()))
                .getToken();
        call("w", s -> s.join(LocalJoinRequest.newBuilder().setToken(workerToken).setRemoteAddr(listen.get("m1"))
                .setListenAddr(listen.get("w")).build()));
        awaitNodes("m1", ns -> ns.size() == 4 && named(ns, "w").getStatus() == NodeStatus.NODE_STATUS_READY);
        // Its session is with one manager; the others must not call it Down only for that (no gossip here).
        for (String n : List.of("m2", "m3")) {
            assertNotEquals(NodeStatus.NODE_STATUS_DOWN, named(nodes(n), "w").getStatus(), "on " + n);
        }
        Path swarm = dir.resolve("w").resolve("swarm");
        Path saved = swarm.resolve("state.pb");
        JoinSecurityTest.await(() -> {
            try {
                return io.jswarm.proto.cluster.LocalNodeState.parseFrom(Files.readAllBytes(saved)).getManagerAddrsCount() == 3;
            } catch (java.io.IOException ex) {
                return false;
            }
        });

        String wid = named(nodes("m2"), "w").getId();
        assertTrue(call("m2", s -> s.promoteNode(PromoteNodeRequest.newBuilder().setNode(wid).build())).getChanged());
        for (String n : List.of("m1", "m3")) {
            awaitNodes(n, ns -> ns.size() == 4 && count(ns, "Leader") == 1 && count(ns, "Reachable") == 3);
        }
        JoinSecurityTest.await(() -> daemons.get("w").mode() instanceof Daemon.Mode.Manager);
        assertTrue(Files.exists(swarm.resolve("ca").resolve("ca.key")), "a manager holds the CA key");
        awaitNodes("w", ns -> ns.size() == 4 && count(ns, "Leader") == 1);

        assertTrue(call("m3", s -> s.demoteNode(DemoteNodeRequest.newBuilder().setNode(wid).build())).getChanged());
        awaitNodes("m1", ns -> named(ns, "w").getRole() == Role.ROLE_WORKER && count(ns, "Leader") == 1
                && count(ns, "Reachable") == 2);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(daemons.get("w").mode() instanceof Daemon.Mode.Worker)) {
            assertTrue(System.nanoTime() < deadline, "the demoted node became a worker");
            Thread.sleep(100);
        }
        assertFalse(Files.exists(swarm.resolve("ca")), "the demoted node's CA key and seal key are gone");
        assertFalse(Files.exists(swarm.resolve("raft")), "and its Raft log");
        awaitNodes("m1", ns -> named(ns, "w").getStatus() == NodeStatus.NODE_STATUS_READY);
        assertEquals(io.jswarm.encryption.Role.WORKER, io.jswarm.encryption.NodeIdentity.load(swarm.resolve("certificates")).role());
    }
}
