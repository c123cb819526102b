# expect: killed_by=seccomp syscall=setuid status=no_result
# about: set*id calls are denied
    import os
    os.setuid(0)
    return 1
