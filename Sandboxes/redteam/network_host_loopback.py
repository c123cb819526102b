# expect: killed_by=seccomp syscall=socket status=no_result
# about: the default profile denies AF_INET/AF_INET6 sockets (forbidden syscall); the driver's host listener must see nothing
# host-check: listener-silent
    import socket
    for family, addr in ((socket.AF_INET, ("127.0.0.1", {PORT})), (socket.AF_INET6, ("::1", {PORT}))):
        try:
            s = socket.socket(family, socket.SOCK_STREAM)
            s.settimeout(1)
            s.connect(addr)
            s.sendall(b"hello from the sandbox")
            return "connected"
        except OSError:
            pass
    return 1
