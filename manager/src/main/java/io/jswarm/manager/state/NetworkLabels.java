package io.jswarm.manager.state;

import io.jswarm.manager.ipam.IpamException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Size limits on a network's labels (its only free-form options), checked at create, before anything is
 * stored. Every network travels in every {@code ClusterView} and {@code network ls} answer, so what one
 * network may carry is bounded: before, four networks with ~1.4 MB of labels each pushed the view past
 * gRPC's 4 MiB and every worker's session failed (issue 9).
 *
 * <p>Why these numbers: Docker's labels are reverse-DNS keys ({@code com.docker.compose.project.working_dir})
 * with short values (paths, versions, hashes); 64 labels of a 255-byte key and a 4 KiB value hold any of
 * them, and the 16 KiB total keeps one network's definition a small part of a 1 MiB view page (so 256
 * networks with every label at the limit are 4 MiB of view in pages, and their {@code network ls} still
 * fits one answer).
 */
public final class NetworkLabels {
    public static final int MAX_LABELS = 64;
    public static final int MAX_KEY_BYTES = 255;
    public static final int MAX_VALUE_BYTES = 4096;
    public static final int MAX_TOTAL_BYTES = 16 * 1024;

    private NetworkLabels() {
    }

    public static void check(Map<String, String> labels) throws IpamException {
        if (labels.size() > MAX_LABELS) {
            throw new IpamException("too many labels (" + labels.size() + "): at most " + MAX_LABELS + " per network");
        }
        long total = 0;
        for (var e : labels.entrySet()) {
            String k = e.getKey();
            int kb = k.getBytes(StandardCharsets.UTF_8).length;
            int vb = e.getValue().getBytes(StandardCharsets.UTF_8).length;
            if (k.isEmpty() || k.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
                throw new IpamException("invalid label key " + SafeText.quote(k) + ": empty, or holds whitespace or "
                        + "control characters");
            }
            if (kb > MAX_KEY_BYTES) {
                throw new IpamException("label key " + SafeText.quote(k) + " is " + kb + " bytes: at most " + MAX_KEY_BYTES);
            }
            if (vb > MAX_VALUE_BYTES) {
                throw new IpamException("label " + SafeText.quote(k) + " has a value of " + vb + " bytes: at most "
                        + MAX_VALUE_BYTES);
            }
            total += kb + vb;
        }
        if (total > MAX_TOTAL_BYTES) {
            throw new IpamException("labels are " + total + " bytes in total: at most " + MAX_TOTAL_BYTES + " per network");
        }
    }
}
