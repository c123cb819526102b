# expect: killed_by=null status=passed
# about: hidepid + the pid namespace: the sample sees no other process
    import os
    others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
    return 1 if not others else others
