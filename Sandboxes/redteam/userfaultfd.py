# expect: killed_by=seccomp syscall=userfaultfd status=no_result
# about: userfaultfd is denied
    import ctypes
    ctypes.CDLL(None).syscall(323, 0)
    return 1
