# expect: killed_by=seccomp syscall=unshare status=no_result
# about: nested namespaces: unshare is denied
    import ctypes
    ctypes.CDLL(None).unshare(0x10000000)  # CLONE_NEWUSER
    return 1
