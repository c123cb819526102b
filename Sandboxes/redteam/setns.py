# expect: killed_by=seccomp syscall=setns status=no_result
# about: setns is denied
    import ctypes, os
    fd = os.open("/proc/self/ns/net", os.O_RDONLY)
    ctypes.CDLL(None).setns(fd, 0)
    return 1
