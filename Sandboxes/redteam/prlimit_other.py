# expect: killed_by=seccomp syscall=prlimit64 status=no_result
# about: prlimit on another process is denied
    import resource
    resource.prlimit(1, resource.RLIMIT_CPU)
    return 1
