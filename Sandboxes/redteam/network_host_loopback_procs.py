# expect: killed_by=null status=passed
# about: sockets allowed, but the network namespace has only its own lo: ECONNREFUSED
# profile: python-procs
# host-check: listener-silent
    import socket
    try:
        s = socket.create_connection(("127.0.0.1", {PORT}), timeout=1)
        s.sendall(b"hello from the sandbox")
        return "connected"
    except OSError:
        return 1
