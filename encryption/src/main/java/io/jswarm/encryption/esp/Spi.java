package io.jswarm.encryption.esp;

/**
 * The SPI of the ESP SA a receiver uses for packets from one sender at one key generation:
 * {@code 0x4A000000 | (generation & 0xFF) << 16 | senderIndex}. Both ends compute it from what the manager
 * already told them (the sender's {@code data_index} and the generation), so no message negotiates it.
 *
 * <p>Why it cannot collide: SAs are identified by (destination, SPI), so only the SPIs on one receiver must
 * differ. There they differ by sender (data indexes are unique among current nodes; an index is reused only
 * after its node is gone) and by generation (the low 8 bits; at most 3 generations are ever live, so two
 * live ones never share them). The fixed top byte 0x4A ("J") keeps jswarm's SPIs out of the range below 256
 * that RFC 4303 reserves, and makes them recognisable in {@code ip xfrm state}.
 */
public final class Spi {
    public static final int PREFIX = 0x4A000000;
    public static final int MAX_INDEX = 0xFFFF;

    private Spi() {
    }

    /** @throws IllegalArgumentException for an index outside 1..65535 or a generation below 1 */
    public static int of(int senderIndex, int generation) {
        if (senderIndex < 1 || senderIndex > MAX_INDEX) {
            throw new IllegalArgumentException("data index " + senderIndex + " is outside 1.." + MAX_INDEX);
        }
        if (generation < 1) {
            throw new IllegalArgumentException("key generation " + generation + " is below 1");
        }
        return PREFIX | (generation & 0xFF) << 16 | senderIndex;
    }

    /** The sender's data index an SPI of {@link #of} names. */
    public static int senderIndex(int spi) {
        return spi & MAX_INDEX;
    }

    /** Whether {@code spi} has jswarm's layout (top byte 0x4A). */
    public static boolean isJswarm(int spi) {
        return (spi & 0xFF000000) == PREFIX;
    }
}
