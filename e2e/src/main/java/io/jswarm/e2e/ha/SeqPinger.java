package io.jswarm.e2e.ha;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ping every 200 ms from one sandbox to an address until stopped (SIGINT to the ping's own PID). Lost pings:
 * every sequence number up to the last one ping reported on (answered, or "no answer yet" with {@code -O}: no
 * reply before the next request went out) that was never answered. So a path that stops answering for good
 * counts, and only the request in flight at the stop never does.
 */
public final class SeqPinger {
    private static final Pattern SEQ = Pattern.compile("icmp_seq=(\\d+)");
    private static final Pattern NO_ANSWER = Pattern.compile("no answer yet for icmp_seq=(\\d+)");
    private final String from;
    private final String to;
    private final Process process;
    private final TreeSet<Integer> answered = new TreeSet<>();
    private int lastReported;
    private final Thread reader;

    private SeqPinger(String from, String to, Process process) {
        this.from = from;
        this.to = to;
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().start(this::read);
    }

    public static SeqPinger start(String fromNetns, String toIp) throws IOException {
        // `ip netns exec` execs ping: the process is ping itself, so SIGINT reaches it.
        return new SeqPinger(fromNetns, toIp, new ProcessBuilder("ip", "netns", "exec", fromNetns, "ping", "-n", "-O", "-i",
                "0.2", "-W", "5", toIp).redirectErrorStream(true).start());
    }

    private void read() {
        try (var in = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
            for (String line; (line = in.readLine()) != null; ) {
                Matcher none = NO_ANSWER.matcher(line);
                Matcher m = SEQ.matcher(line);
                synchronized (answered) {
                    if (none.find()) {
                        lastReported = Math.max(lastReported, Integer.parseInt(none.group(1)));
                    } else if (m.find()) {
                        int seq = Integer.parseInt(m.group(1));
                        answered.add(seq);
                        lastReported = Math.max(lastReported, seq);
                    }
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    public void stop() throws InterruptedException {
        if (process.isAlive()) {
            try {
                new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
            } catch (IOException e) {
                process.destroyForcibly();
            }
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        reader.join(10_000);
    }

    public int received() {
        synchronized (answered) {
            return answered.size();
        }
    }

    /** Sequence numbers up to the last one reported on that got no answer; [-1] when nothing was answered. */
    public List<Integer> missing() {
        synchronized (answered) {
            if (answered.isEmpty()) {
                return List.of(-1);
            }
            List<Integer> out = new ArrayList<>();
            for (int s = 1; s <= lastReported; s++) {
                if (!answered.contains(s)) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    @Override
    public String toString() {
        List<Integer> m = missing();
        return from + " -> " + to + ": answered " + received() + ", missing " + m.size()
                + (m.isEmpty() ? "" : " " + m.subList(0, Math.min(20, m.size())));
    }
}
