package io.jswarm.cli.cluster;

import io.jswarm.engine.DockerShapes;
import io.jswarm.proto.cluster.NetworkInspectResponse;
import io.jswarm.proto.cluster.TableEndpoint;
import io.jswarm.proto.state.Network;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * How networks look in {@code network ls} (table or JSON lines, with Docker's filters) and
 * {@code network inspect} (Docker's JSON shape plus jswarm's "Endpoints"). Pure functions.
 */
public final class NetworkFormat {
    static final String DRIVER = "overlay";
    static final String SCOPE = "swarm";
    static final String VXLAN_OPTION = DockerShapes.VXLAN_OPTION;
    static final String MTU_OPTION = DockerShapes.MTU_OPTION;
    /** Docker's option (and its inspect key) for an IPsec-encrypted overlay. */
    static final String ENCRYPTED_OPTION = "encrypted";
    /** Go's time.Time String(), which {@code docker network ls --format json} prints for CreatedAt. */
    private static final DateTimeFormatter GO_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSSSS '+0000 UTC'").withZone(ZoneOffset.UTC);

    private NetworkFormat() {
    }

    /** Docker's short id: the first 12 characters. */
    public static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    /** As {@code docker network ls} orders them: by name. */
    public static List<Network> sorted(List<Network> networks) {
        return networks.stream().sorted(Comparator.comparing(Network::getName)).toList();
    }

    public static String table(List<Network> networks, boolean noTrunc) {
        Table t = new Table("NETWORK ID", "NAME", "DRIVER", "SCOPE");
        for (Network n : networks) {
            t.row(noTrunc ? n.getNetworkId() : shortId(n.getNetworkId()), n.getName(), DRIVER, SCOPE);
        }
        return t.render();
    }

    /** One JSON object per network and line, the fields {@code docker network ls --format json} prints. */
    public static String jsonLines(List<Network> networks, boolean noTrunc) {
        StringBuilder sb = new StringBuilder();
        for (Network n : networks) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("CreatedAt", GO_TIME.format(Instant.ofEpochMilli(n.getCreatedAtMillis())));
            m.put("Driver", DRIVER);
            m.put("ID", noTrunc ? n.getNetworkId() : shortId(n.getNetworkId()));
            m.put("IPv4", "true");
            m.put("IPv6", "false");
            m.put("Internal", String.valueOf(n.getInternal()));
            m.put("Labels", String.join(",", new TreeMap<>(n.getLabelsMap()).entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).toList()));
            m.put("Name", n.getName());
            m.put("Scope", SCOPE);
            sb.append(Json.write(m)).append('\n');
        }
        return sb.toString();
    }

    /**
     * Docker's {@code --filter} for networks: values of one key are OR'ed, different keys AND'ed. name and
     * id match a part, driver/scope/type exactly, label a key or key=value.
     */
    public static Predicate<Network> filter(List<String> filters) {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (String f : filters) {
            int eq = f.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("bad format of filter (expected name=value)");
            }
            String key = f.substring(0, eq).toLowerCase(java.util.Locale.ROOT);
            if (!List.of("name", "id", "driver", "label", "scope", "type").contains(key)) {
                throw new IllegalArgumentException("Error response from daemon: invalid filter '" + key + "'");
            }
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(f.substring(eq + 1));
        }
        Predicate<Network> all = n -> true;
        for (var e : byKey.entrySet()) {
            Predicate<Network> any = n -> false;
            for (String v : e.getValue()) {
                any = any.or(switch (e.getKey()) {
                    case "name" -> n -> n.getName().contains(v);
                    case "id" -> n -> n.getNetworkId().contains(v);
                    case "driver" -> n -> v.equals(DRIVER);
                    case "scope" -> n -> v.equals(SCOPE);
                    case "type" -> n -> v.equals("custom");
                    default -> label(v);
                });
            }
            all = all.and(any);
        }
        return all;
    }

    private static Predicate<Network> label(String v) {
        int eq = v.indexOf('=');
        if (eq < 0) {
            return n -> n.getLabelsMap().containsKey(v);
        }
        String key = v.substring(0, eq);
        String value = v.substring(eq + 1);
        return n -> value.equals(n.getLabelsMap().get(key));
    }

    /**
     * The object {@code network inspect} prints for one network: moby's Network as the Docker Engine API
     * answers it (one shape, {@code engine/}'s), plus jswarm's "Endpoints" (every endpoint this node's table sees).
     */
    public static Map<String, Object> inspect(NetworkInspectResponse r) {
        Map<String, Object> m = DockerShapes.network(r.getNetwork(), r);
        List<Object> endpoints = new ArrayList<>();
        for (TableEndpoint e : r.getEndpointsList()) {
            Map<String, Object> em = new LinkedHashMap<>();
            em.put("Name", e.getName());
            em.put("EndpointID", e.getEndpointId());
            em.put("IP", e.getIp());
            em.put("MacAddress", e.getMac());
            em.put("Aliases", List.copyOf(e.getAliasesList()));
            em.put("Node", e.getNodeId());
            em.put("VTEP", e.getVtep());
            endpoints.add(em);
        }
        m.put("Endpoints", endpoints);
        return m;
    }
}
