# expect: killed_by=null status=passed
# about: hard limits cannot be raised again (no CAP_SYS_RESOURCE)
    import resource
    raised = []
    for res in (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_NOFILE, resource.RLIMIT_FSIZE, resource.RLIMIT_NPROC):
        soft, hard = resource.getrlimit(res)
        try:
            resource.setrlimit(res, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            if resource.getrlimit(res)[1] != hard:
                raised.append(res)
        except (ValueError, OSError):
            pass
    return 1 if not raised else raised
