package io.jswarm.vxlan.netlink;

import io.jswarm.vxlan.kernel.XfrmLimits;
import io.jswarm.vxlan.kernel.XfrmState;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this kernel can do ESP with {@code rfc4106(gcm(aes))}: one SA of exactly the kind jswarm writes is added
 * (and deleted again) in a brand-new namespace bound nowhere, which vanishes with the probe's socket. Adding it is
 * the only reliable test: the kernel loads {@code esp4} and the GCM template on demand, so neither /proc/crypto
 * nor lsmod tells beforehand. A kernel without them answers ENOSYS "Requested AEAD algorithm not found" (or
 * EPROTONOSUPPORT without esp4 itself).
 */
final class EspProbe {
    private static final Logger LOG = LoggerFactory.getLogger(EspProbe.class);

    private EspProbe() {
    }

    static boolean probe() {
        try {
            Netlink.ensureAvailability();
            return Namespaces.callInNew(EspProbe::addAndDelete);
        } catch (IOException | RuntimeException e) {
            LOG.info("ESP probe could not run ({}); treating this kernel as without ESP", e.toString());
            return false;
        }
    }

    private static boolean addAndDelete() throws IOException {
        // Documentation addresses in a namespace nobody else sees; a zero key is fine for an SA that carries nothing.
        XfrmState sa = new XfrmState(InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1}),
                InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 2}), 0x100, 0, new byte[XfrmState.KEY_BYTES],
                128, XfrmLimits.NONE);
        XfrmEncoder encoder = new XfrmEncoder();
        try (NetlinkSocket socket = NetlinkSocket.open(Xfrm.NETLINK_XFRM, 1 << 16, 1 << 16, 10);
             NetlinkChannel channel = new NetlinkChannel(socket, 4, 1 << 16)) {
            NetlinkChannel.Outcomes added = channel.execute(List.of(encoder.addSa(sa)));
            int errno = added.errno()[0];
            if (errno != 0) {
                LOG.info("this kernel cannot do IPsec ESP ({}): {} {}", XfrmState.AEAD, Errno.name(errno),
                        added.extack()[0] == null ? "" : added.extack()[0]);
                return false;
            }
            channel.execute(List.of(encoder.deleteSa(sa.id())));
            LOG.debug("ESP probe: this kernel can do {}", XfrmState.AEAD);
            return true;
        }
    }
}
