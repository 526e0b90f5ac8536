package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.IpPrefix;
import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import io.jswarm.vxlan.Vni;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test oracle: {@link Kernel} implemented with iproute2 commands against the real kernel, slow and
 * text-parsing, so {@link KernelContractTest} can be proved against Linux before {@code NetlinkKernel} exists.
 * Only namespaces under {@code /run/netns} are supported. Never used outside tests: production forks nothing.
 */
public final class IprouteKernel implements Kernel {
    private static final Pattern LINK = Pattern.compile("^(\\d+): ([^:@]+)(?:@\\S+)?: <([^>]*)> mtu (\\d+)(.*)$");

    @Override
    public Netns createNamespace(Path path) throws IOException {
        if (Files.exists(path)) {
            throw new java.nio.file.FileAlreadyExistsException(path.toString());
        }
        run(null, List.of("ip", "netns", "add", name(path)));
        return Netns.at(path);
    }

    @Override
    public void deleteNamespace(Path path) throws IOException {
        if (Files.exists(path)) {
            run(null, List.of("ip", "netns", "del", name(path)));
        }
    }

    @Override
    public boolean namespaceExists(Path path) {
        return Files.exists(path);
    }

    @Override
    public void apply(Netns ns, List<? extends KernelChange> changes) throws IOException {
        List<KernelException> failures = new ArrayList<>();
        for (KernelChange c : changes) {
            try {
                for (List<String> cmd : IprouteCommands.of(c)) {
                    Result r = exec(ns, cmd);
                    boolean xfrm = c instanceof KernelChange.SetXfrmState || c instanceof KernelChange.DeleteXfrmState
                            || c instanceof KernelChange.SetXfrmPolicy || c instanceof KernelChange.DeleteXfrmPolicy;
                    boolean fine = xfrm ? IprouteXfrm.absentIsFine(c, cmd, r.out)
                            : IprouteCommands.absentIsFine(c, r.out);
                    if (r.code != 0 && !fine) {
                        // An SA's key is on the command line: never in the error.
                        String label = String.join(" ", cmd).replaceAll("0x[0-9a-f]{40}", "0x<key>");
                        throw new KernelException("iproute2 " + label, c, errno(r.out), "E" + errno(r.out),
                                r.out.strip());
                    }
                }
            } catch (KernelException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.size() == 1 ? failures.getFirst() : new KernelException(failures);
        }
    }

    @Override
    public List<Link> links(Netns ns) throws IOException {
        List<Link> out = new ArrayList<>();
        for (String line : run(ns, List.of("ip", "-d", "-o", "link", "show")).split("\n")) {
            Matcher m = LINK.matcher(line);
            if (!m.find()) {
                continue;
            }
            String rest = m.group(5);
            String kind = rest.contains(" vxlan id ") ? "vxlan" : rest.contains(" bridge forward_delay ") ? "bridge"
                    : rest.contains(" veth ") ? "veth" : null;
            Link.VxlanInfo vx = null;
            if ("vxlan".equals(kind)) {
                vx = new Link.VxlanInfo(Vni.of(Integer.parseInt(word(rest, "vxlan id"))),
                        Integer.parseInt(word(rest, "dstport")), ip(word(rest, "local")), !rest.contains(" nolearning"),
                        rest.contains(" proxy"), rest.contains(" l2miss"), rest.contains(" l3miss"));
            }
            String mac = word(rest, "link/ether");
            out.add(new Link(Integer.parseInt(m.group(1)), m.group(2), kind, Integer.parseInt(m.group(4)),
                    mac == null ? new MacAddress(0) : MacAddress.parse(mac),
                    List.of(m.group(3).split(",")).contains("UP"), word(rest, "master"), vx));
        }
        return out;
    }

    @Override
    public List<Address> addresses(Netns ns) throws IOException {
        List<Address> out = new ArrayList<>();
        for (String line : run(ns, List.of("ip", "-o", "addr", "show")).split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length > 3 && (t[2].equals("inet") || t[2].equals("inet6"))) {
                out.add(new Address(t[1].replaceAll("@.*", ""), IpPrefix.parse(t[3])));
            }
        }
        return out;
    }

    @Override
    public List<Route> routes(Netns ns) throws IOException {
        List<Route> out = new ArrayList<>();
        for (String family : List.of("-4", "-6")) {
            for (String line : run(ns, List.of("ip", family, "-o", "route", "show", "table", "main")).split("\n")) {
                String[] t = line.trim().split("\\s+");
                if (t.length < 3 || !(t[0].equals("default") || Character.isDigit(t[0].charAt(0))
                        || t[0].contains(":"))) {
                    continue;
                }
                String dst = t[0].equals("default") ? (family.equals("-4") ? "0.0.0.0/0" : "::/0") : t[0];
                String via = word(" " + line, "via");
                out.add(new Route(IpPrefix.parse(dst), via == null ? null : ip(via), word(" " + line, "dev")));
            }
        }
        return out;
    }

