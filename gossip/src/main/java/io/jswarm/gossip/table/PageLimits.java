package io.jswarm.gossip.table;

/**
 * Caps for one page of bulk state. The defaults keep every page far below scalecube's 2 MB frame cap and
 * small enough not to stall the gossip transport behind one big write.
 *
 * @param maxEntries maximum entries per page
 * @param maxBytes   maximum protobuf-encoded size of one {@code TablePage} message
 */
public record PageLimits(int maxEntries, int maxBytes) {

    /** Enough for one maximal entry (34 strings of <= 255 UTF-16 units, <= 3 UTF-8 bytes each) plus framing. */
    public static final int MIN_BYTES = 64 * 1024;
    public static final PageLimits DEFAULT = new PageLimits(1024, 256 * 1024);

    public PageLimits {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be >= 1: " + maxEntries);
        }
        if (maxBytes < MIN_BYTES) {
            throw new IllegalArgumentException("maxBytes must be >= " + MIN_BYTES + ": " + maxBytes);
        }
    }
}
