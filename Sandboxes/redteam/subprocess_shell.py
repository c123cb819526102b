# expect: killed_by=seccomp syscall=vfork|clone|clone3|execve status=no_result
# about: executing other programs is denied under the default profile
    import subprocess
    return subprocess.run(["/bin/sh", "-c", "echo hi"]).returncode + 1
