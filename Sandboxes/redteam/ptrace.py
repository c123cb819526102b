# expect: killed_by=seccomp syscall=ptrace status=no_result
# about: ptrace is denied
    import ctypes
    ctypes.CDLL(None).ptrace(0, 0, 0, 0)  # PTRACE_TRACEME
    return 1
