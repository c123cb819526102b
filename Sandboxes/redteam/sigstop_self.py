# expect: killed_by=wall status=no_result
# about: a stopped process never exits on its own
# limits: wall_ms=1000
    import os, signal
    os.kill(os.getpid(), signal.SIGSTOP)
    return 1
