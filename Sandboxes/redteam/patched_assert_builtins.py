# expect: killed_by=null flagged=true
# about: patching the runner's assert helpers through __builtins__: not preventable in-process, must be flagged
    __builtins__["__assay_eq"] = lambda index, left, right: True
    return 2
