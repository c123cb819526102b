# expect: killed_by=wall status=no_result
# about: ignoring every catchable signal does not help against SIGKILL
# limits: wall_ms=1000
    import signal, time
    for sig in range(1, signal.NSIG):
        try:
            signal.signal(sig, signal.SIG_IGN)
        except (OSError, ValueError, RuntimeError):
            pass
    time.sleep(100)
