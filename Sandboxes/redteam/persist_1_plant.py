# expect: killed_by=null status=passed
# about: plants files in /tmp and /dev/shm, and under /box a file, a 40-deep directory chain and a symlink where the next sample's work dir goes (serve: /box/s<n+1>), for the next sample (see persist_2_check; the next sample must run and pass)
    import os
    for path in ("/tmp/planted", "/dev/shm/planted"):
        with open(path, "w") as fh:
            fh.write("from an earlier sample")
    cwd = os.getcwd()
    if cwd.startswith("/box/s") and cwd[6:].isdigit():
        os.symlink("/tmp", "/box/s%d" % (int(cwd[6:]) + 1))
    os.makedirs("/box/deep" + "/d" * 40)
    open("/box/planted", "w").close()
    return 1
