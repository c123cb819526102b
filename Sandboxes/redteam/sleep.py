# expect: killed_by=wall status=no_result
# about: sleeping: only the wall deadline catches it
# limits: wall_ms=1000
    import time
    time.sleep(100)
