# expect: killed_by=null status=error error_type=MemoryError|RecursionError|SystemError
# about: Python-level recursion with a huge limit: frames live on the heap, RLIMIT_AS ends it (CPython 3.11 sometimes reports the exhaustion as SystemError)
# limits: memory_bytes=268435456 wall_ms=20000
    import sys
    sys.setrecursionlimit(10 ** 8)
    def down(n):
        return down(n + 1)
    return down(0)
