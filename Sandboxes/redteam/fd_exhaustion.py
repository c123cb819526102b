# expect: killed_by=null status=passed
# about: RLIMIT_NOFILE: EMFILE after a few dozen descriptors
    import errno
    files = []
    try:
        while True:
            files.append(open("/dev/null"))
    except OSError as exc:
        return 1 if exc.errno == errno.EMFILE and len(files) < 64 else len(files)
