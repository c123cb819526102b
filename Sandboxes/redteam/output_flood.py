# expect: killed_by=output status=no_result
# about: endless printing: the per-stream byte cap
    while True:
        print("spam " * 100)
