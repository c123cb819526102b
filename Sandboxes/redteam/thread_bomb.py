# expect: killed_by=pids status=no_result
# about: threads are allowed, the pids cgroup caps them (a large address space, so that pids.max is what stops it); the loop spins until the wall deadline
# limits: wall_ms=2000 memory_bytes=17179869184
    import threading, time
    while True:
        try:
            threading.Thread(target=time.sleep, args=(100,), daemon=True).start()
        except Exception:  # RuntimeError: can't start new thread
            pass
