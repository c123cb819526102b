# expect: killed_by=seccomp syscall=socket status=no_result
# about: socket families other than AF_UNIX are denied under the default profile (the procs profile answers AF_NETLINK/AF_PACKET with EACCES)
    import socket
    try:
        socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    except PermissionError:
        return 1
    return "netlink socket created"
