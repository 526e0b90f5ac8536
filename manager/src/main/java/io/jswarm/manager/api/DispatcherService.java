package io.jswarm.manager.api;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.CreateNetworkRequest;
import io.jswarm.proto.cluster.DetachEndpointRequest;
import io.jswarm.proto.cluster.DetachEndpointResponse;
import io.jswarm.proto.cluster.DispatcherGrpc;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.cluster.ListNetworksResponse;
import io.jswarm.proto.cluster.NetworkResponse;
import io.jswarm.proto.cluster.OwnEndpointsRequest;
import io.jswarm.proto.cluster.OwnEndpointsResponse;
import io.jswarm.proto.cluster.PruneNetworksRequest;
import io.jswarm.proto.cluster.PruneNetworksResponse;
import io.jswarm.proto.cluster.ReleaseNodeEndpointsRequest;
import io.jswarm.proto.cluster.ReleaseNodeEndpointsResponse;
import io.jswarm.proto.cluster.RemoveNetworkRequest;
import io.jswarm.proto.cluster.RemoveNetworkResponse;
import io.jswarm.proto.cluster.JoinRequest;
import io.jswarm.proto.cluster.JoinResponse;
import io.jswarm.proto.cluster.ListNodesRequest;
import io.jswarm.proto.cluster.ListNodesResponse;
import io.jswarm.proto.cluster.RenewRequest;
import io.jswarm.proto.cluster.RenewResponse;
import io.jswarm.proto.cluster.SessionDownstream;
import io.jswarm.proto.cluster.SessionUpstream;
import java.security.cert.X509Certificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The manager API on 2377. Authentication and authorisation happen before, in {@link AuthInterceptor}. */
final class DispatcherService extends DispatcherGrpc.DispatcherImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(DispatcherService.class);

    private final ManagerNode manager;

    DispatcherService(ManagerNode manager) {
        this.manager = manager;
    }

    @Override
    public void join(JoinRequest req, StreamObserver<JoinResponse> out) {
        java.net.SocketAddress remote = AuthInterceptor.REMOTE.get();
        unary(out, () -> {
            manager.joinGate().check(req.getSerializedSize(), remote); // size and rate, before any work
            return manager.joins().join(req, remote);
        });
    }

    @Override
    public StreamObserver<SessionUpstream> session(StreamObserver<SessionDownstream> responseObserver) {
        Caller caller = Caller.current();
        var out = (ServerCallStreamObserver<SessionDownstream>) responseObserver;
        SessionRegistry registry = manager.sessions();
        SessionRegistry.Session s = registry.open(caller.nodeId(), out);
        out.setOnCancelHandler(() -> registry.closed(s, "cancelled"));
        out.setOnReadyHandler(s::ready);
        s.sendView(ViewPages.split(manager.view(), ViewPages.PAGE_BYTES));
        manager.keyService().changedSoon(); // this session's first DataKeys, from the keys thread
        return new StreamObserver<>() {
            @Override
            public void onNext(SessionUpstream value) {
                registry.touch(s);
                manager.keyService().installed(caller.nodeId(), value.getInstalledKeysIndex());
            }

            @Override
            public void onError(Throwable t) {
                registry.closed(s, "stream broken: " + Status.fromThrowable(t).getCode());
            }

            @Override
            public void onCompleted() {
                registry.closed(s, "closed by agent");
            }
        };
    }

    @Override
    public void renewCertificate(RenewRequest req, StreamObserver<RenewResponse> out) {
        Caller caller = Caller.current();
        try {
            X509Certificate cert = manager.joins().renew(caller.nodeId(), req.getCsrDer().toByteArray());
            LOG.info("certificate renewed node={} expires={}", caller.nodeId(), cert.getNotAfter().toInstant());
            out.onNext(RenewResponse.newBuilder().setCertificateDer(ByteString.copyFrom(cert.getEncoded())).build());
            out.onCompleted();
        } catch (StatusRuntimeException e) {
            out.onError(e);
        } catch (IllegalArgumentException | java.security.cert.CertificateEncodingException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public void listNodes(ListNodesRequest req, StreamObserver<ListNodesResponse> out) {
        out.onNext(manager.listNodes());
        out.onCompleted();
    }

    // ---- networks: one door for remote callers and the manager's own node (ManagerApi authorises) ----

    @Override
    public void createNetwork(CreateNetworkRequest req, StreamObserver<NetworkResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> manager.api().createNetwork(caller, req));
    }

    @Override
    public void removeNetwork(RemoveNetworkRequest req, StreamObserver<RemoveNetworkResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> manager.api().removeNetwork(caller, req));
    }

    @Override
    public void pruneNetworks(PruneNetworksRequest req, StreamObserver<PruneNetworksResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> manager.api().pruneNetworks(caller));
    }

    @Override
    public void listNetworks(ListNetworksRequest req, StreamObserver<ListNetworksResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> manager.api().listNetworks(caller, req));
    }

    @Override
    public void attachEndpoint(AttachEndpointRequest req, StreamObserver<AttachEndpointResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> manager.api().attach(caller, req));
    }

    @Override
    public void detachEndpoint(DetachEndpointRequest req, StreamObserver<DetachEndpointResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> {
            manager.api().detach(caller, req);
            return DetachEndpointResponse.getDefaultInstance();
        });
    }

    @Override
    public void ownEndpoints(OwnEndpointsRequest req, StreamObserver<OwnEndpointsResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> manager.api().ownEndpoints(caller, req));
    }

    @Override
    public void releaseNodeEndpoints(ReleaseNodeEndpointsRequest req, StreamObserver<ReleaseNodeEndpointsResponse> out) {
        Caller caller = Caller.current(); // the node is the certificate's: the request names none
        unary(out, () -> manager.api().releaseOwnEndpoints(caller));
    }

    @Override
    public void rotateDataKeys(io.jswarm.proto.cluster.RotateDataKeysRequest req,
                               StreamObserver<io.jswarm.proto.cluster.RotateDataKeysResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> manager.api().rotateDataKeys(caller, req));
    }

    @Override
    public void requestKeyRotation(io.jswarm.proto.cluster.RequestKeyRotationRequest req,
                                   StreamObserver<io.jswarm.proto.cluster.RequestKeyRotationResponse> out) {
        Caller caller = Caller.current(); // rate-limited by the manager, whoever asks
        unary(out, () -> manager.api().requestKeyRotation(caller, req));
    }

    // ---- issue 12: address leases (the node is the caller's certificate's; LeaseApi has the rules) ----

    @Override
    public void leaseGrant(io.jswarm.proto.cluster.LeaseGrantRequest req,
                           StreamObserver<io.jswarm.proto.cluster.LeaseGrantResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> manager.api().leaseGrant(caller, req));
    }

    @Override
    public void leaseClaim(io.jswarm.proto.cluster.LeaseClaimRequest req,
                           StreamObserver<io.jswarm.proto.cluster.LeaseClaimResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> manager.api().leaseClaim(caller, req));
    }

    @Override
    public void leaseReturn(io.jswarm.proto.cluster.LeaseReturnRequest req,
                            StreamObserver<io.jswarm.proto.cluster.LeaseReturnResponse> out) {
        Caller caller = Caller.current();
        unary(out, () -> manager.api().leaseReturn(caller, req));
    }

    @Override
    public void managerCredentials(io.jswarm.proto.cluster.ManagerCredentialsRequest req,
                                   StreamObserver<io.jswarm.proto.cluster.ManagerCredentialsResponse> out) {
        Caller caller = Caller.current(); // a promoted node: the state, not its certificate, says manager
        unary(out, () -> manager.promotions().credentials(caller, req));
    }

    /** Answers a unary call; a refusal travels as its status, a bad argument as INVALID_ARGUMENT. */
    private static <T> void unary(StreamObserver<T> out, java.util.function.Supplier<T> call) {
        T value;
        try {
            value = call.get();
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        out.onNext(value);
        out.onCompleted();
    }
}
