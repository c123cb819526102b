# expect: killed_by=null exit_code=0 status=no_result
# about: a clean exit before the tests run is no pass
    return 1
import os
os._exit(0)
