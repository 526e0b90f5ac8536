package io.jswarm.encryption.esp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EspKeysTest {
    private static final HexFormat HEX = HexFormat.of();
    private final DataKeyRoot root = DataKeyRoot.of(HEX.parseHex("00".repeat(31) + "01"));
    private final EspKeys.Node a = new EspKeys.Node("nodea", 1);
    private final EspKeys.Node b = new EspKeys.Node("nodeb", 2);
    private final EspKeys.Node c = new EspKeys.Node("nodec", 3);

    @Test
    void hkdfMatchesRfc5869TestCases1And3() {
        // Test case 1 (SHA-256, salt and info)
        byte[] okm = EspKeys.hkdf(HEX.parseHex("0b".repeat(22)), HEX.parseHex("000102030405060708090a0b0c"),
                HEX.parseHex("f0f1f2f3f4f5f6f7f8f9"), 42);
        assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                HEX.formatHex(okm));
        // Test case 3 (SHA-256, empty salt and info)
        okm = EspKeys.hkdf(HEX.parseHex("0b".repeat(22)), new byte[0], new byte[0], 42);
        assertEquals("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
                HEX.formatHex(okm));
    }

    @Test
    void deriveIsHkdfOfTheDesignedInfo() {
        byte[] info = HEX.parseHex(HEX.formatHex("nodea".getBytes()) + "00" + HEX.formatHex("nodeb".getBytes()) + "00" + "00000007");
        byte[] expected = EspKeys.hkdf(root.bytes(), "jswarm-esp-v1".getBytes(), info, 20);
        EspKey k = EspKeys.derive(root, 7, a, b);
        assertArrayEquals(expected, k.key());
        assertEquals(Spi.of(1, 7), k.spi());
        assertEquals(k, EspKeys.derive(root, 7, a, b), "deterministic: both ends and every manager agree");
    }

    @Test
    void keysDifferPerDirectionPairAndGeneration() {
        Set<String> keys = new HashSet<>();
        int n = 0;
        for (int g = 1; g <= 3; g++) {
            for (EspKeys.Node from : new EspKeys.Node[] {a, b, c}) {
                for (EspKeys.Node to : new EspKeys.Node[] {a, b, c}) {
                    if (from != to) {
                        keys.add(HEX.formatHex(EspKeys.derive(root, g, from, to).key()));
                        n++;
                    }
                }
            }
        }
        assertEquals(18, n);
        assertEquals(n, keys.size(), "every direction of every pair at every generation has its own key");
        DataKeyRoot other = DataKeyRoot.of(HEX.parseHex("00".repeat(31) + "02"));
        assertFalse(java.util.Arrays.equals(EspKeys.derive(root, 1, a, b).key(), EspKeys.derive(other, 1, a, b).key()));
    }

    @Test
    void refusesASelfPairAndBadNodes() {
        assertThrows(IllegalArgumentException.class, () -> EspKeys.derive(root, 1, a, new EspKeys.Node("nodea", 9)));
        assertThrows(IllegalArgumentException.class, () -> new EspKeys.Node("", 1));
        assertThrows(IllegalArgumentException.class, () -> new EspKeys.Node("x\0y", 1));
        assertThrows(IllegalArgumentException.class, () -> new EspKeys.Node("x", 0));
        assertThrows(IllegalArgumentException.class, () -> new EspKeys.Node("x", 65536));
    }

    @Test
    void spiLayout() {
        assertEquals(0x4A070001, Spi.of(1, 7));
        assertEquals(0x4A01FFFF, Spi.of(65535, 257), "only the low 8 bits of the generation");
        assertEquals(42, Spi.senderIndex(Spi.of(42, 3)));
        assertTrue(Spi.isJswarm(Spi.of(42, 3)));
        assertFalse(Spi.isJswarm(0x12345678));
        assertThrows(IllegalArgumentException.class, () -> Spi.of(0, 1));
        assertThrows(IllegalArgumentException.class, () -> Spi.of(65536, 1));
        assertThrows(IllegalArgumentException.class, () -> Spi.of(1, 0));
    }

    @Test
    void spisOnOneReceiverAreUniqueAcrossSendersAndLiveGenerations() {
        // Any 3 consecutive generations (at most 3 are live) and every possible sender index: no two SAs on
        // one receiver share an SPI.
        for (int first : new int[] {1, 254, 255, 256, 1000}) {
            Set<Integer> spis = new HashSet<>();
            for (int g = first; g < first + 3; g++) {
                for (int s = 1; s <= Spi.MAX_INDEX; s++) {
                    assertTrue(spis.add(Spi.of(s, g)), "collision at sender " + s + " generation " + g);
                }
            }
        }
    }

    @Test
    void toStringHidesKeys() {
        EspKey k = EspKeys.derive(root, 1, a, b);
        String hex = HEX.formatHex(k.key());
        assertFalse(k.toString().contains(hex), k.toString());
        assertFalse(k.toString().toLowerCase().contains(hex.substring(0, 8)));
        assertTrue(k.toString().contains("4a010001"), k.toString());
        assertFalse(root.toString().contains(HEX.formatHex(root.bytes())));
        assertFalse(root.toString().contains(root.encoded()));
        byte[] copy = k.key();
        copy[0] ^= 1;
        assertNotEquals(HEX.formatHex(copy), HEX.formatHex(k.key()), "key() hands out a copy");
    }

    @Test
    void rootsAreRandomFromTheDrbgAndRoundTrip() {
        DataKeyRoot r1 = DataKeyRoot.generate(new SecureRandom());
        DataKeyRoot r2 = DataKeyRoot.generate(new SecureRandom());
        assertEquals(32, r1.bytes().length);
        assertNotEquals(r1, r2);
        assertEquals(r1, DataKeyRoot.decode(r1.encoded()));
        assertThrows(IllegalArgumentException.class, () -> DataKeyRoot.of(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> DataKeyRoot.decode("not base64!"));
    }

    @Test
    void theDrbgDrawsItsEntropyFromTheInjectedSource() {
        // A source that always gives the same bytes gives the same root: nothing else feeds the DRBG, so tests
        // can be deterministic and production is exactly as strong as the OS source it is handed.
        assertEquals(DataKeyRoot.generate(fixed()), DataKeyRoot.generate(fixed()));
        assertNotEquals(DataKeyRoot.generate(fixed()), DataKeyRoot.generate(new SecureRandom()));
    }

    private static SecureRandom fixed() {
        return new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                java.util.Arrays.fill(bytes, (byte) 0x5A);
            }

            @Override
            public byte[] generateSeed(int numBytes) {
                byte[] b = new byte[numBytes];
                nextBytes(b);
                return b;
            }
        };
    }
}
