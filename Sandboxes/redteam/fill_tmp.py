# expect: killed_by=null status=passed
# about: filling /tmp: a private, size-limited tmpfs (and RLIMIT_FSIZE) ends it with ENOSPC/EFBIG
    import errno
    n = 0
    try:
        while True:
            with open("/tmp/fill%d" % n, "wb") as fh:
                for _ in range(16):
                    fh.write(b"\0" * (1024 * 1024))
            n += 1
    except OSError as exc:
        return 1 if exc.errno in (errno.ENOSPC, errno.EFBIG) and n < 16 else (n, exc.errno)
