# expect: killed_by=output status=no_result
# about: the cap applies to stderr too
    import sys
    while True:
        sys.stderr.write("e" * 65536)
