# expect: killed_by=null exit_code=0 status=no_result
# about: a forged record without the per-run nonce is no result
    import os
    os.write(3, b'{"nonce": "0000000000000000", "status": "passed", "asserts_run": 1, "test_returned": true}\n')
    os._exit(0)
