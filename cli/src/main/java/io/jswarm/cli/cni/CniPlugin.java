package io.jswarm.cli.cni;

import io.jswarm.cli.cluster.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The CNI 1.1 plugin {@code jswarm-cni}: one call of a runtime (environment + network configuration on stdin)
 * turned into calls of the local jswarm daemon ({@link CniDaemon}) and a spec-shaped answer. Every
 * attachment it makes is recorded as a file {@code <dataDir>/<config name>/<container id>-<ifname>} (network,
 * namespace path): DEL without a namespace path and GC use it. Checks come before anything is made: a bad
 * call leaves nothing behind.
 */
final class CniPlugin {
    static final List<String> SUPPORTED = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");
    static final String DEFAULT_SOCKET = "/run/jswarm/jswarm.sock";
    static final String DEFAULT_DATA_DIR = "/var/lib/cni/jswarm";
    /** The resolver jswarm runs inside every sandbox it connects. */
    static final String NAMESERVER = "127.0.0.11";
    private static final int MAX_CONFIG = 1 << 20;

    /** What the call prints on stdout and its exit code. */
    record Outcome(String stdout, int exit) {
    }

    /** Network configuration fields the plugin reads. */
    record Config(String cniVersion, String name, String network, Path socket, Path dataDir, Map<String, Object> raw) {
    }

    private final Map<String, String> env;
    private final Function<Path, CniDaemon> daemons;
    private final NamespaceProbe probe;

    /** Whether interface {@code ifName} exists in the namespace at {@code netns}. */
    interface NamespaceProbe {
        boolean hasInterface(String netns, String ifName) throws IOException;
    }

    CniPlugin(Map<String, String> env, Function<Path, CniDaemon> daemons, NamespaceProbe probe) {
        this.env = env;
        this.daemons = daemons;
        this.probe = probe;
    }

