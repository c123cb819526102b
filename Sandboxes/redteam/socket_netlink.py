# expect: killed_by=null status=passed
# about: socket families other than AF_UNIX fail with EACCES under the default profile
    import socket
    try:
        socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    except PermissionError:
        return 1
    return "netlink socket created"
