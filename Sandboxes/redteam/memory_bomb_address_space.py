# expect: killed_by=null status=error error_type=MemoryError
# about: one huge allocation: RLIMIT_AS refuses it
    x = bytearray(8 * 1024 ** 3)
    return 1
