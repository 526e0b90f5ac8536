/*
 * LD_PRELOAD shim for Debian's linux.uml (6.1) on hosts whose XSAVE area is larger than UML's 832-byte buffer
 * (AVX-512, PKRU, AMX: 11 KB here). The host kernel accepts PTRACE_SETREGSET(NT_X86_XSTATE) only with the full
 * host size, so every register restore failed with EFAULT ("ptrace set fp regs failed, errno = 14") and the
 * guest's init died at its first instruction. Upstream UML later sizes the buffer from the host; until the
 * packaged kernel does, this pads each restore to the host size: the current full state of the stopped process
 * (read first), with UML's part (x87/SSE legacy area, header, AVX upper halves) laid over it, so components UML
 * does not know keep their values instead of being zeroed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

static unsigned char full_area[64 * 1024] __attribute__((aligned(64)));

long ptrace(enum __ptrace_request req, ...) {
    va_list ap;
    va_start(ap, req);
    pid_t pid = va_arg(ap, pid_t);
    void *addr = va_arg(ap, void *);
    void *data = va_arg(ap, void *);
    va_end(ap);
    static ptrace_fn real;
    if (!real) real = (ptrace_fn) dlsym(RTLD_NEXT, "ptrace");
    if (req == PTRACE_SETREGSET && (uintptr_t) addr == NT_X86_XSTATE && data) {
        struct iovec *uml = data;
        struct iovec full = { full_area, sizeof full_area };
        if (uml->iov_len >= 576 && real(PTRACE_GETREGSET, pid, addr, &full) == 0 && full.iov_len > uml->iov_len) {
            uint64_t current_bv, uml_bv;
            memcpy(&current_bv, full_area + 512, 8);
            memcpy(&uml_bv, (unsigned char *) uml->iov_base + 512, 8);
            memcpy(full_area, uml->iov_base, uml->iov_len);
            uint64_t bv = (uml_bv & 0x7) | (current_bv & ~(uint64_t) 0x7);  /* x87|SSE|AVX are UML's */
            memcpy(full_area + 512, &bv, 8);
            return real(PTRACE_SETREGSET, pid, addr, &full);
        }
    }
    return real(req, pid, addr, data);
}
