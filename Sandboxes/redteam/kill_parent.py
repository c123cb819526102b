# expect: killed_by=seccomp syscall=kill status=no_result
# about: signals only to itself
    import os, signal
    os.kill(os.getppid(), signal.SIGKILL)
    return 1
