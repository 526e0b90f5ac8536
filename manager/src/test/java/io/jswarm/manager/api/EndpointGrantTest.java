package io.jswarm.manager.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.jswarm.encryption.CertificateAuthority;
import io.jswarm.encryption.Grants;
import io.jswarm.proto.cluster.AttachEndpointRequest;
import io.jswarm.proto.cluster.AttachEndpointResponse;
import io.jswarm.proto.cluster.ListNetworksRequest;
import io.jswarm.proto.table.EndpointGrant;
import io.jswarm.vxlan.IpPrefix;
import java.net.InetAddress;
import java.security.KeyPair;
import java.util.List;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9: at attach the manager signs what it decided (the grant) with the cluster CA key. */
class EndpointGrantTest {
    private final KeyPair key = CertificateAuthority.newKeyPair();
    private final NetworkApiTest base = new NetworkApiTest();
    @TempDir
    Path dir;
    private ManagerApi api;
    private ManagerNode m;

    @BeforeEach
    void open() throws Exception {
        base.dir = dir;
        base.open();
        api = base.api;
        m = base.m;
    }

    @AfterEach
    void close() throws Exception {
        base.close();
    }

    private AttachEndpointResponse attachWithKey(Caller caller, String net, String name, ByteString ownerKey) {
        return api.attach(caller, AttachEndpointRequest.newBuilder().setNetwork(net).setName(name)
                .addAliases("alias-" + name).setOwnerKey(ownerKey).build());
    }

    @Test
    void theGrantSaysWhatTheManagerDecidedAndVerifiesAgainstTheCa() throws Exception {
        base.create("att", true);
        ByteString pub = ByteString.copyFrom(key.getPublic().getEncoded());
        AttachEndpointResponse first = attachWithKey(base.worker, "att", "box", pub);
        AttachEndpointResponse second = attachWithKey(base.other, "att", "box2", pub);
        var sg = first.getGrant();
        assertTrue(Grants.verifyGrant(m.ca().certificate().getPublicKey(), sg.getGrant().toByteArray(),
                sg.getCaSignature().toByteArray()));
        EndpointGrant g = EndpointGrant.parseFrom(sg.getGrant());
        var e = first.getEndpoint();
        assertEquals(first.getNetwork().getNetworkId(), g.getNetworkId());
        assertEquals(e.getEndpointId(), g.getEndpointId());
        assertEquals(NetworkApiTest.WORKER, g.getOwnerNode());
        assertEquals("box", g.getName());
        assertEquals(List.of("alias-box"), g.getAliasesList());
        InetAddress ip = IpPrefix.parseAddress(e.getAddress());
        assertEquals(ByteString.copyFrom(ip.getAddress()), g.getIp());
        byte[] a = ip.getAddress();
        assertEquals(String.format("02:42:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3]), g.getMac());
        assertEquals(pub, g.getOwnerKey());
        long later = EndpointGrant.parseFrom(second.getGrant().getGrant()).getAllocationIndex();
        assertTrue(g.getAllocationIndex() > 0 && later > g.getAllocationIndex(), "the allocation index only grows");
        // a tampered grant does not verify
        byte[] bad = sg.getGrant().toByteArray();
        bad[bad.length - 1] ^= 1;
        assertFalse(Grants.verifyGrant(m.ca().certificate().getPublicKey(), bad, sg.getCaSignature().toByteArray()));
    }

    @Test
    void aKeyThatIsNoPublicKeyIsRefusedAndChangesNothing() {
        base.create("att", true);
        Status s = NetworkApiTest.status(() -> attachWithKey(base.worker, "att", "box", ByteString.copyFromUtf8("not a key")));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
        assertEquals(0, api.listNetworks(base.self, ListNetworksRequest.getDefaultInstance()).getNetworks(0)
                .getEndpointsCount());
    }

    @Test
    void withoutAKeyNoGrant() {
        base.create("att", true);
        assertFalse(attachWithKey(base.worker, "att", "box", ByteString.EMPTY).hasGrant());
    }
}
