# expect: killed_by=null status=error error_type=ZeroDivisionError
# about: sys.excepthook is never called (the runner catches everything)
    import sys, os
    sys.excepthook = lambda *a: os.write(3, b'{"status": "passed", "asserts_run": 1, "test_returned": true}\n')
    return 1 / 0
