# expect: killed_by=seccomp syscall=perf_event_open status=no_result
# about: perf_event_open is denied
    import ctypes
    attr = ctypes.create_string_buffer(128)
    ctypes.CDLL(None).syscall(298, attr, 0, -1, -1, 0)
    return 1
