package io.jswarm.agent;

import io.grpc.Channel;
import io.jswarm.engine.DockerApi;
import io.jswarm.engine.UnixHttpServer;
import io.jswarm.proto.cluster.ControlGrpc;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The Docker Engine API of the daemon (issue 13): {@code engine/}'s HTTP server on its own Unix socket,
 * calling the same {@link ControlService} the jswarm CLI reaches on the control socket, through the daemon's
 * {@link LocalControl} channel. The HTTP server owns its connection threads.
 */
final class EngineEndpoint implements AutoCloseable {
    private final Path socket;
    private UnixHttpServer http;

    EngineEndpoint(Path socket) {
        this.socket = socket;
    }

    void start(Channel control) throws IOException {
        http = new UnixHttpServer(socket, new DockerApi(ControlGrpc.newBlockingStub(control)),
                DockerApi.commonHeaders(Version.VALUE));
        try {
            http.start();
        } catch (IOException e) {
            close();
            throw new IOException("cannot serve the Docker Engine API on " + socket + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
    }
}
