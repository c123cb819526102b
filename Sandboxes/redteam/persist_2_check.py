# expect: killed_by=null status=passed
# about: nothing of an earlier sample (files in /tmp, /dev/shm, other work dirs) is visible
    import os
    seen = [p for p in ("/tmp/planted", "/dev/shm/planted") if os.path.exists(p)]
    seen += [p for p in os.listdir("/box") if not os.getcwd().endswith(p)] if os.path.isdir("/box") else []
    return 1 if not seen else seen
