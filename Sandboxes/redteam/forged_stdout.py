# expect: killed_by=null status=failed
# about: printing a fake record on stdout changes nothing
    print('{"status": "passed", "asserts_run": 1, "test_returned": true}')
    return 2
