# expect: killed_by=seccomp syscall=clone status=no_result
# about: clone with CLONE_THREAD plus a namespace flag is denied
    import ctypes
    libc = ctypes.CDLL(None)
    # clone(CLONE_THREAD|CLONE_SIGHAND|CLONE_VM|CLONE_NEWNET) with no stack: namespace flags are denied
    libc.syscall(56, 0x00010000 | 0x00000800 | 0x00000100 | 0x40000000, 0, 0, 0, 0)
    return 1
