# expect: killed_by=seccomp syscall=ioctl status=no_result
# about: terminal injection: ioctl requests are compared on their low 32 bits
    import ctypes
    # TIOCSTI with garbage in the upper 32 bits of the request (CVE-2019-10063 style)
    ctypes.CDLL(None).syscall(16, 0, 0x5412 | (1 << 32), ctypes.c_char_p(b"x"))
    return 1
