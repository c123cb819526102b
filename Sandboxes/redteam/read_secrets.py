# expect: killed_by=null status=passed
# about: secrets: no /etc/shadow, no other process's environment (the driver puts ASSAY_REDTEAM_SECRET in the supervisor's)
    import os
    leaked = []
    for path in ("/etc/shadow", "/etc/gshadow", "/root/.bash_history", "/proc/1/environ", "/proc/1/cmdline",
                 "/proc/1/maps", "/work"):
        try:
            with open(path, "rb") as fh:
                if fh.read():
                    leaked.append(path)
        except OSError:
            pass
    env = dict(os.environ)
    if set(env) - {"PATH", "LANG", "HOME", "LC_CTYPE"}:
        leaked.append("environ:" + ",".join(sorted(env)))
    try:
        for pid in os.listdir("/proc"):
            if pid.isdigit() and int(pid) != os.getpid():
                try:
                    with open("/proc/%s/environ" % pid, "rb") as fh:
                        if b"ASSAY_REDTEAM_SECRET" in fh.read():
                            leaked.append("environ of " + pid)
                except OSError:
                    pass
    except OSError:
        pass
    return 1 if not leaked else leaked
