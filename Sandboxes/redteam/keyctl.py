# expect: killed_by=seccomp syscall=keyctl status=no_result
# about: keyctl is denied
    import ctypes
    ctypes.CDLL(None).syscall(250, 0, -1, 0)
    return 1
