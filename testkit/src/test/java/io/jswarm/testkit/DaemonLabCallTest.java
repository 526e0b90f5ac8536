package io.jswarm.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import io.jswarm.proto.cluster.ControlGrpc;
import io.jswarm.proto.cluster.InfoRequest;
import io.jswarm.proto.cluster.InfoResponse;
import io.jswarm.proto.cluster.MembersRequest;
import io.jswarm.proto.cluster.MembersResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DaemonLab#call} against a stand-in Control service on a Unix socket (no root, no daemon): an answer
 * comes back, a refusal and a missing socket surface as the call's {@link StatusRuntimeException}.
 */
class DaemonLabCallTest {

    @Test
    void callsTheControlServiceOnTheSocketAndSurfacesFailuresAsStatus(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("h1.sock");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(group).workerEventLoopGroup(group)
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .addService(new ControlGrpc.ControlImplBase() {
                    @Override
                    public void info(InfoRequest request, StreamObserver<InfoResponse> answer) {
                        answer.onNext(InfoResponse.newBuilder().setNodeId("n1").setLocalNodeState("active").build());
                        answer.onCompleted();
                    }

                    @Override
                    public void members(MembersRequest request, StreamObserver<MembersResponse> answer) {
                        answer.onError(Status.FAILED_PRECONDITION.withDescription("not in a swarm").asRuntimeException());
                    }
                }).build().start();
        try {
            InfoResponse info = DaemonLab.call(socket, s -> s.info(InfoRequest.getDefaultInstance()));
            assertEquals("n1", info.getNodeId());
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> DaemonLab.call(socket, s -> s.members(MembersRequest.getDefaultInstance())));
            assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
            assertEquals("not in a swarm", refused.getStatus().getDescription());
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
                () -> DaemonLab.call(dir.resolve("missing.sock"), s -> s.info(InfoRequest.getDefaultInstance())));
        assertEquals(Status.Code.UNAVAILABLE, gone.getStatus().getCode());
    }
}
