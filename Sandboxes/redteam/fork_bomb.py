# expect: killed_by=seccomp syscall=clone status=no_result
# about: fork bomb under the default profile: the first fork is denied
    import os
    while True:
        os.fork()
