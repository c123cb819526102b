// See include/assay_sandbox_child.h.
#include "assay_sandbox_child.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int notify_sock = -1; // where the notify socket currently is

static int fail(assay_child_config *c, const char *step) {
    int err = errno;
    char text[512];
    snprintf(text, sizeof text, "E %s: %s", step, strerror(err));
    if (c->error && c->error_len > 0) snprintf(c->error, (size_t)c->error_len, "%s", text + 2);
    if (notify_sock >= 0) (void)!send(notify_sock, text, strlen(text), MSG_NOSIGNAL);
    return -1;
}

static int set_limit(int resource, int64_t soft, int64_t hard) {
    if (soft == -1) return 0;
    struct rlimit rl = {soft < 0 ? RLIM_INFINITY : (rlim_t)soft, hard < 0 ? RLIM_INFINITY : (rlim_t)hard};
    return setrlimit(resource, &rl);
}

static int send_fd(int sock, int fd) {
    char byte = 'L';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    ssize_t n;
    do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == 1 ? 0 : -1;
}

int assay_child_enter(assay_child_config *c) {
    notify_sock = c->notify_fd >= 0 ? (int)c->notify_fd : -1;
    if (c->abi != ASSAY_CHILD_ABI) {
        errno = EINVAL;
        return fail(c, "libAssaySandboxChild ABI mismatch");
    }
    for (int i = 0; i < 4 && c->cgroup_procs[i]; i++) {
        int fd = open(c->cgroup_procs[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0\n", 2) != 2) return fail(c, "entering the sample cgroup");
        close(fd);
    }
    pid_t parent = getppid();
    if (setsid() < 0) return fail(c, "setsid");
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) return fail(c, "prctl(PR_SET_PDEATHSIG)");
    if (getppid() != parent) _exit(125); // the worker is gone already
    if (c->oom_score_adj >= -1000) {
        char text[16];
        int n = snprintf(text, sizeof text, "%d\n", (int)c->oom_score_adj);
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, text, (size_t)n) != n) return fail(c, "writing oom_score_adj");
        close(fd);
    }
    // Descriptors: move every source above 64, then dup2 into place; the notify socket stays
    // above 64 until the listener has been sent.
    int64_t src[5] = {c->stdin_fd, c->stdout_fd, c->stderr_fd, c->result_fd, c->request_fd};
    int moved[5];
    for (int i = 0; i < 5; i++) {
        moved[i] = -1;
        if (src[i] >= 0 && (moved[i] = fcntl((int)src[i], F_DUPFD_CLOEXEC, 64)) < 0) return fail(c, "fcntl(F_DUPFD)");
    }
    int notify = -1;
    if (c->notify_fd >= 0) {
        if ((notify = fcntl((int)c->notify_fd, F_DUPFD_CLOEXEC, 64)) < 0) return fail(c, "fcntl(F_DUPFD)");
        notify_sock = notify;
    }
    for (int i = 0; i < 5; i++) {
        if (moved[i] < 0) {
            close(i);
            continue;
        }
        if (dup2(moved[i], i) < 0) return fail(c, "dup2");
        close(moved[i]);
    }
    if (notify >= 0) {
        if (dup2(notify, ASSAY_NOTIFY_FD) < 0) return fail(c, "dup2");
        close(notify);
        notify = notify_sock = ASSAY_NOTIFY_FD;
    }
    // Everything else goes: the worker's control socket, the program fd, pipes, files.
    if (syscall(SYS_close_range, (unsigned)ASSAY_NOTIFY_FD + 1, ~0U, 0U) < 0) return fail(c, "close_range");
    if (c->workdir) {
        if (mkdir(c->workdir, 0700) < 0) return fail(c, "mkdir of the work dir");
        if (c->uid >= 0 && chown(c->workdir, (uid_t)c->uid, (gid_t)c->gid) < 0) return fail(c, "chown of the work dir");
        if (chdir(c->workdir) < 0) return fail(c, "chdir to the work dir");
    }
    if (c->uid >= 0) {
        if (setgroups(0, NULL) < 0 && errno != EPERM) return fail(c, "setgroups");
        if (setresgid((gid_t)c->gid, (gid_t)c->gid, (gid_t)c->gid) < 0) return fail(c, "setresgid");
        if (setresuid((uid_t)c->uid, (uid_t)c->uid, (uid_t)c->uid) < 0) return fail(c, "setresuid");
    }
    if (set_limit(RLIMIT_CORE, 0, 0) < 0 || set_limit(RLIMIT_AS, c->rl_as, c->rl_as) < 0 ||
        set_limit(RLIMIT_CPU, c->rl_cpu_soft, c->rl_cpu_hard) < 0 || set_limit(RLIMIT_FSIZE, c->rl_fsize, c->rl_fsize) < 0 ||
        set_limit(RLIMIT_NOFILE, c->rl_nofile, c->rl_nofile) < 0 || set_limit(RLIMIT_NPROC, c->rl_nproc, c->rl_nproc) < 0)
        return fail(c, "setrlimit");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return fail(c, "prctl(PR_SET_NO_NEW_PRIVS)");
    if (c->bpf_len > 0) {
        static struct sock_filter copy[BPF_MAXINSNS];
        size_t n = (size_t)c->bpf_len / sizeof(struct sock_filter);
        if (n == 0 || n > BPF_MAXINSNS || (size_t)c->bpf_len % sizeof(struct sock_filter) || notify < 0) {
            errno = EINVAL;
            return fail(c, "seccomp program or notify socket");
        }
        memcpy(copy, c->bpf, (size_t)c->bpf_len);
        uint32_t self = (uint32_t)getpid();
        for (size_t i = 0; i < n; i++)
            if (copy[i].k == ASSAY_SELF_MAGIC && BPF_CLASS(copy[i].code) == BPF_JMP) copy[i].k = self;
        struct sock_fprog prog = {.len = (unsigned short)n, .filter = copy};
        int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
        if (listener < 0) return fail(c, "loading the seccomp filter");
        // From here on the profile applies: only sendmsg on the notify socket and close are
        // guaranteed (the supervisor adds them when the profile does not mention them).
        if (send_fd(notify, listener) < 0) return fail(c, "sending the seccomp listener");
        close(listener);
    } else if (notify >= 0 && send(notify, "O", 1, MSG_NOSIGNAL) != 1) {
        return fail(c, "reporting the set-up");
    }
    notify_sock = -1;
    if (notify >= 0) close(notify);
    return 0;
}
