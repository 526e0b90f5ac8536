package io.jswarm.e2e.uml;

import io.jswarm.testkit.Exec;
import io.jswarm.testkit.UmlLab;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The hand-built encrypted overlay in UML guests ({@code esp-handbuilt.sh}: VXLAN on 4799, ESP transport SAs and
 * the design's three policy kinds, no jswarm) and the tools the encrypted proofs share: a capture on the lab's
 * bridge (the wire), ping loss from ping's summary, a guest's XFRM counters. Used by {@code EspDesignUmlE2ETest}
 * and {@code e2e/bench encrypted}.
 */
public final class GuestEsp {
    /** The encrypted networks' VXLAN port of the design ({@code io.jswarm.vxlan.Esp.PORT} once merged). */
    public static final int PORT = 4799;
    /** The overlay MTU the design computes for a 1500-byte underlay (84 bytes of headers, 4-byte ESP alignment). */
    public static final int MTU_1500 = 1416;
    public static final String SCRIPT = "esp-handbuilt.sh";
    private static final Duration CMD = Duration.ofSeconds(120);
    private static final Pattern LOSS = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");

    private final UmlLab lab;
    private final int guests;

    /** Puts the script into {@code share} (mounted at /share in every guest). */
    public GuestEsp(UmlLab lab, int guests, Path share) {
        this.lab = lab;
        this.guests = guests;
        try (InputStream in = GuestEsp.class.getResourceAsStream(SCRIPT)) {
            Files.copy(in, share.resolve(SCRIPT), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code esp-handbuilt.sh}'s shell function line {@code call} in guest {@code g}. */
    public Exec.Result call(int g, String call) {
        return lab.exec(g, CMD, ". /share/" + SCRIPT + " && " + call);
    }

    /** Like {@link #call} but fails with the output when the call exits non-zero. */
    public String must(int g, String call) {
        Exec.Result r = call(g, call);
        if (!r.ok()) {
            throw new IllegalStateException("guest " + g + ": `" + call + "` exited " + r.exit() + ": " + r.output());
        }
        return r.output();
    }

    /** The other guests of {@code g}, space separated (the PEER... arguments of the script's functions). */
    public String peers(int g) {
        return IntStream.rangeClosed(1, guests).filter(p -> p != g).mapToObj(Integer::toString).collect(Collectors.joining(" "));
    }

    /** Every guest: the hand-built overlay at generation {@code gen}, VNI {@code vni}, overlay MTU {@code mtu}. */
    public void up(int gen, int vni, int mtu) {
        for (int g = 1; g <= guests; g++) {
            must(g, "esp_up " + g + " " + gen + " " + vni + " " + mtu + " " + peers(g));
        }
    }

    public static String overlay(int g) {
        return "203.0.113." + g;
    }

    public long stat(int g, String counter) {
        return Long.parseLong(must(g, "esp_stat " + counter).strip());
    }

    public long inboundDrops(int g) {
        return Long.parseLong(must(g, "esp_inbound_drops").strip());
    }

    /**
     * Every kernel counter of guest {@code g} that can account for a lost packet, by name: {@code /proc/net/xfrm_stat}
     * (no state, no policy, replay), {@code /proc/net/snmp} and {@code netstat} ({@code Ip:InDiscards},
     * {@code Udp:RcvbufErrors}, ...), eth0's drops and its qdisc's, the backlog's ({@code softnet:dropped}), those
     * waiting for ARP ({@code arp:unresolved_discards}) and every link's in every namespace
     * ({@code NS:LINK:rx_dropped}: the network's vxlan0, br0 and veths, the sandboxes' eth0). A loss with none of these moving was not the
     * kernel's to see (the host side of the tap: {@link #wireDrops}).
     */
    public Map<String, Long> dropCounters(int g) {
        String out = must(g, "cat /proc/net/xfrm_stat; "
                + "for f in /proc/net/snmp /proc/net/netstat; do awk 'NR % 2 == 1 { split($0, h) } NR % 2 == 0 { for (i = 2; i <= NF; i++) print h[1] h[i], $i }' $f; done; "
                + "for f in rx_dropped tx_dropped rx_errors tx_errors rx_fifo_errors tx_fifo_errors; do echo eth0:$f $(cat /sys/class/net/eth0/statistics/$f); done; "
                + "tc -s qdisc show dev eth0 | awk '/dropped/ { gsub(\",\", \"\", $7); s += $7 } END { print \"eth0:qdisc_dropped\", s + 0 }'; "
                // the backlog's drops (softnet_stat column 2) and packets dropped waiting for ARP (arp_cache), hex per CPU
                + "awk 'function hex(x, i, n) { n = 0; x = tolower(x); for (i = 1; i <= length(x); i++) n = n * 16 + index(\"0123456789abcdef\", substr(x, i, 1)) - 1; return n } "
                + "FILENAME ~ /softnet/ { d += hex($2) } FILENAME ~ /arp_cache/ && FNR == 1 { for (i = 1; i <= NF; i++) if ($i == \"unresolved_discards\") c = i } "
                + "FILENAME ~ /arp_cache/ && FNR > 1 && c { u += hex($c) } END { print \"softnet:dropped\", d + 0; print \"arp:unresolved_discards\", u + 0 }' "
                + "/proc/net/softnet_stat /proc/net/stat/arp_cache; "
                // every link's drops in every namespace (the network's vxlan0, br0 and veths, the sandboxes' eth0)
                + "for ns in $(ip netns list | cut -d' ' -f1); do ip netns exec $ns sh -c 'for d in /sys/class/net/*; do "
                + "echo '$ns':${d##*/}:rx_dropped $(cat $d/statistics/rx_dropped); echo '$ns':${d##*/}:tx_dropped $(cat $d/statistics/tx_dropped); done'; done");
        return counters(out);
    }

    /**
     * The last {@code n} lines of guest {@code g}'s daemon log about membership, sessions and peers (and its
     * warnings): a loss the kernel did not count may be the control plane's. The lines carry wall-clock time.
     */
    public String controlPlaneLines(int g, int n) {
        return must(g, "grep -E 'membership event|session (ended|established)|gossip removed|restart|grace|peers|WARN|ERROR' "
                + "/var/log/jswarm.log | tail -" + n);
    }

    /** The lab side of every guest's tap (host kernel): drops of frames the guest did not read or could not send. */
    public Map<String, Long> wireDrops() {
        // one process for every tap (the same NAME VALUE lines dropCounters parses), not one per tap and counter
        String taps = IntStream.rangeClosed(1, guests).mapToObj(g -> UmlLab.FAMILY + "tap" + g).collect(Collectors.joining(" "));
        return counters(Exec.run(20, List.of("ip", "netns", "exec", lab.namespace(), "sh", "-c",
                "for t in " + taps + "; do for f in rx_dropped tx_dropped; do echo $t:$f $(cat /sys/class/net/$t/statistics/$f); done; done"))
                .orThrow());
    }

    /** What moved between two snapshots of counters, non-zero deltas only. */
    public static Map<String, Long> moved(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> m = new TreeMap<>();
        after.forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            if (d != 0) {
                m.put(k, d);
            }
        });
        return m;
    }

    private static Map<String, Long> counters(String text) {
        Map<String, Long> m = new TreeMap<>();
        for (String line : text.lines().toList()) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2 && f[1].matches("-?\\d+")) {
                m.put(f[0], Long.parseLong(f[1]));
            }
        }
        return m;
    }

    /** Ping's summary, parsed: what was sent and what came back. */
    public record Loss(int sent, int received) {
        public int lost() {
            return sent - received;
        }

        public static Loss parse(String pingOutput) {
            Matcher m = LOSS.matcher(pingOutput);
            if (!m.find()) {
                throw new IllegalStateException("no ping summary in: " + pingOutput);
            }
            return new Loss(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
    }

    /**
     * Starts a ping every {@code intervalMs} from guest {@code g} (in namespace {@code netns}, or the host's when
     * null) to {@code target}, logging each reply to {@code /tmp/NAME.log}; {@link #stopPing} ends it.
     */
    public void startPing(int g, String netns, String target, int intervalMs, String name) {
        String in = netns == null ? "" : "ip netns exec " + netns + " ";
        must(g, "rm -f /tmp/" + name + ".log; " + in + "ping -D -n -i " + (intervalMs / 1000.0) + " -W 1 " + target
                + " >/tmp/" + name + ".log 2>&1 </dev/null & echo $! >/tmp/" + name + ".pid");
    }

    /**
     * Stops a {@link #startPing} ping; what was lost counts the gaps in the replies' sequence numbers up to the
     * last reply, so a request still in flight when it is stopped is not counted as lost (it would be by ping's
     * own summary). Sequence numbers start at 1: a loss at the start counts too.
     */
    public Loss stopPing(int g, String name) {
        String out = must(g, "kill -INT $(cat /tmp/" + name + ".pid); sleep 0.5; "
                + "grep -o 'icmp_seq=[0-9]*' /tmp/" + name + ".log | cut -d= -f2 | sort -n | uniq | awk '{ for (i = m + 1; "
                + "i < $1; i++) gaps = gaps \" \" i; n++; m = $1 } END { print m + 0, n + 0 gaps }'");
        String[] f = out.strip().split(" ");
        if (f.length > 2) {
            // Which requests went unanswered (10 ms apart: when, relative to the start of the ping)
            System.out.println("uml-enc: guest " + g + " ping " + name + " unanswered icmp_seq:"
                    + out.strip().substring(f[0].length() + f[1].length() + 1));
            // the replies either side of the first gaps, with ping's -D time stamps: when, to set against events
            StringBuilder around = new StringBuilder();
            for (int i = 2; i < Math.min(f.length, 12); i++) {
                int seq = Integer.parseInt(f[i]);
                around.append(around.isEmpty() ? "" : "|").append(seq - 1).append("|").append(seq + 1);
            }
            System.out.println("uml-enc: guest " + g + " replies around the gaps:\n"
                    + call(g, "grep -E 'icmp_seq=(" + around + ") ' /tmp/" + name + ".log | sort -u").output());
        }
        return new Loss(Integer.parseInt(f[0]), Integer.parseInt(f[1]));
    }

    /** Packets a capture saw, by kind. */
    public record Wire(int esp, int plaintext4799, int vxlan4789, List<String> sample) {
    }

    /**
     * Captures on the lab's bridge (the wire between the guests' kernels) while {@code during} runs; counts ESP
     * packets, plaintext UDP packets to port 4799 (VXLAN the design says must never be on the wire unencrypted) and
     * plain VXLAN on 4789 (the unencrypted networks').
     */
    public Wire capture(Runnable during) throws IOException {
        Path f = Files.createTempFile(UmlLab.FAMILY + "-wire", ".pcap");
        Files.delete(f);
        Process tcpdump = new ProcessBuilder("ip", "netns", "exec", lab.namespace(), "tcpdump", "-U", "-n", "-i", UmlLab.BRIDGE,
                "-w", f.toString(), "esp or udp port " + PORT + " or udp port 4789")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            // the pcap header is written once the capture runs: only then is "nothing plaintext" meaningful
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!Files.exists(f) || Files.size(f) < 24) {
                if (System.nanoTime() > deadline || !tcpdump.isAlive()) {
                    throw new IllegalStateException("tcpdump on the lab bridge did not start");
                }
                sleep(50);
            }
            sleep(300);
            during.run();
            sleep(1000);  // tcpdump -U writes each packet at once, but this machine may be loaded
        } finally {
            tcpdump.destroy();  // SIGTERM: tcpdump flushes and closes the file
            try {
                tcpdump.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            int esp = count(f, "esp");
            int plain = count(f, "udp port " + PORT);
            int vxlan = count(f, "udp port 4789");
            List<String> sample = new ArrayList<>(Exec.run(30, List.of("tcpdump", "-n", "-r", f.toString())).output().lines().skip(1).limit(2).toList());
            return new Wire(esp, plain, vxlan, sample);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private static int count(Path pcap, String filter) {
        Exec.Result r = Exec.run(30, List.of("tcpdump", "-n", "-r", pcap.toString(), filter));
        return (int) r.output().lines().filter(l -> !l.startsWith("reading from") && !l.isBlank()).count();
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
