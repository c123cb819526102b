# expect: killed_by=seccomp syscall=mount status=no_result
# about: mount is denied
    import ctypes
    ctypes.CDLL(None).mount(b"none", b"/tmp", b"tmpfs", 0, None)
    return 1
