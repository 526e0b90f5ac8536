package io.jswarm.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A lab of User-Mode Linux guests: each guest its own Linux kernel (Debian's {@code linux.uml}), booted from a
 * cached debootstrap image ({@code uml/build-image.sh}) with a copy-on-write layer of its own that survives a
 * power-off (a reboot keeps what was installed). The guests' taps hang on one bridge inside a network namespace
 * with no uplink, so nothing they send leaves it; guest {@code i} (1-based) is 198.51.100.(10+i)/24. Commands
 * run in a guest through files in a host directory it mounts by hostfs ({@code uml/guest-init.sh}), no ssh.
 * Every name starts with {@value #FAMILY}; leftovers of a crashed run (its guests, by the PIDs it recorded, and
 * its namespace) are removed first; {@link #close} stops everything by PID and removes it, also after a failure.
 */
public final class UmlLab implements AutoCloseable {
    public static final String FAMILY = "jsuml";
    public static final Path CACHE = Path.of("/var/cache/jswarm-lab");
    private static final Path RUNS = Path.of("/dev/shm", FAMILY);
    private static final Path UML = Path.of("/usr/bin/linux.uml");
    private static final String MEM = "400M";
    /** JVM options guests need (see guest-init.sh): the lab's guests keep no AVX-512 state across switches. */
    public static final String GUEST_JAVA_OPTS = "-XX:UseAVX=2";
    private static final String GLIBC_TUNABLES = "glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD";

    private final String ns;
    private final Path run;
    private final Path share;
    private final FileChannel lockFile;
    private final FileLock lock;
    private final Process[] guests;

    private UmlLab(String ns, Path run, Path share, FileChannel lockFile, FileLock lock, int n) {
        this.ns = ns;
        this.run = run;
        this.share = share;
        this.lockFile = lockFile;
        this.lock = lock;
        this.guests = new Process[n + 1];
    }

    /** Why this machine cannot run the lab (not root, no UML kernel, no debootstrap), or empty when it can. */
    public static Optional<String> unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("the UML lab needs root (tap devices, namespaces, debootstrap)");
        }
        if (!Files.isExecutable(UML) || !Files.isExecutable(Path.of("/usr/sbin/debootstrap"))) {
            return Optional.of("the UML lab needs Debian's user-mode-linux and debootstrap packages (bin/test installs them)");
        }
        return Optional.empty();
    }

    /**
     * Builds (or reuses) the image, removes leftovers of earlier runs, and boots {@code n} guests, each with
     * {@code share} mounted read-only at /share. Returns when every guest is ready (its network up).
     */
    public static UmlLab start(int n, Path share) throws IOException {
        unavailable().ifPresent(why -> {
            throw new IllegalStateException(why);
        });
        if (n < 1 || n > 20) {
            throw new IllegalArgumentException("1..20 guests, not " + n);
        }
        Files.createDirectories(CACHE);
        FileChannel lockFile = FileChannel.open(CACHE.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        // One lab at a time per machine: the image under running guests must never be rebuilt.
        FileLock lock = lockFile.lock();
        UmlLab lab = null;
        try {
            removeLeftovers();
            buildImage();
            String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
            Path run = RUNS.resolve(id);
            lab = new UmlLab(FAMILY + "-" + id, run, share, lockFile, lock, n);
            lab.network(n);
            for (int i = 1; i <= n; i++) {
                lab.boot(i);
            }
            return lab;
        } catch (IOException | RuntimeException e) {
            if (lab != null) {
                lab.close();
            } else {
                lock.release();
                lockFile.close();
            }
            throw e;
        }
    }

    public static String address(int guest) {
        return "198.51.100." + (10 + guest);
    }

    public static String hostname(int guest) {
        return FAMILY + "-g" + guest;
    }

    /** Runs {@code script} (bash) in guest {@code i}; its output and exit code, or exit 124 on timeout. */
    public Exec.Result exec(int i, Duration timeout, String script) {
        Path ctl = ctl(i);
        String id = System.nanoTime() + "-" + ThreadLocalRandom.current().nextInt(1_000_000);
        Path out = ctl.resolve("out").resolve(id + ".out");
        Path rc = ctl.resolve("out").resolve(id + ".rc");
        try {
            Path tmp = ctl.resolve(id + ".tmp");
            Files.writeString(tmp, script + "\n");
            Files.move(tmp, ctl.resolve("cmd").resolve(id + ".sh"), StandardCopyOption.ATOMIC_MOVE);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!Files.exists(rc)) {
                if (System.nanoTime() > deadline) {
                    return new Exec.Result(124, read(out) + "\n(timed out after " + timeout + ")", List.of(hostname(i), script));
                }
                Thread.sleep(20);
            }
            Exec.Result r = new Exec.Result(Integer.parseInt(Files.readString(rc).strip()), read(out), List.of(hostname(i), script));
            Files.deleteIfExists(ctl.resolve("cmd").resolve(id + ".sh"));
            Files.deleteIfExists(out);
            Files.deleteIfExists(rc);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Starts {@code script} in guest {@code i} without waiting; {@link #output} reads what it wrote so far. */
    public String detach(int i, String script) throws IOException {
        String id = "d" + System.nanoTime();
        Path tmp = ctl(i).resolve(id + ".tmp");
        Files.writeString(tmp, script + "\n");
        Files.move(tmp, ctl(i).resolve("cmd").resolve(id + ".sh"), StandardCopyOption.ATOMIC_MOVE);
        return id;
    }

    /** What a detached command wrote so far, and its exit code once it finished. */
    public record Output(String text, Optional<Integer> exit) {
    }

    public Output output(int i, String id) throws IOException {
        Path rc = ctl(i).resolve("out").resolve(id + ".rc");
        Optional<Integer> exit = Files.exists(rc) ? Optional.of(Integer.parseInt(Files.readString(rc).strip())) : Optional.empty();
        return new Output(read(ctl(i).resolve("out").resolve(id + ".out")), exit);
    }

    /**
     * Powers guest {@code i} off hard: its kernel halts at once (sysrq 'o': no shutdown, no sync, no signal to
     * any process in it), as when a machine loses power; returns when its UML process has exited.
     */
    public void powerOff(int i) throws IOException {
        detach(i, "echo 1 >/proc/sys/kernel/sysrq; echo o >/proc/sysrq-trigger");
        try {
            if (!guests[i].waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(hostname(i) + " did not power off within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        kill(guests[i].toHandle());
    }

    /** Boots guest {@code i} (again, on its own disk layer) and waits until it is ready. */
    public void boot(int i) throws IOException {
        if (guests[i] != null && guests[i].isAlive()) {
            throw new IllegalStateException(hostname(i) + " is running");
        }
        Path g = run.resolve("g" + i);
        Path ctl = ctl(i);
        if (Files.exists(ctl)) {
            deleteTree(ctl);
        }
        Files.createDirectories(ctl);
        String mac = String.format("02:00:c6:33:64:%02x", 10 + i);
        // setsid: UML's host processes form one process group led by the PID recorded below (leftover cleanup).
        ProcessBuilder b = new ProcessBuilder("ip", "netns", "exec", ns, "setsid", UML.toString(),
                "ubd0=" + g.resolve("disk.cow") + "," + CACHE.resolve("base.raw"), "root=/dev/ubda", "rw", "mem=" + MEM,
                "eth0=tuntap," + tap(i) + "," + mac, "con0=null,fd:1", "con=null", "ssl=null",
                "init=/sbin/jsuml-init", "jsname=" + hostname(i), "jsip=" + address(i) + "/24", "jsctl=" + ctl,
                "jsshare=" + share, "GLIBC_TUNABLES=" + GLIBC_TUNABLES)
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(g.resolve("console.log").toFile()));
        b.environment().put("TMPDIR", "/dev/shm");  // UML's guest memory file: tmpfs is the fast place for it
        b.environment().put("LD_PRELOAD", CACHE.resolve("xstate-shim.so").toString());  // see uml/xstate-shim.c
        guests[i] = b.start();
        Files.writeString(g.resolve("pid"), Long.toString(guests[i].pid()));
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!Files.exists(ctl.resolve("ready"))) {
            if (!guests[i].isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(hostname(i) + " did not boot; console: " + tail(g.resolve("console.log")));
            }
            sleep(50);
        }
    }

    @Override
    public void close() {
        try {
            for (int i = 1; i < guests.length; i++) {
                if (guests[i] != null) {
                    kill(guests[i].toHandle());
                }
            }
            Exec.run(20, List.of("ip", "netns", "del", ns));
            if (Files.exists(run)) {
                deleteTree(run);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                lock.release();
                lockFile.close();
            } catch (IOException ignored) {
                // the lock goes with the channel
            }
        }
    }

    /** The host-side namespace holding the guests' taps and the bridge {@link #BRIDGE} (the lab's wire). */
    public String namespace() {
        return ns;
    }

    /** The bridge all taps hang on, in {@link #namespace()}: capture here to see what the guests put on the wire. */
    public static final String BRIDGE = "br0";

    public Path console(int i) {
        return run.resolve("g" + i).resolve("console.log");
    }

    private void network(int n) throws IOException {
        Files.createDirectories(run);
        for (int i = 1; i <= n; i++) {
            Files.createDirectories(run.resolve("g" + i));
        }
        Exec.run(20, List.of("ip", "netns", "add", ns)).orThrow();
        Exec.run(20, List.of("ip", "-n", ns, "link", "set", "lo", "up")).orThrow();
        Exec.run(20, List.of("ip", "-n", ns, "link", "add", "br0", "type", "bridge")).orThrow();
        Exec.run(20, List.of("ip", "-n", ns, "link", "set", "br0", "up")).orThrow();
        // the bridge itself stays silent: no IPv6 router solicitations or DAD from the host side
        Exec.run(20, List.of("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")).orThrow();
        for (int i = 1; i <= n; i++) {
            Exec.run(20, List.of("ip", "-n", ns, "tuntap", "add", "dev", tap(i), "mode", "tap")).orThrow();
            Exec.run(20, List.of("ip", "-n", ns, "link", "set", tap(i), "master", "br0", "up")).orThrow();
        }
    }

    private static void buildImage() {
        Path script = extract("build-image.sh");
        extract("guest-init.sh");
        extract("guest-service.sh");
        extract("xstate-shim.c");
        Exec.Result r = Exec.run(900, List.of("bash", script.toString(), CACHE.toString()));
        if (!r.ok()) {
            throw new IllegalStateException("guest image: " + r.output());
        }
        System.out.println(r.output().strip());
    }

    /** The scripts live in this jar; build-image.sh hashes them (with the package list) into the image's key. */
    private static Path extract(String name) {
        try (InputStream in = UmlLab.class.getResourceAsStream("uml/" + name)) {
            Path dir = Files.createDirectories(CACHE.resolve("scripts"));
            Path f = dir.resolve(name);
            Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Guests of crashed runs (by the PIDs they recorded, if still UML), their namespaces and run dirs. */
    private static void removeLeftovers() throws IOException {
        if (Files.isDirectory(RUNS)) {
            try (Stream<Path> pids = Files.find(RUNS, 2, (p, a) -> p.getFileName().toString().equals("pid"))) {
                for (Path p : pids.toList()) {
                    ProcessHandle.of(Long.parseLong(Files.readString(p).strip()))
                            .filter(h -> h.info().command().map(c -> c.equals(UML.toString())).orElse(false))
                            .ifPresent(UmlLab::kill);
                }
            }
            deleteTree(RUNS);
        }
        for (String line : Exec.run(20, List.of("ip", "netns", "list")).output().lines().toList()) {
            String name = line.split(" ")[0];
            if (name.startsWith(FAMILY + "-")) {
                Exec.run(20, List.of("ip", "netns", "del", name));
            }
        }
    }

    /** Kills a guest's UML process and every host process it forked, by PID. */
    private static void kill(ProcessHandle main) {
        List<ProcessHandle> all = new ArrayList<>(main.descendants().toList());
        all.add(main);
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // reported by the namespace deletion or the next run's leftover cleanup
            }
        }
    }

    private Path ctl(int i) {
        return run.resolve("g" + i).resolve("ctl");
    }

    private static String tap(int i) {
        return FAMILY + "tap" + i;
    }

    private static String read(Path f) throws IOException {
        return Files.exists(f) ? Files.readString(f) : "";
    }

    private static String tail(Path f) {
        try {
            List<String> l = Files.readAllLines(f);
            return String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
        } catch (IOException e) {
            return "(no console log)";
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
