package io.jswarm.vxlan.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jswarm.vxlan.IpPrefix;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The oracle's parsers on what iproute2 6.1 printed in a UML guest (Linux 6.1 with ESP) for SAs and policies
 * NetlinkKernel had written (XfrmUmlE2ETest's cross-check), so the oracle stays right where ESP is missing.
 */
class IprouteXfrmTest {
    static final String STATES = """
            src 192.0.2.2 dst 192.0.2.1
            	proto esp spi 0x4a010002(1241579522) reqid 4870999(0x004a5357) mode transport
            	replay-window 0 seq 0x00000000 flag esn (0x10000000)
            	aead rfc4106(gcm(aes)) 0x131211100f0e0d0c0b0a09080706050403020100 (160 bits) 128
            	anti-replay esn context:
            	 seq-hi 0x0, seq 0xffffff00, oseq-hi 0x0, oseq 0xffffff00
            	 replay_window 128, bitmap-length 4
            	 00000000 00000000 00000000 00000000\s
            	sel src 0.0.0.0/0 dst 0.0.0.0/0 uid 0
            	lifetime config:
            	  limit: soft 1048576(bytes), hard 2097152(bytes)
            	  limit: soft 1000(packets), hard 2000(packets)
            	  expire add: soft 0(sec), hard 0(sec)
            	  expire use: soft 0(sec), hard 0(sec)
            	lifetime current:
            	  0(bytes), 0(packets)
            	  add 2026-12-02 02:55:26 use -
            	stats:
            	  replay-window 0 replay 0 failed 0
            src 192.0.2.1 dst 192.0.2.2
            	proto esp spi 0x4a010001(1241579521) reqid 4870999(0x004a5357) mode transport
            	replay-window 0 seq 0x00000000 flag esn (0x10000000)
            	aead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 (160 bits) 128
            	anti-replay esn context:
            	 seq-hi 0x1, seq 0x0, oseq-hi 0x1, oseq 0x2c
            	 replay_window 128, bitmap-length 4
            	 00000000 00000000 00000000 00000000\s
            	sel src 0.0.0.0/0 dst 0.0.0.0/0 uid 0
            	lifetime config:
            	  limit: soft 1099511627776(bytes), hard (INF)(bytes)
            	  limit: soft 2147483648(packets), hard (INF)(packets)
            	  expire add: soft 0(sec), hard 0(sec)
            	  expire use: soft 0(sec), hard 0(sec)
            	lifetime current:
            	  3000(bytes), 300(packets)
            	  add 2026-12-02 02:55:26 use 2026-12-02 02:55:27
            	stats:
            	  replay-window 0 replay 2 failed 1
            """;
    static final String POLICIES = """
            src 0.0.0.0/0 dst 0.0.0.0/0 proto 17 dport 4799\s
            	dir in priority 200 ptype main\s
            	tmpl src 0.0.0.0 dst 0.0.0.0
            		proto esp reqid 4870999 mode transport
            src 0.0.0.0/0 dst 0.0.0.0/0 proto 17 dport 4799\s
            	dir out action block priority 200 ptype main\s
            src 192.0.2.1/32 dst 192.0.2.2/32 proto 17 dport 4799\s
            	dir out priority 100 ptype main\s
            	tmpl src 192.0.2.1 dst 192.0.2.2
            		proto esp spi 0x4a010001 reqid 4870999 mode transport
            src ::/0 dst ::/0\s
            	socket in priority 0 ptype main\s
            """;

    @Test
    void parsesIproute2sSaText() {
        List<XfrmState> states = IprouteXfrm.states(STATES);
        assertEquals(List.of(
                new XfrmState(XfrmContract.PEER, XfrmContract.SELF, 0x4A010002, XfrmContract.REQID,
                        HexFormat.of().parseHex(XfrmContract.KEY2), 128, new XfrmLimits(1 << 20, 1 << 21, 1000, 2000),
                        0xFFFF_FF00L, XfrmCounters.NONE),
                new XfrmState(XfrmContract.SELF, XfrmContract.PEER, 0x4A010001, XfrmContract.REQID,
                        HexFormat.of().parseHex(XfrmContract.KEY1), 128, XfrmLimits.soft(1L << 40, 1L << 31),
                        0x1_0000_002CL, new XfrmCounters(3000, 300, 2, 1))), states);
    }

    @Test
    void parsesIproute2sPolicyTextAndSkipsSocketPolicies() {
        assertEquals(List.of(XfrmContract.in(), XfrmContract.block(), XfrmContract.out(XfrmContract.PEER, 100,
                0x4A010001)), IprouteXfrm.policies(POLICIES));
        assertEquals(IpPrefix.parse("192.0.2.2/32"), IprouteXfrm.policies(POLICIES).get(2).selector().dst());
    }
}
