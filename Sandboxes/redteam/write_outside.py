# expect: killed_by=null status=passed
# about: writes outside the work dir and into system dirs all fail (read-only or absent); the driver also checks the host
# host-check: no-new-files
    import os
    targets = ["/etc/assay-redteam", "/usr/assay-redteam", "/assay/assay-redteam", "/assay-redteam",
               "/proc/assay-redteam", "/dev/assay-redteam", "../assay-redteam", "/work/assay-redteam",
               "/root/assay-redteam", "/var/tmp/assay-redteam"]
    written = []
    for path in targets:
        try:
            with open(path, "w") as fh:
                fh.write("x")
            if not os.path.abspath(path).startswith(("/box/", "/tmp/")):
                written.append(path)
        except OSError:
            pass
    return 1 if not written else written
