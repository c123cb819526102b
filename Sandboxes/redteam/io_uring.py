# expect: killed_by=seccomp syscall=io_uring_setup status=no_result
# about: io_uring is denied
    import ctypes
    params = ctypes.create_string_buffer(120)
    ctypes.CDLL(None).syscall(425, 8, params)
    return 1
