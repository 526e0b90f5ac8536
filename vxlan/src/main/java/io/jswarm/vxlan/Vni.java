package io.jswarm.vxlan;

/** A VXLAN network identifier: 24 bits on the wire. jswarm allocates from 4097 up (4096 is ingress). */
public record Vni(int value) {
    public static final int MAX = (1 << 24) - 1;

    public Vni {
        if (value < 0 || value > MAX) {
            throw new IllegalArgumentException("VNI must be within 0.." + MAX + ", got " + value);
        }
    }

    public static Vni of(int value) {
        return new Vni(value);
    }

    @Override
    public String toString() {
        return Integer.toString(value);
    }
}
