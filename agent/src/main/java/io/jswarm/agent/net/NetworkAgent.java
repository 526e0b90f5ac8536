package io.jswarm.agent.net;

import io.grpc.Status;
import io.jswarm.proto.cluster.NetworkAttachRequest;
import io.jswarm.proto.cluster.NetworkAttachResponse;
import io.jswarm.proto.cluster.NetworkConnectRequest;
import io.jswarm.proto.cluster.NetworkDetachRequest;
import io.jswarm.proto.cluster.NetworkDisconnectRequest;
import io.jswarm.proto.cluster.NetworkDisconnectResponse;
import io.jswarm.proto.cluster.NetworkInspectRequest;
import io.jswarm.proto.cluster.NetworkInspectResponse;

/** placeholder, replaced on merge (the real agent-side network handling is written on another branch). */
public final class NetworkAgent {
    public NetworkInspectResponse inspect(NetworkInspectRequest req) {
        throw Status.UNIMPLEMENTED.asRuntimeException();
    }

    public NetworkAttachResponse attach(NetworkAttachRequest req) {
        throw Status.UNIMPLEMENTED.asRuntimeException();
    }

    public NetworkAttachResponse connect(NetworkConnectRequest req) {
        throw Status.UNIMPLEMENTED.asRuntimeException();
    }

    public NetworkDisconnectResponse disconnect(NetworkDisconnectRequest req) {
        throw Status.UNIMPLEMENTED.asRuntimeException();
    }

    public NetworkDisconnectResponse detach(NetworkDetachRequest req) {
        throw Status.UNIMPLEMENTED.asRuntimeException();
    }
}