    Outcome run(byte[] stdin) {
        String version = "1.1.0";
        try {
            String command = required("CNI_COMMAND");
            Map<String, Object> raw = parse(stdin);
            Object v = raw.get("cniVersion");
            if (v instanceof String s && !s.isEmpty()) {
                version = s;
            }
            if ("VERSION".equals(command)) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("cniVersion", SUPPORTED.contains(version) ? version : "1.1.0");
                out.put("supportedVersions", SUPPORTED);
                return new Outcome(Json.write(out), 0);
            }
            Config cfg = config(raw);
            return switch (command) {
                case "ADD" -> new Outcome(add(cfg), 0);
                case "DEL" -> quiet(() -> del(cfg));
                case "CHECK" -> quiet(() -> check(cfg));
                case "STATUS" -> quiet(() -> status(cfg));
                case "GC" -> quiet(() -> gc(cfg));
                default -> throw new CniError(CniError.INVALID_ENV, "unknown CNI_COMMAND " + command);
            };
        } catch (CniError e) {
            return error(version, e);
        }
    }

    /** A command that answers nothing on success (DEL, CHECK, STATUS, GC). */
    private interface Step {
        void run() throws CniError;
    }

    private static Outcome quiet(Step step) throws CniError {
        step.run();
        return new Outcome("", 0);
    }

    static Outcome error(String version, CniError e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cniVersion", SUPPORTED.contains(version) ? version : "1.1.0");
        out.put("code", e.code);
        out.put("msg", e.getMessage());
        if (!e.details.isEmpty()) {
            out.put("details", e.details);
        }
        return new Outcome(Json.write(out), 1);
    }

    // ---- commands ----

    private String add(Config cfg) throws CniError {
        String id = containerId();
        String netns = required("CNI_NETNS");
        String ifName = required("CNI_IFNAME");
        if (!netns.startsWith("/")) {
            throw new CniError(CniError.INVALID_ENV, "CNI_NETNS must be an absolute path, not " + netns);
        }
        if (!Files.exists(Path.of(netns))) {
            throw new CniError(CniError.INVALID_ENV, "CNI_NETNS " + netns + " does not exist");
        }
        Path record = record(cfg, id, ifName);
        try (CniDaemon d = daemons.apply(cfg.socket())) {
            CniDaemon.Network n = d.network(cfg.network()).orElseThrow(() -> new CniError(CniError.INVALID_CONFIG,
                    "network " + cfg.network() + " not found", "no jswarm network of that name or id on this node"));
            String name = dnsName(id);
            List<String> aliases = aliases(cfg);
            aliases.remove(name); // podman lists the container's name among its aliases
            CniDaemon.Endpoint ep = d.connect(n.id(), netns, name, ifName, aliases);
            try {
                write(record, n.id() + "\n" + netns + "\n");
            } catch (CniError e) {
                d.disconnect(n.id(), netns); // no record, no endpoint: DEL and GC could not find it again
                throw e;
            }
            return Json.write(result(cfg.cniVersion(), n, ep));
        }
    }

    private void del(Config cfg) throws CniError {
        String id = containerId();
        String ifName = required("CNI_IFNAME");
        Path record = record(cfg, id, ifName);
        Optional<String[]> saved = read(record);
        String netns = env.getOrDefault("CNI_NETNS", "");
        String network = cfg.network();
        if (saved.isPresent()) {
            network = saved.get()[0];
            netns = saved.get()[1];
        }
        if (!netns.isEmpty()) {
            try (CniDaemon d = daemons.apply(cfg.socket())) {
                d.disconnect(network, netns); // not connected: already done (DEL is idempotent)
            }
        }
        delete(record);
    }

    private void check(Config cfg) throws CniError {
        String id = containerId();
        String netns = required("CNI_NETNS");
        String ifName = required("CNI_IFNAME");
        try (CniDaemon d = daemons.apply(cfg.socket())) {
            CniDaemon.Network n = d.network(cfg.network()).orElseThrow(() -> new CniError(CniError.INVALID_CONFIG,
                    "network " + cfg.network() + " not found"));
            CniDaemon.Endpoint ep = d.endpoint(n.id(), netns).orElseThrow(() -> new CniError(CniError.UNKNOWN_CONTAINER,
                    "container " + id + " has no endpoint on network " + n.name() + " on this node"));
            if (!ep.ifName().equals(ifName)) {
                throw new CniError(CniError.CHECK_FAILED, "the endpoint's interface is " + ep.ifName() + ", not " + ifName);
            }
            boolean present;
            try {
                present = probe.hasInterface(netns, ifName);
            } catch (IOException e) {
                throw new CniError(CniError.CHECK_FAILED, "cannot look into " + netns + ": " + e.getMessage());
            }
            if (!present) {
                throw new CniError(CniError.CHECK_FAILED, "interface " + ifName + " is missing from " + netns);
            }
        }
    }

    private void status(Config cfg) throws CniError {
        try (CniDaemon d = daemons.apply(cfg.socket())) {
            Optional<String> why = d.unavailable();
            if (why.isPresent()) {
                throw new CniError(CniError.NOT_AVAILABLE, "plugin not available: " + why.get());
            }
        }
    }

    private void gc(Config cfg) throws CniError {
        Set<String> valid = new HashSet<>();
        Object va = cfg.raw().get("cni.dev/valid-attachments");
        if (va != null && !(va instanceof List<?>)) {
            throw new CniError(CniError.INVALID_CONFIG, "cni.dev/valid-attachments must be a list");
        }
        if (va instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m && m.get("containerID") instanceof String c && m.get("ifname") instanceof String f) {
                    valid.add(c + "-" + f);
                } else {
                    throw new CniError(CniError.INVALID_CONFIG, "each valid attachment needs containerID and ifname");
                }
            }
        }
        Path dir = cfg.dataDir().resolve(cfg.name());
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> stale;
        try (Stream<Path> files = Files.list(dir)) {
            stale = files.filter(f -> !f.getFileName().toString().startsWith("."))
                    .filter(f -> !valid.contains(f.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new CniError(CniError.STATE, "cannot list " + dir + ": " + e.getMessage());
        }
        try (CniDaemon d = daemons.apply(cfg.socket())) {
            for (Path f : stale) {
                Optional<String[]> saved = read(f);
                if (saved.isPresent()) {
                    d.disconnect(saved.get()[0], saved.get()[1]);
                }
                delete(f);
            }
        }
    }

    // ---- the result ----

    static Map<String, Object> result(String version, CniDaemon.Network n, CniDaemon.Endpoint ep) {
        boolean legacy = version.startsWith("0.");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cniVersion", version);
        Map<String, Object> iface = new LinkedHashMap<>();
        iface.put("name", ep.ifName());
        iface.put("mac", ep.mac());
        iface.put("sandbox", ep.sandbox());
        out.put("interfaces", List.of(iface));
        Map<String, Object> ip = new LinkedHashMap<>();
        if (legacy) {
            ip.put("version", "4");
        }
        ip.put("address", ep.ipv4());
        if (!n.gateway().isEmpty()) {
            ip.put("gateway", n.gateway());
        }
        ip.put("interface", 0);
        out.put("ips", List.of(ip));
        if (!n.gateway().isEmpty()) {
            // jswarm routes a sandbox's default via its first network's gateway (as Docker does)
            out.put("routes", List.of(Map.of("dst", "0.0.0.0/0", "gw", n.gateway())));
        }
        out.put("dns", Map.of("nameservers", List.of(NAMESERVER)));
        return out;
    }

    // ---- input ----

    private static Map<String, Object> parse(byte[] stdin) throws CniError {
        if (stdin.length > MAX_CONFIG) {
            throw new CniError(CniError.DECODE, "network configuration larger than " + MAX_CONFIG + " bytes");
        }
        Object v;
        try {
            v = io.jswarm.engine.Json.parse(new String(stdin, StandardCharsets.UTF_8));
        } catch (io.jswarm.engine.Json.Malformed e) {
            throw new CniError(CniError.DECODE, "cannot decode the network configuration: " + e.getMessage());
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new CniError(CniError.DECODE, "the network configuration must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) m;
        return map;
    }

    static Config config(Map<String, Object> raw) throws CniError {
        String version = string(raw, "cniVersion", "");
        if (version.isEmpty()) {
            throw new CniError(CniError.INVALID_CONFIG, "cniVersion is required");
        }
        if (!SUPPORTED.contains(version)) {
            throw new CniError(CniError.INCOMPATIBLE_VERSION, "incompatible CNI version " + version,
                    "supported: " + String.join(", ", SUPPORTED));
        }
        String name = string(raw, "name", "");
        if (name.isEmpty() || !name.matches("[A-Za-z0-9][A-Za-z0-9_.\\-]*") || name.length() > 128) {
            throw new CniError(CniError.INVALID_CONFIG, "invalid network configuration name \"" + name + "\"");
        }
        String type = string(raw, "type", "");
        if (!type.isEmpty() && !type.equals("jswarm-cni")) {
            throw new CniError(CniError.INVALID_CONFIG, "type is " + type + ", this plugin is jswarm-cni");
        }
        if (raw.containsKey("ipam") && raw.get("ipam") instanceof Map<?, ?> ipam && !ipam.isEmpty()) {
            throw new CniError(CniError.UNSUPPORTED_FIELD, "ipam is not supported: the jswarm manager assigns addresses",
                    "field ipam");
        }
        String network = string(raw, "network", name);
        if (network.isEmpty()) {
            network = name;
        }
        String socket = string(raw, "socket", DEFAULT_SOCKET);
        String dataDir = string(raw, "dataDir", DEFAULT_DATA_DIR);
        if (!socket.startsWith("/") || !dataDir.startsWith("/")) {
            throw new CniError(CniError.INVALID_CONFIG, "socket and dataDir must be absolute paths");
        }
        return new Config(version, name, network, Path.of(socket), Path.of(dataDir), raw);
    }

    private static String string(Map<String, Object> raw, String key, String dflt) throws CniError {
        Object v = raw.get(key);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof String s)) {
            throw new CniError(CniError.INVALID_CONFIG, key + " must be a string");
        }
        return s;
    }

    private String required(String var) throws CniError {
        String v = env.get(var);
        if (v == null || v.isEmpty()) {
            throw new CniError(CniError.INVALID_ENV, var + " is required");
        }
        return v;
    }

    private String containerId() throws CniError {
        String id = required("CNI_CONTAINERID");
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9_.\\-]*") || id.length() > 256) {
            throw new CniError(CniError.INVALID_ENV, "invalid CNI_CONTAINERID " + id);
        }
        return id;
    }

    /** CNI_ARGS as key=value pairs separated by ';'. */
    Map<String, String> args() throws CniError {
        Map<String, String> out = new LinkedHashMap<>();
        String a = env.getOrDefault("CNI_ARGS", "");
        for (String kv : a.split(";")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new CniError(CniError.INVALID_ENV, "invalid CNI_ARGS entry " + kv);
            }
            out.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return out;
    }

    /** The DNS name: the pod/container name a runtime passes in CNI_ARGS, else the container id's first 12. */
    String dnsName(String containerId) throws CniError {
        String n = args().get("K8S_POD_NAME");
        if (n != null && !n.isEmpty()) {
            return n;
        }
        return containerId.length() > 12 ? containerId.substring(0, 12) : containerId;
    }

    /** Aliases from the {@code aliases} capability (podman: runtimeConfig.aliases[config name]). */
    private static List<String> aliases(Config cfg) {
        List<String> out = new ArrayList<>();
        if (cfg.raw().get("runtimeConfig") instanceof Map<?, ?> rc && rc.get("aliases") instanceof Map<?, ?> am
                && am.get(cfg.name()) instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof String s && !s.isEmpty() && !out.contains(s)) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    // ---- the plugin's records ----

    private static Path record(Config cfg, String id, String ifName) throws CniError {
        if (!ifName.matches("[A-Za-z0-9_.\\-]{1,15}")) {
            throw new CniError(CniError.INVALID_ENV, "invalid CNI_IFNAME " + ifName);
        }
        return cfg.dataDir().resolve(cfg.name()).resolve(id + "-" + ifName);
    }

    private static void write(Path record, String content) throws CniError {
        try {
            Files.createDirectories(record.getParent());
            Path tmp = record.resolveSibling("." + record.getFileName() + ".tmp");
            Files.writeString(tmp, content);
            Files.move(tmp, record, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new CniError(CniError.STATE, "cannot record the attachment in " + record + ": " + e.getMessage());
        }
    }

    private static Optional<String[]> read(Path record) throws CniError {
        try {
            if (!Files.exists(record)) {
                return Optional.empty();
            }
            String[] lines = Files.readString(record).split("\n");
            return lines.length >= 2 ? Optional.of(new String[]{lines[0], lines[1]}) : Optional.empty();
        } catch (IOException e) {
            throw new CniError(CniError.STATE, "cannot read " + record + ": " + e.getMessage());
        }
    }

    private static void delete(Path record) throws CniError {
        try {
            Files.deleteIfExists(record);
        } catch (IOException e) {
            throw new CniError(CniError.STATE, "cannot remove " + record + ": " + e.getMessage());
        }
    }
}
