package io.jswarm.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.PruneNetworksRequest;
import io.jswarm.proto.state.CreateNetwork;
import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.InitRequest;
import io.jswarm.proto.cluster.JoinTokenRequest;
import io.jswarm.proto.cluster.LeaveRequest;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.LocalJoinRequest;
import io.jswarm.proto.cluster.NodeInfo;
import io.jswarm.proto.cluster.NodeStatus;
import io.jswarm.proto.state.Role;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two daemons in this JVM on loopback, driven through their control sockets: init, join, restarts. No root needed. */
class DaemonTest {
    @TempDir
    Path dir;
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    Daemon manager;
    Daemon worker;

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.close();
        }
        if (manager != null) {
            manager.close();
        }
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    Daemon daemon(String name) throws Exception {
        Daemon d = new Daemon(new DaemonConfig(dir.resolve(name + ".sock"), dir.resolve(name), name,
                Duration.ofMillis(200), Duration.ofMillis(800), Duration.ofMillis(300)));
        d.start();
        return d;
    }

    <T> T call(String name, java.util.function.Function<ControlGrpc.ControlBlockingStub, T> rpc) {
        ManagedChannel ch = NettyChannelBuilder.forAddress(new DomainSocketAddress(dir.resolve(name + ".sock").toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext()
                .withOption(ChannelOption.SO_KEEPALIVE, null).build();
        try {
            return rpc.apply(ControlGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS));
        } finally {
            ch.shutdownNow();
        }
    }

    List<NodeInfo> awaitNodes(Predicate<List<NodeInfo>> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<NodeInfo> nodes;
        while (!condition.test(nodes = call("m", s -> s.listNodes(ListNodesRequest.getDefaultInstance())).getNodesList())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met; nodes: " + nodes);
            }
            Thread.sleep(50);
        }
        return nodes;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void initJoinRestartBothWithoutRejoining() throws Exception {
        manager = daemon("m");
        worker = daemon("w");
        String listen = "127.0.0.1:" + freePort();
        var init = call("m", s -> s.init(InitRequest.newBuilder().setListenAddr(listen).build()));
        assertEquals(listen, init.getManagerAddr(), "advertise address taken from a specific listen address");
        var e = assertThrows(StatusRuntimeException.class, () -> call("m", s -> s.init(InitRequest.getDefaultInstance())));
        assertTrue(e.getStatus().getDescription().startsWith("This node is already part of a swarm"));

        assertEquals(Daemon.NOT_IN_SWARM, assertThrows(StatusRuntimeException.class,
                () -> call("w", s -> s.listNodes(ListNodesRequest.getDefaultInstance()))).getStatus().getDescription());
        call("w", s -> s.join(LocalJoinRequest.newBuilder().setToken(init.getWorkerToken()).setRemoteAddr(listen).build()));
        List<NodeInfo> nodes = awaitNodes(ns -> ns.size() == 2 && ns.stream().allMatch(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY));
        String workerId = nodes.get(1).getId();
        assertTrue(assertThrows(StatusRuntimeException.class, () -> call("w", s -> s.joinToken(
                JoinTokenRequest.newBuilder().setRole(Role.ROLE_WORKER).build()))).getStatus().getDescription()
                .startsWith("This node is not a swarm manager. Worker nodes can't be used"));
        var winfo = call("w", s -> s.info(InfoRequest.getDefaultInstance()));
        assertEquals("active", winfo.getLocalNodeState());
        assertEquals(2, winfo.getNodes());

        // Worker restart: same identity, Ready again, no token needed.
        worker.close();
        awaitNodes(ns -> ns.get(1).getStatus() == NodeStatus.NODE_STATUS_DOWN);
        worker = daemon("w");
        awaitNodes(ns -> ns.size() == 2 && ns.get(1).getId().equals(workerId) && ns.get(1).getStatus() == NodeStatus.NODE_STATUS_READY);

        // Manager restart: same nodes and token; the worker comes back by itself.
        String token = call("m", s -> s.joinToken(JoinTokenRequest.newBuilder().setRole(Role.ROLE_WORKER).build())).getToken();
        manager.close();
        manager = daemon("m");
        awaitNodes(ns -> ns.size() == 2 && ns.stream().allMatch(n -> n.getStatus() == NodeStatus.NODE_STATUS_READY));
        assertEquals(token, call("m", s -> s.joinToken(JoinTokenRequest.newBuilder().setRole(Role.ROLE_WORKER).build())).getToken());

        assertEquals(Status.Code.FAILED_PRECONDITION, assertThrows(StatusRuntimeException.class,
                () -> call("m", s -> s.leave(LeaveRequest.getDefaultInstance()))).getStatus().getCode());
        call("w", s -> s.leave(LeaveRequest.getDefaultInstance()));
        assertEquals("inactive", call("w", s -> s.info(InfoRequest.getDefaultInstance())).getLocalNodeState());
    }

    @Test
    void networksThroughTheControlSocketsOfAManagerAndAWorker() throws Exception {
        manager = daemon("m");
        worker = daemon("w");
        assertEquals("This node is not part of a swarm", assertThrows(StatusRuntimeException.class,
                () -> call("w", s -> s.networkList(ListNetworksRequest.getDefaultInstance()))).getStatus().getDescription());
        String listen = "127.0.0.1:" + freePort();
        var init = call("m", s -> s.init(InitRequest.newBuilder().setListenAddr(listen).build()));
        call("w", s -> s.join(LocalJoinRequest.newBuilder().setToken(init.getWorkerToken()).setRemoteAddr(listen).build()));
        var created = call("m", s -> s.networkCreate(CreateNetworkRequest.newBuilder()
                .setSpec(CreateNetwork.newBuilder().setName("web").setAttachable(true)).build())).getNetwork();
        assertEquals(List.of(created), call("w", s -> s.networkList(ListNetworksRequest.getDefaultInstance()))
                .getNetworksList().stream().map(d -> d.getNetwork()).toList(), "a worker lists through the manager");
        // The change is pushed: the worker's session view carries the network.
        var session = ((Daemon.Mode.Worker) worker.mode()).session();
        JoinSecurityTest.await(() -> session.view().map(v -> v.getNetworksList().stream()
                .anyMatch(n -> n.getNetwork().equals(created))).orElse(false));
        var e = assertThrows(StatusRuntimeException.class, () -> call("w", s -> s.networkCreate(CreateNetworkRequest
                .newBuilder().setSpec(CreateNetwork.newBuilder().setName("x")).build())));
        assertTrue(e.getStatus().getDescription().startsWith("This node is not a swarm manager. Worker nodes can't be used"));
        assertEquals(Status.Code.FAILED_PRECONDITION, assertThrows(StatusRuntimeException.class, () -> call("w",
                s -> s.networkPrune(PruneNetworksRequest.getDefaultInstance()))).getStatus().getCode());
        // Issue 11: -o encrypted is kept; rotate-keys only on a manager (the first generation is made at start).
        assertTrue(call("m", s -> s.networkCreate(CreateNetworkRequest.newBuilder().setSpec(CreateNetwork.newBuilder()
                .setName("secret").setEncrypted(true)).build())).getNetwork().getEncrypted());
        assertEquals(2, call("m", s -> s.networkRotateKeys(io.jswarm.proto.cluster.RotateDataKeysRequest.getDefaultInstance()))
                .getGeneration());
        assertTrue(assertThrows(StatusRuntimeException.class, () -> call("w", s -> s.networkRotateKeys(
                io.jswarm.proto.cluster.RotateDataKeysRequest.getDefaultInstance()))).getStatus().getDescription()
                .startsWith("This node is not a swarm manager. Worker nodes can't be used"));
        // One rotation at a time is KeyRotationTest's (a hand-moved clock): here the agents acknowledge at once
        // (no encrypted endpoint, nothing to install), so generation 2 may already be promoted.
        assertEquals(List.of("secret", "web"), call("m", s -> s.networkPrune(PruneNetworksRequest.getDefaultInstance()))
                .getNamesList().stream().sorted().toList());
        assertEquals(0, call("w", s -> s.networkList(ListNetworksRequest.getDefaultInstance())).getNetworksCount());
    }
}
