package io.jswarm.vxlan.netlink;

/**
 * NETLINK_XFRM numbers and struct sizes from the kernel's uapi {@code linux/xfrm.h} (x86-64 and every 64-bit
 * Linux ABI jswarm runs on: the structs hold u64 lifetimes, so they are 8-byte aligned).
 */
final class Xfrm {
    static final int NETLINK_XFRM = 6;

    static final int XFRM_MSG_NEWSA = 16;
    static final int XFRM_MSG_DELSA = 17;
    static final int XFRM_MSG_GETSA = 18;
    static final int XFRM_MSG_NEWPOLICY = 19;
    static final int XFRM_MSG_DELPOLICY = 20;
    static final int XFRM_MSG_GETPOLICY = 21;
    static final int XFRM_MSG_EXPIRE = 24;
    static final int XFRM_MSG_UPDPOLICY = 25;
    static final int XFRM_MSG_UPDSA = 26;

    /** Multicast group of XFRM_MSG_EXPIRE (enum xfrm_nlgroups). */
    static final int XFRMNLGRP_EXPIRE = 2;

    static final int XFRMA_TMPL = 5;
    static final int XFRMA_SRCADDR = 13;
    static final int XFRMA_ALG_AEAD = 18;
    static final int XFRMA_REPLAY_ESN_VAL = 23;

    static final int IPPROTO_ESP = 50;
    static final int XFRM_MODE_TRANSPORT = 0;
    static final int XFRM_STATE_ESN = 128;
    static final int XFRM_POLICY_IN = 0;
    static final int XFRM_POLICY_OUT = 1;
    static final int XFRM_POLICY_FWD = 2;
    static final int XFRM_POLICY_ALLOW = 0;
    static final int XFRM_POLICY_BLOCK = 1;
    /** XFRM_INF: no limit. */
    static final long INF = -1L;

    /** struct xfrm_selector. */
    static final int SELECTOR_LEN = 56;
    /** struct xfrm_id. */
    static final int ID_LEN = 24;
    /** struct xfrm_lifetime_cfg. */
    static final int LIFETIME_CFG_LEN = 64;
    /** struct xfrm_lifetime_cur. */
    static final int LIFETIME_CUR_LEN = 32;
    /** struct xfrm_usersa_info. */
    static final int USERSA_INFO_LEN = 224;
    /** struct xfrm_usersa_id. */
    static final int USERSA_ID_LEN = 24;
    /** struct xfrm_userpolicy_info. */
    static final int USERPOLICY_INFO_LEN = 168;
    /** struct xfrm_userpolicy_id. */
    static final int USERPOLICY_ID_LEN = 64;
    /** struct xfrm_user_tmpl. */
    static final int USER_TMPL_LEN = 64;
    /** struct xfrm_algo_aead without the key: alg_name[64], alg_key_len (bits), alg_icv_len (bits). */
    static final int ALGO_AEAD_LEN = 72;
    /** struct xfrm_replay_state_esn without the bitmap. */
    static final int REPLAY_ESN_LEN = 24;

    private Xfrm() {
    }

    static String typeName(int type) {
        return switch (type) {
            case XFRM_MSG_NEWSA -> "XFRM_MSG_NEWSA";
            case XFRM_MSG_DELSA -> "XFRM_MSG_DELSA";
            case XFRM_MSG_GETSA -> "XFRM_MSG_GETSA";
            case XFRM_MSG_NEWPOLICY -> "XFRM_MSG_NEWPOLICY";
            case XFRM_MSG_DELPOLICY -> "XFRM_MSG_DELPOLICY";
            case XFRM_MSG_GETPOLICY -> "XFRM_MSG_GETPOLICY";
            case XFRM_MSG_EXPIRE -> "XFRM_MSG_EXPIRE";
            case XFRM_MSG_UPDPOLICY -> "XFRM_MSG_UPDPOLICY";
            case XFRM_MSG_UPDSA -> "XFRM_MSG_UPDSA";
            default -> "XFRM type " + type;
        };
    }
}
