# expect: killed_by=seccomp syscall=kill status=no_result
# about: kill(-1) is denied
    import os, signal
    os.kill(-1, signal.SIGKILL)
    return 1
