// See include/assay_sandbox_child.h.
#include "assay_sandbox_child.h"

#include "assay_unix_messages.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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
        if (assay_msg_send_fd(notify, listener) < 0) return fail(c, "sending the seccomp listener");
        close(listener);
    } else if (notify >= 0 && send(notify, "O", 1, MSG_NOSIGNAL) != 1) {
        return fail(c, "reporting the set-up");
    }
    notify_sock = -1;
    if (notify >= 0) close(notify);
    return 0;
}

// ------------------------------------------------------------------------------------------
// The warm worker's fork loop

typedef struct {
    int top;            // the directory being emptied
    unsigned next_name; // for directories moved up to it
    unsigned moved;     // directories moved up during this pass
} wipe_t;

/// Moves the directory `name` (in `dfd`) up to the top as `.assay-deep-N`, never replacing
/// anything (a sample may have made such names itself).
static void move_up(wipe_t *w, int dfd, const char *name) {
    for (int tries = 0; tries < 64; tries++) {
        char dest[48];
        snprintf(dest, sizeof dest, ".assay-deep-%u", w->next_name++);
        if (syscall(SYS_renameat2, dfd, name, w->top, dest, RENAME_NOREPLACE) == 0) {
            w->moved++;
            return;
        }
        if (errno != EEXIST) return;
    }
}

/// Removes every entry below the directory open at `fd` (takes ownership of `fd`), never
/// following a symlink. Directories deeper than 16 levels are moved up to the top (the
/// caller's next pass empties them), so at most 17 descriptors are open at once.
static void empty_dir(wipe_t *w, int fd, int depth) {
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    int dfd = dirfd(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
        if (de->d_type != DT_DIR && (unlinkat(dfd, n, 0) == 0 || errno != EISDIR)) continue;
        if (unlinkat(dfd, n, AT_REMOVEDIR) == 0 || (errno != ENOTEMPTY && errno != EEXIST)) continue;
        if (depth >= 16) {
            move_up(w, dfd, n);
            continue;
        }
        int sub = openat(dfd, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) continue;
        empty_dir(w, sub, depth + 1);
        (void)!unlinkat(dfd, n, AT_REMOVEDIR);
    }
    closedir(d);
}

/// Empties the directory `path` (which stays). A chain of directories deeper than 16 levels
/// takes one more pass per 16 levels (a tmpfs of a few thousand inodes at most).
static void empty_path(const char *path) {
    wipe_t w = {.top = -1};
    for (int pass = 0; pass < 1024; pass++) {
        w.top = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (w.top < 0) return;
        w.moved = 0;
        int fd = fcntl(w.top, F_DUPFD_CLOEXEC, 0);
        if (fd >= 0) empty_dir(&w, fd, 0);
        close(w.top);
        if (w.moved == 0) return;
    }
}

static int worker_fail(assay_worker_config *w, const char *what) {
    if (w->error && w->error_len > 0) snprintf(w->error, (size_t)w->error_len, "%s", what);
    return -1;
}

int assay_worker_serve(assay_worker_config *w) {
    if (w->abi != ASSAY_WORKER_ABI) return worker_fail(w, "libAssaySandboxChild: worker ABI mismatch");
    void (*before)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "PyOS_BeforeFork");
    void (*after_child)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "PyOS_AfterFork_Child");
    void (*after_parent)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "PyOS_AfterFork_Parent");
    if (!before || !after_child || !after_parent)
        return worker_fail(w, "libAssaySandboxChild: PyOS_BeforeFork/PyOS_AfterFork_* not found (not loaded into CPython?)");
    int ctl = (int)w->control_fd;
    static char workdir[4096];
    for (;;) {
        char text[512], reply[160];
        int fds[ASSAY_MSG_MAX_FDS], nfds;
        ssize_t n = assay_msg_recv(ctl, text, sizeof text, fds, ASSAY_MSG_MAX_FDS, &nfds);
        if (n == 0) return 1; // the supervisor closed the control socket
        if (n < 0) {
            snprintf(reply, sizeof reply, "control socket: %s", strerror(errno));
            return worker_fail(w, reply);
        }
        long long seq, rl_as, cpu_soft, cpu_hard, fsize, nofile, nproc;
        if (nfds != 5 || sscanf(text, "run %lld %lld %lld %lld %lld %lld %lld", &seq, &rl_as, &cpu_soft, &cpu_hard, &fsize,
                                &nofile, &nproc) != 7) {
            for (int i = 0; i < nfds; i++) close(fds[i]);
            assay_msg_send(ctl, "error bad control message", NULL, 0);
            continue;
        }
        // The previous sample's tree has been swept by the supervisor: remove everything it left
        // in the work dirs' parent (not only its own dir) and in /tmp.
        empty_path(w->box);
        if (w->wipe_tmp) empty_path("/tmp");
        snprintf(workdir, sizeof workdir, "%s/s%lld", w->box, seq);

        before();
        pid_t pid = fork();
        int fork_errno = errno;
        if (pid == 0) {
            after_child();
            assay_child_config c = {
                .abi = ASSAY_CHILD_ABI, .stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC), .stdout_fd = fds[1],
                .stderr_fd = fds[2], .result_fd = fds[3], .request_fd = fds[0], .notify_fd = fds[4], .uid = w->uid,
                .gid = w->gid, .oom_score_adj = w->oom_score_adj, .rl_as = rl_as, .rl_cpu_soft = cpu_soft,
                .rl_cpu_hard = cpu_hard, .rl_fsize = fsize, .rl_nofile = nofile, .rl_nproc = nproc,
                .bpf_len = w->bpf_len, .bpf = w->bpf, .workdir = workdir, .error = w->error, .error_len = w->error_len};
            if (c.stdin_fd < 0) {
                notify_sock = (int)c.notify_fd;
                fail(&c, "opening /dev/null");
                _exit(125);
            }
            if (assay_child_enter(&c) != 0) _exit(125); // reported as "E ..." on the notify socket
            return 0;
        }
        after_parent();
        for (int i = 0; i < 5; i++) close(fds[i]);
        if (pid < 0) {
            snprintf(reply, sizeof reply, "error fork: %s", strerror(fork_errno));
            assay_msg_send(ctl, reply, NULL, 0);
            continue;
        }
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        int pidfd_errno = errno;
        if (pidfd >= 0) {
            snprintf(reply, sizeof reply, "pid %d", (int)pid);
            assay_msg_send(ctl, reply, &pidfd, 1);
            close(pidfd);
        } else {
            kill(pid, SIGKILL); // the supervisor cannot watch it: never run it
        }
        int status = 0;
        struct rusage ru;
        memset(&ru, 0, sizeof ru);
        while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
        }
        if (pidfd < 0) {
            snprintf(reply, sizeof reply, "error pidfd: %s", strerror(pidfd_errno));
        } else {
            snprintf(reply, sizeof reply, "exit %d %lld %lld %ld", status,
                     (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
                     (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec, ru.ru_maxrss);
        }
        assay_msg_send(ctl, reply, NULL, 0);
    }
}
