# expect: killed_by=memory status=no_result
# about: steady growth of touched pages: the memory cgroup (256 MiB here) OOM-kills it before RLIMIT_AS
# flags: --cg-memory 256M
# limits: wall_ms=10000
    chunks = []
    while True:
        chunks.append(bytearray(50 * 1024 * 1024))  # bytearray() zero-fills: the pages are touched
