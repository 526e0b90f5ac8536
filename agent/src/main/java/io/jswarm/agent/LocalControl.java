package io.jswarm.agent;

import io.grpc.BindableService;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The daemon's Control service on an in-process gRPC server and channel, for the daemon's other front doors: the
 * Docker Engine API ({@link EngineEndpoint}) and the thin client's CLI socket (cli's {@code CliEndpoint}) call the
 * same service the jswarm CLI reaches on the control socket (no second code path: every decision stays in the
 * daemon). Each call runs on a virtual thread. The constructor starts nothing.
 */
final class LocalControl implements AutoCloseable {
    private final BindableService control;
    private ExecutorService calls;
    private Server server;
    private ManagedChannel channel;

    LocalControl(BindableService control) {
        this.control = control;
    }

    void start() throws IOException {
        String name = "jswarm-control-" + System.identityHashCode(this) + "-" + System.nanoTime();
        calls = Executors.newVirtualThreadPerTaskExecutor();
        server = InProcessServerBuilder.forName(name).executor(calls).addService(control).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    /** The in-process channel; valid from {@link #start} to {@link #close}. */
    Channel channel() {
        if (channel == null) {
            throw new IllegalStateException("not started");
        }
        return channel;
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
        ControlServer.stop(server);
        if (calls != null) {
            calls.shutdownNow();
        }
    }
}
