# expect: killed_by=null signal=11 status=no_result
# about: C-level recursion: SIGSEGV at the stack limit
# limits: wall_ms=10000
    import sys
    sys.setrecursionlimit(10 ** 8)
    def down(n):
        return list(map(down, [n + 1]))  # every level goes through C: the C stack overflows
    return down(0)
