package io.jswarm.vxlan.kernel;

import io.jswarm.vxlan.MacAddress;
import io.jswarm.vxlan.Netns;
import java.net.InetAddress;

/**
 * One change to a namespace's network state, applied with {@link Kernel#apply}. Devices are named, not
 * indexed: the kernel implementation resolves names in the namespace the change is applied to, at the
 * moment it is applied (so a batch may create a link and then configure it).
 *
 * <p>Semantics shared by every {@link Kernel}:
 * <ul>
 *   <li>{@code Set*}/{@code Replace*}/{@link AddAddress} are idempotent: create or replace, never "exists".</li>
 *   <li>{@code Delete*} of something absent (or on a device that is absent) succeeds.</li>
 *   <li>{@link AddLink} is exclusive: a link of that name already present fails with EEXIST, because
 *       silently keeping a device with other attributes is how stale VXLAN devices survive.</li>
 * </ul>
 */
public sealed interface KernelChange {

    record AddLink(LinkSpec spec) implements KernelChange {
    }

    record DeleteLink(String name) implements KernelChange {
        public DeleteLink {
            LinkSpec.checkName(name);
        }
    }

    /** Moves a link into {@code target}, renaming it to {@code newName} on the way (may equal {@code name}). */
    record MoveLink(String name, Netns target, String newName) implements KernelChange {
        public MoveLink {
            LinkSpec.checkName(name);
            LinkSpec.checkName(newName);
            if (target == null) {
                throw new IllegalArgumentException("move of " + name + " needs a target namespace");
            }
        }
    }

    /**
     * Changes attributes of an existing link; a {@code null} field is left as it is. {@code master} set to
     * {@link #NO_MASTER} detaches the link from its bridge.
     */
    record SetLink(String name, Boolean up, Integer mtu, MacAddress mac, String master) implements KernelChange {
        public static final String NO_MASTER = "";

        public SetLink {
            LinkSpec.checkName(name);
            if (master != null && !master.equals(NO_MASTER)) {
                LinkSpec.checkName(master);
            }
        }

        public static SetLink up(String name) {
            return new SetLink(name, true, null, null, null);
        }

        public static SetLink master(String name, String master) {
            return new SetLink(name, null, null, null, master);
        }
    }

    record AddAddress(Address address) implements KernelChange {
    }

    record DeleteAddress(Address address) implements KernelChange {
    }

    record ReplaceRoute(Route route) implements KernelChange {
    }

    record DeleteRoute(Route route) implements KernelChange {
    }

    /** Creates or replaces a permanent neighbour entry. */
    record SetNeighbor(Neighbor neighbor) implements KernelChange {
    }

    record DeleteNeighbor(String dev, InetAddress ip) implements KernelChange {
        public DeleteNeighbor {
            LinkSpec.checkName(dev);
        }
    }

    /** Creates or replaces an FDB entry (NLM_F_CREATE|NLM_F_REPLACE). */
    record SetFdb(FdbEntry entry) implements KernelChange {
    }

    /**
     * Sets the bridge-port flags of {@code dev}, a port of a bridge ({@code ip link set DEV type bridge_slave
     * learning on|off locked on|off}); EOPNOTSUPP if it is no port. Idempotent.
     */
    record SetBridgePort(String dev, Link.BridgePort port) implements KernelChange {
        public SetBridgePort {
            LinkSpec.checkName(dev);
            if (port == null) {
                throw new IllegalArgumentException("bridge port flags of " + dev + " are required");
            }
        }
    }

    /**
     * Installs {@code filter} on its device, replacing whatever ingress filters the device had (the device's
     * {@code clsact} qdisc is deleted and made anew, so a foreign or damaged filter does not survive).
     */
    record SetPortFilter(PortFilter filter) implements KernelChange {
        public SetPortFilter {
            if (filter == null) {
                throw new IllegalArgumentException("port filter is required");
            }
        }
    }

    /** Removes the device's {@code clsact} qdisc and with it every filter on it; succeeds if there is none. */
    record DeletePortFilter(String dev) implements KernelChange {
        public DeletePortFilter {
            LinkSpec.checkName(dev);
        }
    }

    /** Deletes an FDB entry; {@code dst} narrows the match on VXLAN devices and may be {@code null}. */
    record DeleteFdb(String dev, MacAddress mac, InetAddress dst) implements KernelChange {
        public DeleteFdb {
            LinkSpec.checkName(dev);
        }
    }

    /**
     * Creates or replaces an ESP SA (XFRM_MSG_NEWSA, or XFRM_MSG_UPDSA when one with that id exists: the kernel has
     * no create-or-replace flag for SAs). Replacing keeps the kernel's sequence counters only if key and window are
     * unchanged; jswarm never changes an SA's key in place (a new key is a new SPI).
     */
    record SetXfrmState(XfrmState state) implements KernelChange {
        public SetXfrmState {
            if (state == null) {
                throw new IllegalArgumentException("SA is required");
            }
        }
    }

    /** Deletes an ESP SA by id (XFRM_MSG_DELSA); succeeds if there is none. */
    record DeleteXfrmState(XfrmId id) implements KernelChange {
        public DeleteXfrmState {
            if (id == null) {
                throw new IllegalArgumentException("SA id is required");
            }
        }
    }

    /** Creates or replaces a policy with the same selector and direction (XFRM_MSG_UPDPOLICY). */
    record SetXfrmPolicy(XfrmPolicy policy) implements KernelChange {
        public SetXfrmPolicy {
            if (policy == null) {
                throw new IllegalArgumentException("policy is required");
            }
        }
    }

    /** Deletes the policy with this selector and direction (XFRM_MSG_DELPOLICY); succeeds if there is none. */
    record DeleteXfrmPolicy(XfrmPolicy.Key key) implements KernelChange {
        public DeleteXfrmPolicy {
            if (key == null) {
                throw new IllegalArgumentException("policy key is required");
            }
        }
    }
}
