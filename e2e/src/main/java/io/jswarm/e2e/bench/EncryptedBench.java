package io.jswarm.e2e.bench;

import io.jswarm.e2e.uml.GuestEsp;
import io.jswarm.e2e.uml.UmlSwarm;
import io.jswarm.testkit.UmlLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * IPsec overlays on separate kernels (two UML guests running jswarm from its package): TCP throughput sandbox to
 * sandbox over (J) a jswarm encrypted network, (H) the same path built by hand ({@code esp-handbuilt.sh}: VXLAN,
 * the design's transport-mode rfc4106(gcm(aes)) ESN SAs and policies, a namespace behind a bridge and a veth; on
 * port 4798 with its own reqid, so jswarm's reconcile never sees it), (P) a jswarm unencrypted network. Rounds
 * alternate J H P so drift hits all three; medians. Then {@code jswarm network rotate-keys} under a 10 ms ping
 * and an iperf3 stream: pings lost. UML has no AES-NI and one vCPU: compare the ratio, never absolute numbers.
 */
final class EncryptedBench {
    private static final Pattern BPS = Pattern.compile(
            "\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)");
    private static final String HAND_ENV = "ESP_PORT=4798 ESP_REQID=0x4a0001 ESP_DEV=jsencb0 ESP_FLUSH=0";
    private static final int VNI = 4798;
    /**
     * The hand-built path's key generation: its SPIs follow jswarm's scheme (0x4A | generation | sender index), so
     * generation 1 would give the same (destination, SPI) as jswarm's own SAs beside it ("File exists"); 200 is a
     * generation this run's jswarm never reaches.
     */
    private static final int HAND_GENERATION = 200;

    private EncryptedBench() {
    }

    static Map<String, Object> run(int rounds, int seconds, int rotations, int streamMbit, String family) throws IOException, InterruptedException {
        UmlLab.unavailable().ifPresent(why -> {
            throw new IllegalStateException(why);
        });
        Path deb = UmlSwarm.onlyDeb(Path.of("package", "target").toAbsolutePath());
        Path share = Files.createTempDirectory(UmlLab.FAMILY + "-share");
        String enc = family + "-enc";
        String plain = family + "-plain";
        try (UmlLab lab = UmlLab.start(2, share)) {
            Files.copy(deb, share.resolve("jswarm.deb"));
            GuestEsp esp = new GuestEsp(lab, 2, share);
            progress("2 guests up; installing the package and forming the swarm");
            UmlSwarm swarm = UmlSwarm.form(lab, 2, "jswarm.deb");
            swarm.run(1, "jswarm network create -d overlay -o encrypted --attachable " + enc);
            swarm.run(1, "jswarm network create -d overlay --attachable " + plain);
            for (int g = 1; g <= 2; g++) {
                swarm.attach(g, enc, sandbox(family, g, "e"));
                swarm.attach(g, plain, sandbox(family, g, "p"));
            }
            swarm.awaitPing(1, sandbox(family, 1, "e"), sandbox(family, 2, "e"));
            swarm.awaitPing(1, sandbox(family, 1, "p"), sandbox(family, 2, "p"));
            for (int g = 1; g <= 2; g++) {
                // without jswarm's SAs the "encrypted" network would be plaintext and the ratio meaningless
                if (generations(swarm, g).isEmpty()) {
                    throw new IllegalStateException("guest " + g + " has no ESP SAs of jswarm (reqid 0x4a5357) for the encrypted network");
                }
            }
            int mtu = Integer.parseInt(swarm.run(1, "ip netns exec " + sandbox(family, 1, "e") + " cat /sys/class/net/eth0/mtu").strip());
            progress("jswarm networks up; encrypted sandbox MTU " + mtu + " (the design's for 1500: " + GuestEsp.MTU_1500 + ")");
            for (int g = 1; g <= 2; g++) {
                int peer = 3 - g;
                esp.must(g, HAND_ENV + " esp_up " + g + " " + HAND_GENERATION + " " + VNI + " " + mtu + " " + peer + " && " + HAND_ENV + " esp_sandbox " + g + " " + peer);
            }
            esp.must(1, "ip netns exec jsenc-sb ping -c 1 -W 3 " + GuestEsp.overlay(2));
            String encIp = address(swarm, 2, sandbox(family, 2, "e"));
            String plainIp = address(swarm, 2, sandbox(family, 2, "p"));
            swarm.run(2, "ip netns exec " + sandbox(family, 2, "e") + " iperf3 -s -D && ip netns exec " + sandbox(family, 2, "p")
                    + " iperf3 -s -D && ip netns exec jsenc-sb iperf3 -s -D");
            List<Double> j = new ArrayList<>();
            List<Double> h = new ArrayList<>();
            List<Double> p = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                j.add(iperf(swarm, sandbox(family, 1, "e"), encIp, seconds));
                h.add(iperf(swarm, "jsenc-sb", GuestEsp.overlay(2), seconds));
                p.add(iperf(swarm, sandbox(family, 1, "p"), plainIp, seconds));
                progress(String.format("round %d: jswarm %.0f, hand-built %.0f, plain %.0f Mbit/s", r, j.getLast(), h.getLast(), p.getLast()));
            }
            List<Integer> each = new ArrayList<>();
            for (int r = 1; r <= rotations; r++) {
                each.add(rotationLost(swarm, esp, family, encIp, streamMbit, r == 1));
            }
            int lost = each.stream().mapToInt(Integer::intValue).sum();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bench", "encrypted");
            out.put("jswarm_mbps", Bench.median(j));
            out.put("handbuilt_mbps", Bench.median(h));
            out.put("ratio", Bench.median(j) / Bench.median(h));
            out.put("plain_mbps", Bench.median(p));
            out.put("rotation_lost", lost);
            out.put("rotations", rotations);
            out.put("rotation_lost_each", each);
            out.put("stream_mbit", streamMbit);
            GuestEsp.Loss control = CONTROL.get();
            if (control != null) {
                out.put("control_lost", control.lost());   // same ping and stream for 20 s, no rotation
                out.put("control_sent", control.sent());
            }
            out.put("rounds", rounds);
            out.put("seconds", seconds);
            out.put("mtu", mtu);
            return out;
        } finally {
            try (Stream<Path> s = Files.list(share)) {
                for (Path f : s.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(share);
        }
    }

    /** The control window's result of the last {@link #rotationLost} (one bench per JVM). */
    private static final java.util.concurrent.atomic.AtomicReference<GuestEsp.Loss> CONTROL =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * A 10 ms ping and an iperf3 stream sandbox 1 -> 2 on the encrypted network across a rotation: from
     * {@code rotate-keys} until both guests hold only SAs of a generation other than the ones before (the new one
     * promoted, the old retired). The stream runs at {@code streamMbit}
     * (0: unlimited); {@code control} first measures the same ping and stream for 20 s without a rotation. Returns
     * the pings lost.
     */
    private static int rotationLost(UmlSwarm swarm, GuestEsp esp, String family, String encIp, int streamMbit, boolean control)
            throws InterruptedException {
        String sb1 = sandbox(family, 1, "e");
        List<String> before = new ArrayList<>();
        for (int g = 1; g <= 2; g++) {
            before.add(generations(swarm, g));
        }
        progress("rotation: SA generations before " + before);
        String rate = streamMbit > 0 ? " -b " + streamMbit + "M" : "";
        swarm.run(1, "ip netns exec " + sb1 + " iperf3 -c " + encIp + rate + " -t 600 >/tmp/rotiperf.log 2>&1 & echo $! >/tmp/rotiperf.pid");
        if (control) {
            // The control: the same ping under the same stream for 20 s without a rotation. Unlimited, TCP finds its
            // rate by filling the bottleneck queue until packets drop, so some pings may be lost with no rotation at all.
            Thread.sleep(1000);
            esp.startPing(1, sb1, encIp, 10, "ctlping");
            Thread.sleep(20_000);
            GuestEsp.Loss c = esp.stopPing(1, "ctlping");
            progress("rotation: control (same stream, no rotation, 20 s): 10 ms ping " + c);
            CONTROL.set(c);
        }
        List<Map<String, Long>> counters = new ArrayList<>();
        for (int g = 1; g <= 2; g++) {
            counters.add(esp.dropCounters(g));
        }
        esp.startPing(1, sb1, encIp, 10, "rotping");
        Thread.sleep(2000);
        long t = System.nanoTime();
        progress("rotation: " + swarm.run(1, "jswarm network rotate-keys").strip());
        UmlSwarm.await("both guests on the new generation only", Duration.ofSeconds(180), () -> {
            for (int g = 1; g <= 2; g++) {
                String now = generations(swarm, g);
                if (now.isEmpty() || before.stream().anyMatch(b -> !b.isEmpty() && intersects(b, now))) {
                    return false;
                }
            }
            return true;
        });
        progress("rotation: done in " + (System.nanoTime() - t) / 1_000_000 + " ms; generations now " + generations(swarm, 1));
        Thread.sleep(2000);
        swarm.run(1, "kill $(cat /tmp/rotiperf.pid) || true");
        GuestEsp.Loss l = esp.stopPing(1, "rotping");
        progress("rotation: 10 ms ping " + l);
        for (int g = 1; g <= 2; g++) {
            // only what can account for a loss (drops, errors, discards, retransmissions), not the traffic's own counts
            Map<String, Long> moved = new java.util.TreeMap<>(GuestEsp.moved(counters.get(g - 1), esp.dropCounters(g)));
            moved.keySet().removeIf(k -> !k.matches("(?i).*(drop|err|discard|fail|retrans|lost|Xfrm|overflow|prune).*"));
            progress("rotation: guest " + g + " drop counters moved: " + moved);
            if (l.lost() > 0) {
                progress("rotation: guest " + g + " daemon's membership, session and peer lines:\n" + esp.controlPlaneLines(g, 30));
            }
        }
        return l.lost();
    }

    /** The generations of jswarm's SAs (reqid 0x4a5357) in guest {@code g}: the SPI's second byte, sorted. */
    private static String generations(UmlSwarm swarm, int g) {
        return swarm.run(g, "ip xfrm state list reqid 0x4a5357 | grep -o 'spi 0x4a[0-9a-f]*' | cut -c9-10 | sort -u | tr '\\n' ' '").strip();
    }

    private static boolean intersects(String a, String b) {
        List<String> x = List.of(a.split(" "));
        return Stream.of(b.split(" ")).anyMatch(x::contains);
    }

    private static double iperf(UmlSwarm swarm, String netns, String ip, int seconds) {
        String json = swarm.run(1, "ip netns exec " + netns + " iperf3 -c " + ip + " -t " + seconds + " -J --connect-timeout 5000");
        Matcher m = BPS.matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no iperf3 result from " + netns + ": " + json);
        }
        return Double.parseDouble(m.group(1)) / 1e6;
    }

    private static String address(UmlSwarm swarm, int g, String sandbox) {
        String out = swarm.run(g, "ip -n " + sandbox + " -4 -o addr show eth0 | awk '{ print $4 }' | cut -d/ -f1");
        return out.strip();
    }

    private static String sandbox(String family, int g, String kind) {
        return family + "-" + kind + g;
    }

    private static void progress(String s) {
        System.err.println("encrypted: " + s);
    }
}
