# expect: killed_by=null status=passed
# about: only fds 0-4 are open in the sample
    import os
    extra = [fd for fd in map(int, os.listdir("/proc/self/fd")) if fd > 4]
    # the listing itself opens one descriptor
    return 1 if len(extra) <= 1 else extra
