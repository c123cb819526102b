# expect: killed_by=null status=passed
# about: a setsid double-forked daemon holding the pipes: the sample ends normally and nothing survives (driver checks)
# profile: python-procs
# host-check: no-survivors
    import os, time
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(1000)  # holds stdout/stderr/result open
        os._exit(0)
    os.waitpid(pid, 0)
    return 1
