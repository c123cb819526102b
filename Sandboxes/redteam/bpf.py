# expect: killed_by=seccomp syscall=bpf status=no_result
# about: bpf is denied
    import ctypes
    attr = ctypes.create_string_buffer(128)
    ctypes.CDLL(None).syscall(321, 0, attr, 128)
    return 1
