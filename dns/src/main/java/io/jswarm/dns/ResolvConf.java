package io.jswarm.dns;

import io.jswarm.vxlan.Netns;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The two resolv.conf files of the sandbox resolver: the host's, read for upstreams, and the one per named
 * namespace under {@code /etc/netns/NAME/}, which {@code ip netns exec NAME} bind-mounts over
 * {@code /etc/resolv.conf} so processes in the sandbox ask the embedded server. Where they are comes in
 * through the constructor ({@link #system()} on a host), so tests use a temporary directory.
 *
 * @param etcNetns the directory of per-namespace files ({@code /etc/netns})
 * @param hostFile the host's resolver configuration ({@code /etc/resolv.conf})
 */
public record ResolvConf(Path etcNetns, Path hostFile) {

    static final String FILE = "resolv.conf";
    /**
     * ndots:0 so a bare service name is tried as is first (Docker writes ndots:0 too); no search list, so an
     * unknown name costs one query per address family, not one per search domain.
     */
    static final String SANDBOX_CONTENT = "nameserver 127.0.0.11\noptions ndots:0\n";

    public ResolvConf {
        java.util.Objects.requireNonNull(etcNetns, "etcNetns");
        java.util.Objects.requireNonNull(hostFile, "hostFile");
    }

    /** The host's files: {@code /etc/netns} and {@code /etc/resolv.conf}. */
    public static ResolvConf system() {
        return new ResolvConf(Path.of("/etc/netns"), Path.of("/etc/resolv.conf"));
    }

    /**
     * The nameservers of a resolv.conf text, port 53, in order, at most {@link DnsConfig#MAX_UPSTREAMS}.
     * Loopback and wildcard resolvers (systemd-resolved's 127.0.0.53, a local dnsmasq) are skipped, as Docker
     * does: they are only reachable from the namespace the daemon happens to run in, which in labs and nested
     * setups is not the one the file was written for, and a dead upstream costs every unknown name the full
     * forward timeout. Unparsable entries are skipped too.
     */
    static List<InetSocketAddress> upstreams(String text) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            String[] words = line.split("\\s+");
            if (words.length < 2 || !words[0].equals("nameserver")) {
                continue;
            }
            InetAddress address;
            try {
                address = InetAddress.ofLiteral(words[1]);
            } catch (IllegalArgumentException notALiteral) {
                continue;
            }
            var upstream = new InetSocketAddress(address, 53);
            if (address.isLoopbackAddress() || address.isAnyLocalAddress() || out.contains(upstream)) {
                continue;
            }
            out.add(upstream);
            if (out.size() == DnsConfig.MAX_UPSTREAMS) {
                break;
            }
        }
        return out;
    }

    /** The host's upstreams; none if the file is missing or unreadable (unknown names then fail at once). */
    public List<InetSocketAddress> hostUpstreams() {
        try {
            return upstreams(Files.readString(hostFile, StandardCharsets.UTF_8));
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
    }

    /** Writes {@code etcNetns/NAME/resolv.conf} (0644) atomically, creating the directory (0755). */
    public void write(String namespaceName) throws IOException {
        Path dir = dirOf(namespaceName);
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tmp = Files.createTempFile(dir, ".resolv", ".tmp");
        try {
            Files.writeString(tmp, SANDBOX_CONTENT, StandardCharsets.US_ASCII);
            // Readable by every user in the sandbox (createTempFile makes it 0600).
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Removes the file and then the directory if nothing else (e.g. a hosts file of someone else) is left. */
    public void remove(String namespaceName) throws IOException {
        Path dir = dirOf(namespaceName);
        Files.deleteIfExists(dir.resolve(FILE));
        try {
            Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException | NoSuchFileException keep) {
            // Other files of the namespace stay, and so does their directory.
        }
    }

    private Path dirOf(String namespaceName) {
        Netns.named(namespaceName); // validates: no "/", no leading ".", so the path stays under etcNetns
        return etcNetns.resolve(namespaceName);
    }
}
