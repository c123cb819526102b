# expect: killed_by=null status=passed
# about: plants files in /tmp and /dev/shm for the next sample (see persist_2_check)
    for path in ("/tmp/planted", "/dev/shm/planted"):
        with open(path, "w") as fh:
            fh.write("from an earlier sample")
    return 1
