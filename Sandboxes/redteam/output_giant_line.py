# expect: killed_by=output status=no_result
# about: one giant line without newline
    import sys
    sys.stdout.write("x" * (64 * 1024 * 1024))
    sys.stdout.flush()
    return 1
