package io.jswarm.cli.cni;

/** A CNI error result: {@code {"cniVersion","code","msg","details"}} on stdout and a non-zero exit. */
final class CniError extends Exception {
    static final int INCOMPATIBLE_VERSION = 1;
    static final int UNSUPPORTED_FIELD = 2;
    static final int UNKNOWN_CONTAINER = 3;
    static final int INVALID_ENV = 4;
    static final int DECODE = 6;
    static final int INVALID_CONFIG = 7;
    static final int TRY_AGAIN = 11;
    static final int NOT_AVAILABLE = 50;
    /** Plugin-specific: the daemon refused the call (its message says why). */
    static final int DAEMON_REFUSED = 100;
    /** Plugin-specific: CHECK found the endpoint missing or the interface gone from the namespace. */
    static final int CHECK_FAILED = 101;
    /** Plugin-specific: the plugin's own record of attachments could not be read or written. */
    static final int STATE = 102;

    final int code;
    final String details;

    CniError(int code, String msg, String details) {
        super(msg, null, false, false);
        this.code = code;
        this.details = details == null ? "" : details;
    }

    CniError(int code, String msg) {
        this(code, msg, "");
    }
}
