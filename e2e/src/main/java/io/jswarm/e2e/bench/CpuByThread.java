package io.jswarm.e2e.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code scale} bench's CPU account: CPU time of this JVM's threads grouped by name family (gossip I/O, table
 * replicators, scalecube schedulers, the bench's own thread, GC and the rest), so a phase can say whether the
 * time went to handshakes and gossip, to the tables, to the bench's polling or to the JVM (GC, JIT). Threads that ended
 * during the phase are missed (none do here: every agent lives for the whole run); the process total includes
 * them and is reported next to the sum.
 */
final class CpuByThread {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> startNanos = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();
    private final long processStart = processCpuNanos();
    private final long wallStart = System.nanoTime();

    private CpuByThread() {
    }

    /** Takes the starting point of a phase. */
    static CpuByThread start() {
        var c = new CpuByThread();
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null) {
                c.startNanos.put(t.getThreadId(), Math.max(0, THREADS.getThreadCpuTime(t.getThreadId())));
                c.names.put(t.getThreadId(), t.getThreadName());
            }
        }
        return c;
    }

    /** CPU ms since {@link #start()} per family, the process total, the wall time and what 2 cores could give. */
    Map<String, Object> since() {
        long wallMs = (System.nanoTime() - wallStart) / 1_000_000;
        Map<String, Long> byFamily = new TreeMap<>();
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t == null) {
                continue;
            }
            long now = THREADS.getThreadCpuTime(t.getThreadId());
            if (now < 0) {
                continue;
            }
            long used = now - startNanos.getOrDefault(t.getThreadId(), 0L);
            byFamily.merge(family(t.getThreadName()), used / 1_000_000, Long::sum);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("wall_ms", wallMs);
        long processMs = (processCpuNanos() - processStart) / 1_000_000;
        out.put("process_cpu_ms", processMs);
        out.put("cores", Runtime.getRuntime().availableProcessors());
        byFamily.forEach((f, ms) -> out.put("cpu_" + f + "_ms", ms));
        // GC, JIT and VM threads are not Java threads: the process total minus the Java threads' sum.
        out.put("cpu_jvm_ms", processMs - byFamily.values().stream().mapToLong(Long::longValue).sum());
        return out;
    }

    private static String family(String name) {
        if (name.startsWith("jswarm-gossip-io")) {
            return "gossip_io";
        }
        if (name.startsWith("jswarm-tables")) {
            return "tables";
        }
        if (name.startsWith("sc-")) {
            return "scalecube";
        }
        if (name.equals("main")) {
            return "bench";
        }
        return "other";
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
