# expect: killed_by=cpu signal=9 status=no_result
# about: ignoring SIGXCPU and friends: the hard CPU limit (soft + 1 s) SIGKILLs
# limits: wall_ms=20000 cpu_ms=1000
    import signal
    for sig in (signal.SIGXCPU, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    while True:
        pass
