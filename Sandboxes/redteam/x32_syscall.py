# expect: killed_by=seccomp signal=31 status=no_result
# about: foreign syscall ABIs (x32) are killed by libseccomp's bad-arch action (SIGSYS, no name)
    import ctypes
    ctypes.CDLL(None).syscall(0x40000000 + 39)  # x32 getpid
    return 1
