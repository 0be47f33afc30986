"""Limits a worker process puts on itself before it answers any query or validation.

Defence in depth for DESIGN.md section 7 ("SERVICE federation off unless configured"):
Oxigraph evaluates ``SERVICE`` with its own HTTP client (Rust, not Python's ``socket``),
so a monkeypatch cannot stop it.  The kernel can: :func:`deny_network` installs a
*seccomp* filter (Linux ``seccomp(2)``, ``SECCOMP_MODE_FILTER``; a classic BPF program
built here with :mod:`ctypes`, no library needed) that makes ``socket(AF_INET, ...)`` and
``socket(AF_INET6, ...)`` fail with ``EACCES`` and forbids ``io_uring_setup`` (which could
open sockets without that system call).  Unix sockets and pipes keep working.  The filter
is inherited by every thread and child started afterwards, and cannot be removed.

:func:`limit_memory` caps the process's address space (``RLIMIT_AS``); an allocation past
it fails, so a runaway query ends its own worker instead of the machine's memory.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import struct

# seccomp / BPF constants (linux/seccomp.h, linux/filter.h, linux/audit.h)
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_EACCES = 13
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JSET_K = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
_AF_INET, _AF_INET6 = 2, 10
_X32_BIT = 0x40000000

#: machine -> (AUDIT_ARCH_*, __NR_socket, __NR_io_uring_setup)
_ARCH = {
    "x86_64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
}


class _Filter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class _Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _program(arch: int, nr_socket: int, nr_uring: int) -> list[tuple[int, int, int, int]]:
    deny = _RET_ERRNO | _EACCES
    # seccomp_data: int nr (offset 0); u32 arch (4); u64 ip (8); u64 args[6] (16 ...)
    return [
        (_LD_W_ABS, 0, 0, 4),  # 0: A = arch
        (_JEQ_K, 1, 0, arch),  # 1: our ABI? go on : deny (another ABI could dodge the rule)
        (_RET_K, 0, 0, deny),  # 2
        (_LD_W_ABS, 0, 0, 0),  # 3: A = syscall number
        (_JSET_K, 0, 1, _X32_BIT),  # 4: x32 syscalls on x86_64 -> deny
        (_RET_K, 0, 0, deny),  # 5
        (_JEQ_K, 5, 0, nr_uring),  # 6: io_uring_setup -> deny (12)
        (_JEQ_K, 0, 3, nr_socket),  # 7: socket? check its family : allow (11)
        (_LD_W_ABS, 0, 0, 16),  # 8: A = args[0] (low 32 bits, little endian)
        (_JEQ_K, 2, 0, _AF_INET),  # 9: AF_INET -> deny
        (_JEQ_K, 1, 0, _AF_INET6),  # 10: AF_INET6 -> deny
        (_RET_K, 0, 0, _RET_ALLOW),  # 11
        (_RET_K, 0, 0, deny),  # 12
    ]


def deny_network() -> str:
    """Forbid this process (and its future threads) to open IP sockets; what was done.

    Returns ``"seccomp"`` when the filter is installed, or a reason why not (another OS
    or CPU, or a kernel without seccomp); the caller logs it.  Never raises.
    """
    if os.name != "posix" or platform.system() != "Linux":
        return f"not available on {platform.system()}"
    arch = _ARCH.get(platform.machine())
    if arch is None or struct.calcsize("P") != 8:
        return f"not available on {platform.machine()}"
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prog = _program(*arch)
        filters = (_Filter * len(prog))(*[_Filter(*f) for f in prog])
        fprog = _Prog(len(prog), filters)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return f"prctl(NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}"
        if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
            return f"seccomp failed: {os.strerror(ctypes.get_errno())}"
    except (OSError, AttributeError) as exc:
        return f"seccomp unavailable: {exc}"
    return "seccomp"


def _few_malloc_arenas() -> None:
    """glibc reserves 64 MB of address space per thread arena; under an address-space cap the
    store's threads could then fail to start ("Resource temporarily unavailable") before any
    query ran.  Two arenas (``mallopt(M_ARENA_MAX, 2)``) keep the reservation small."""
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-8, 2)  # M_ARENA_MAX (malloc.h)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def limit_memory(megabytes: int) -> str:
    """Cap this process's address space at ``megabytes`` (0: no cap); what was done."""
    if megabytes <= 0:
        return "no memory limit"
    limit = megabytes << 20
    _few_malloc_arenas()
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError) as exc:
        return f"memory limit not set: {exc}"
    return f"address space limited to {limit >> 20} MB"


__all__ = ["deny_network", "limit_memory"]
