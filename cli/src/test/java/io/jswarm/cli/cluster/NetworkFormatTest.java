package io.jswarm.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jswarm.proto.cluster.LocalEndpoint;
import io.jswarm.proto.cluster.NetworkAttachResponse;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.proto.cluster.NetworkPeer;
import io.jswarm.proto.cluster.PruneNetworksResponse;
import io.jswarm.proto.cluster.TableEndpoint;
import io.jswarm.proto.state.Network;
import java.io.BufferedReader;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkFormatTest {
    static final long CREATED = Instant.parse("2026-11-23T03:00:00.123Z").toEpochMilli();
    final Network web = Network.newBuilder().setNetworkId("k3xv0fqbd3n8s2lh0r9w1c7ma").setName("web")
            .setSubnet("10.0.1.0/24").setGateway("10.0.1.1").setIpRange("10.0.1.0/24").setVni(4098)
            .setCreatedAtMillis(CREATED).putLabels("team", "a").build();
    final Network backend = Network.newBuilder().setNetworkId("a1b2c3d4e5f6g7h8i9j0k1l2m").setName("backend")
            .setSubnet("10.0.0.0/24").setGateway("10.0.0.1").setIpRange("10.0.0.128/25").setVni(4097).setMtu(1400)
            .setAttachable(true).setCreatedAtMillis(CREATED).build();

    @Test
    void lsLooksLikeDockersSortedByName() {
        assertEquals("""
                NETWORK ID     NAME      DRIVER    SCOPE
                a1b2c3d4e5f6   backend   overlay   swarm
                k3xv0fqbd3n8   web       overlay   swarm
                """, NetworkFormat.table(NetworkFormat.sorted(List.of(web, backend)), false));
        assertTrue(NetworkFormat.table(List.of(web), true).contains(web.getNetworkId() + "   web"));
    }

    @Test
    void lsJsonIsOneObjectPerLine() {
        assertEquals("{\"CreatedAt\":\"2026-11-23 03:00:00.123000000 +0000 UTC\",\"Driver\":\"overlay\","
                + "\"ID\":\"k3xv0fqbd3n8\",\"IPv4\":\"true\",\"IPv6\":\"false\",\"Internal\":\"false\",\"Labels\":\"team=a\","
                + "\"Name\":\"web\",\"Scope\":\"swarm\"}\n", NetworkFormat.jsonLines(List.of(web), false));
    }

    @Test
    void filtersOrWithinAKeyAndAcrossKeys() {
        List<Network> all = List.of(web, backend);
        assertEquals(List.of(web), all.stream().filter(NetworkFormat.filter(List.of("name=we"))).toList());
        assertEquals(all, all.stream().filter(NetworkFormat.filter(List.of("name=web", "name=back"))).toList());
        assertEquals(List.of(backend), all.stream().filter(NetworkFormat.filter(List.of("id=a1b2", "driver=overlay"))).toList());
        assertEquals(List.of(), all.stream().filter(NetworkFormat.filter(List.of("driver=bridge"))).toList());
        assertEquals(List.of(web), all.stream().filter(NetworkFormat.filter(List.of("label=team"))).toList());
        assertEquals(List.of(web), all.stream().filter(NetworkFormat.filter(List.of("label=team=a"))).toList());
        assertEquals(List.of(), all.stream().filter(NetworkFormat.filter(List.of("label=team=b"))).toList());
        assertEquals(all, all.stream().filter(NetworkFormat.filter(List.of("scope=swarm", "type=custom"))).toList());
        assertEquals("Error response from daemon: invalid filter 'color'", assertThrows(IllegalArgumentException.class,
                () -> NetworkFormat.filter(List.of("color=red"))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> NetworkFormat.filter(List.of("name")));
    }

    @Test
    void inspectIsDockersShapeWithJswarmsEndpoints() {
        var r = NetworkInspectResponse.newBuilder().setNetwork(backend)
                .addContainers(LocalEndpoint.newBuilder().setEndpointId("ep1").setName("box").setMac("02:42:0a:00:00:82")
                        .setIpv4("10.0.0.130/24").setSandbox("box").setIfName("eth0"))
                .addEndpoints(TableEndpoint.newBuilder().setEndpointId("ep1").setName("box").addAliases("db")
                        .setIp("10.0.0.130").setMac("02:42:0a:00:00:82").setVtep("192.0.2.11").setNodeId("n1"))
                .addPeers(NetworkPeer.newBuilder().setName("h1").setIp("192.0.2.11").setNodeId("n1")).build();
        assertEquals("""
                [
                    {
                        "Name": "backend",
                        "Id": "a1b2c3d4e5f6g7h8i9j0k1l2m",
                        "Created": "2026-11-23T03:00:00.123Z",
                        "Scope": "swarm",
                        "Driver": "overlay",
                        "EnableIPv6": false,
                        "IPAM": {
                            "Driver": "default",
                            "Options": null,
                            "Config": [
                                {
                                    "Subnet": "10.0.0.0/24",
                                    "Gateway": "10.0.0.1",
                                    "IPRange": "10.0.0.128/25"
                                }
                            ]
                        },
                        "Internal": false,
                        "Attachable": true,
                        "Ingress": false,
                        "ConfigFrom": {
                            "Network": ""
                        },
                        "ConfigOnly": false,
                        "Containers": {
                            "ep1": {
                                "Name": "box",
                                "EndpointID": "ep1",
                                "MacAddress": "02:42:0a:00:00:82",
                                "IPv4Address": "10.0.0.130/24",
                                "IPv6Address": ""
                            }
                        },
                        "Options": {
                            "com.docker.network.driver.overlay.vxlanid_list": "4097",
                            "com.docker.network.driver.mtu": "1400"
                        },
                        "Labels": {},
                        "Peers": [
                            {
                                "Name": "h1",
                                "IP": "192.0.2.11"
                            }
                        ],
                        "Endpoints": [
                            {
                                "Name": "box",
                                "EndpointID": "ep1",
                                "IP": "10.0.0.130",
                                "MacAddress": "02:42:0a:00:00:82",
                                "Aliases": [
                                    "db"
                                ],
                                "Node": "n1",
                                "VTEP": "192.0.2.11"
                            }
                        ]
                    }
                ]""", Json.pretty(List.of(NetworkFormat.inspect(r)), 4));
    }

    @Test
    void anEncryptedNetworkShowsItInOptionsAndEachPeersGenerationsNeverAKey() {
        var r = NetworkInspectResponse.newBuilder().setNetwork(web.toBuilder().setEncrypted(true))
                .addPeers(NetworkPeer.newBuilder().setName("h1").setIp("192.0.2.11").setNodeId("n1")
                        .setKeyGenerationOut(3).addKeyGenerationsIn(2).addKeyGenerationsIn(3)).build();
        String json = Json.write(NetworkFormat.inspect(r));
        assertTrue(json.contains("\"encrypted\":\"true\""), json);
        assertTrue(json.contains("{\"Name\":\"h1\",\"IP\":\"192.0.2.11\",\"KeyGeneration\":3,\"KeyGenerationsIn\":[2,3]}"), json);
        String plain = Json.write(NetworkFormat.inspect(NetworkInspectResponse.newBuilder().setNetwork(web)
                .addPeers(NetworkPeer.newBuilder().setName("h1").setIp("192.0.2.11")).build()));
        assertFalse(plain.contains("encrypted") || plain.contains("KeyGeneration"), plain);
    }

    @Test
    void inspectLeavesOutIpRangeWhenItIsTheSubnetAndMtuWhenUnset() {
        var m = NetworkFormat.inspect(NetworkInspectResponse.newBuilder().setNetwork(web).build());
        String json = Json.write(m);
        assertFalse(json.contains("IPRange"), json);
        assertFalse(json.contains("driver.mtu"), json);
        assertTrue(json.contains("\"Labels\":{\"team\":\"a\"}"), json);
        assertTrue(json.contains("\"Containers\":{}") && json.contains("\"Peers\":[]"), json);
    }

    @Test
    void createTranslatesDockerFlagsAndRefusesWhatJswarmCannotDo() {
        var req = NetworkCommand.request("n", "overlay", true, true, "10.9.0.0/24", "10.9.0.254", "10.9.0.0/25",
                List.of("com.docker.network.driver.mtu=1400"), List.of("a=b", "flag"));
        assertEquals("overlay", req.getDriver());
        assertEquals(1400, req.getSpec().getMtu());
        assertEquals("10.9.0.254", req.getSpec().getGateway());
        assertEquals("10.9.0.0/25", req.getSpec().getIpRange());
        assertTrue(req.getSpec().getAttachable() && req.getSpec().getInternal());
        assertEquals(java.util.Map.of("a", "b", "flag", ""), req.getSpec().getLabelsMap());
        assertEquals(1300, NetworkCommand.request("n", "overlay", false, false, null, null, null, List.of("mtu=1300"),
                List.of()).getSpec().getMtu());
        assertTrue(NetworkCommand.request("n", "overlay", false, false, null, null, null, List.of("encrypted"),
                List.of()).getSpec().getEncrypted());
        assertTrue(NetworkCommand.request("n", "overlay", false, false, null, null, null, List.of("encrypted=true"),
                List.of()).getSpec().getEncrypted());
        assertFalse(NetworkCommand.request("n", "overlay", false, false, null, null, null, List.of(),
                List.of()).getSpec().getEncrypted());
        assertEquals("invalid value \"no\" for option encrypted (use -o encrypted)",
                assertThrows(IllegalArgumentException.class, () -> NetworkCommand.request("n", "overlay", false, false,
                        null, null, null, List.of("encrypted=no"), List.of())).getMessage());
        assertEquals("unsupported driver option \"secret\" (supported: mtu, encrypted)",
                assertThrows(IllegalArgumentException.class, () -> NetworkCommand.request("n", "overlay", false, false,
                        null, null, null, List.of("secret=1"), List.of())).getMessage());
        assertThrows(IllegalArgumentException.class, () -> NetworkCommand.request("n", "overlay", false, false,
                null, null, null, List.of("mtu=big"), List.of()));
    }

    @Test
    void pruneAsksAndPrintsDockersList() {
        assertTrue(NetworkCommand.confirmed(new BufferedReader(new StringReader("y\n"))));
        assertTrue(NetworkCommand.confirmed(new BufferedReader(new StringReader("YES\n"))));
        assertFalse(NetworkCommand.confirmed(new BufferedReader(new StringReader("\n"))));
        assertFalse(NetworkCommand.confirmed(new BufferedReader(new StringReader(""))));
        assertEquals("Deleted Networks:\na\nb\n", NetworkCommand.pruned(PruneNetworksResponse.newBuilder()
                .addNames("a").addNames("b").build()));
        assertEquals("", NetworkCommand.pruned(PruneNetworksResponse.getDefaultInstance()));
    }

    @Test
    void attachPrintsOneSummaryLine() {
        assertEquals("box eth0 10.0.1.2/24 02:42:0a:00:01:02", NetworkEndpointCommands.summary(NetworkAttachResponse
                .newBuilder().setSandbox("box").setIfName("eth0").setIpv4("10.0.1.2/24").setMac("02:42:0a:00:01:02").build()));
    }
}
