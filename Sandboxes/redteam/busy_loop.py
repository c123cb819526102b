# expect: killed_by=cpu signal=24 status=no_result
# about: CPU-bound loop: RLIMIT_CPU soft limit (SIGXCPU) before the wall deadline
# limits: wall_ms=15000 cpu_ms=1000
    while True:
        pass