    @Override
    public List<Neighbor> neighbors(Netns ns) throws IOException {
        List<Neighbor> out = new ArrayList<>();
        for (String family : List.of("-4", "-6")) {
            for (String line : run(ns, List.of("ip", family, "neigh", "show")).split("\n")) {
                String[] t = line.trim().split("\\s+");
                if (t.length < 3) {
                    continue;
                }
                String mac = word(" " + line, "lladdr");
                out.add(new Neighbor(word(" " + line, "dev"), ip(t[0]), mac == null ? null : MacAddress.parse(mac),
                        line.contains("PERMANENT")));
            }
        }
        return out;
    }

    @Override
    public List<FdbEntry> fdb(Netns ns) throws IOException {
        List<FdbEntry> out = new ArrayList<>();
        for (String line : run(ns, List.of("bridge", "fdb", "show")).split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length < 3) {
                continue;
            }
            String dst = word(" " + line, "dst");
            out.add(new FdbEntry(word(" " + line, "dev"), MacAddress.parse(t[0]), dst == null ? null : ip(dst),
                    line.contains(" self"), line.contains(" permanent")));
        }
        return out;
    }

    @Override
    public List<XfrmPolicy> xfrmPolicies(Netns ns) throws IOException {
        return IprouteXfrm.policies(run(ns, List.of("ip", "xfrm", "policy", "list")));
    }

    @Override
    public List<XfrmState> xfrmStates(Netns ns) throws IOException {
        return IprouteXfrm.states(run(ns, List.of("ip", "-s", "xfrm", "state", "list")));
    }

    /** {@code ip xfrm monitor} prints text with no stable end of record: the shipped implementation watches. */
    @Override
    public AutoCloseable watchXfrm(Netns ns, java.util.function.Consumer<XfrmEvent> listener) throws IOException {
        io.jswarm.vxlan.netlink.NetlinkKernel netlink = new io.jswarm.vxlan.netlink.NetlinkKernel();
        AutoCloseable watch = netlink.watchXfrm(ns, listener);
        return () -> {
            watch.close();
            netlink.close();
        };
    }

    /** As {@code ip xfrm state add ... aead rfc4106(gcm(aes))} in a namespace of its own ({@code unshare -n}). */
    @Override
    public boolean espSupported() {
        try {
            return exec(null, List.of("unshare", "-n", "ip", "xfrm", "state", "add", "src", "192.0.2.1", "dst",
                    "192.0.2.2", "proto", "esp", "spi", "0x100", "mode", "transport", "replay-window", "128", "flag",
                    "esn", "aead", XfrmState.AEAD, "0x" + "00".repeat(XfrmState.KEY_BYTES), "128")).code == 0;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
    }

    /** iproute2 has no gratuitous ARP (that is arping's, not installed here): the shipped implementation sends it. */
    @Override
    public java.util.Optional<PortFilter> portFilter(Netns ns, String dev) {
        throw new UnsupportedOperationException("the iproute2 oracle does not read tc filters");
    }

    @Override
    public void announce(Netns ns, String dev, java.util.Map<InetAddress, MacAddress> addresses) throws IOException {
        try (var netlink = new io.jswarm.vxlan.netlink.NetlinkKernel()) {
            netlink.announce(ns, dev, addresses);
        }
    }

    private static String word(String text, String key) {
        Matcher m = Pattern.compile(" " + Pattern.quote(key) + " (\\S+)").matcher(text);
        return m.find() ? m.group(1) : null;
    }

    private static InetAddress ip(String s) {
        return s == null ? null : IpPrefix.parseAddress(s);
    }

    static String name(Path path) {
        if (!path.getParent().equals(Netns.IP_NETNS_DIR)) {
            throw new IllegalArgumentException("IprouteKernel only handles /run/netns/NAME, not " + path);
        }
        return path.getFileName().toString();
    }

    private static int errno(String out) {
        if (out.contains("exists")) {
            return 17;
        }
        if (out.contains("Cannot find device") || out.contains("does not exist") || out.contains("No such device")) {
            return 19;
        }
        if (out.contains("not supported")) {
            return 95;
        }
        if (out.contains("algorithm not found")) {
            return 38; // ENOSYS, as XFRM says it
        }
        if (out.contains("unable to initialize cryptographic operations")) {
            return 2; // ENOENT
        }
        if (out.contains("unreachable")) {
            return 101;
        }
        return 22;
    }

    private record Result(int code, String out) {
    }

    private static String run(Netns ns, List<String> cmd) throws IOException {
        Result r = exec(ns, cmd);
        if (r.code != 0) {
            throw new IOException(String.join(" ", cmd) + " in " + ns + ": " + r.out);
        }
        return r.out;
    }

    private static Result exec(Netns ns, List<String> cmd) throws IOException {
        List<String> full = new ArrayList<>();
        if (ns instanceof Netns.AtPath(var path)) {
            full.addAll(List.of("ip", "netns", "exec", name(path)));
        }
        full.addAll(cmd);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + full);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
        return new Result(p.exitValue(), out);
    }
}
