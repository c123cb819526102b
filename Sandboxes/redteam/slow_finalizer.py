# expect: killed_by=null status=passed
# about: finalizers and atexit never run after the record (os._exit): no slow shutdown
# limits: wall_ms=3000
    import time
    class Slow:
        def __del__(self):
            time.sleep(100)
    global keep
    keep = Slow()
    return 1
