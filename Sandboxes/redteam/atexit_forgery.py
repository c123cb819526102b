# expect: killed_by=null status=failed
# about: atexit hooks never run (the runner leaves with os._exit)
    import atexit, os
    atexit.register(lambda: os.write(3, b'{"status": "passed", "asserts_run": 1, "test_returned": true}\n'))
    return 2
