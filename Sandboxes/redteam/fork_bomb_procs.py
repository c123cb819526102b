# expect: killed_by=pids status=no_result
# about: fork bomb where processes are allowed: held at pids.max until the wall deadline
# profile: python-procs
# limits: wall_ms=2000
    import os
    while True:
        try:
            os.fork()
        except OSError:
            pass
