// `assay-sandbox exec`: one request, one fresh interpreter.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// ------------------------------------------------------------------------------------------
// Pre-exec failure reports travel over a CLOEXEC pipe: {stage, errno}. An empty read means the
// exec succeeded.

enum { ST_SETSID = 1, ST_PDEATHSIG, ST_DUP2, ST_CLOSE_RANGE, ST_CHDIR, ST_RLIMIT, ST_SIGNALS, ST_EXEC };

static const char *stage_name(int stage) {
    switch (stage) {
    case ST_SETSID: return "setsid";
    case ST_PDEATHSIG: return "prctl(PR_SET_PDEATHSIG)";
    case ST_DUP2: return "dup2";
    case ST_CLOSE_RANGE: return "close_range";
    case ST_CHDIR: return "chdir to the work dir";
    case ST_RLIMIT: return "setrlimit";
    case ST_SIGNALS: return "resetting signals";
    case ST_EXEC: return "execve of the interpreter";
    }
    return "child set-up";
}

static _Noreturn void child_fail(int errfd, int stage) {
    int msg[2] = {stage, errno};
    (void)!write(errfd, msg, sizeof msg);
    _exit(127);
}

/// Everything the child needs, prepared before fork so the child makes only
/// async-signal-safe calls.
typedef struct {
    int null_fd, out_w, err_w, res_w, req_fd, errfd;
    pid_t parent;
    const char *workdir;
    const char *python;
    char *const *argv;
    char *const *envp;
    struct rlimit rl_as, rl_cpu, rl_fsize, rl_nofile, rl_core;
} child_plan;

static _Noreturn void child_main(const child_plan *p) {
    int e = p->errfd;
    sigset_t all;
    sigemptyset(&all);
    if (sigprocmask(SIG_SETMASK, &all, NULL) < 0) child_fail(e, ST_SIGNALS);
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        sigaction(sig, &dfl, NULL); // EINVAL for reserved numbers is expected
    }
    if (setsid() < 0) child_fail(e, ST_SETSID);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) child_fail(e, ST_PDEATHSIG);
    if (getppid() != p->parent) _exit(127); // the supervisor is already gone
    if (dup2(p->null_fd, 0) < 0 || dup2(p->out_w, 1) < 0 || dup2(p->err_w, 2) < 0 || dup2(p->res_w, 3) < 0 ||
        dup2(p->req_fd, 4) < 0)
        child_fail(e, ST_DUP2);
    // Everything from 5 up is marked close-on-exec (the error pipe stays usable until the exec).
    if (syscall(SYS_close_range, 5U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) child_fail(e, ST_CLOSE_RANGE);
    if (chdir(p->workdir) < 0) child_fail(e, ST_CHDIR);
    if (setrlimit(RLIMIT_CORE, &p->rl_core) < 0 || setrlimit(RLIMIT_FSIZE, &p->rl_fsize) < 0 ||
        setrlimit(RLIMIT_NOFILE, &p->rl_nofile) < 0 || setrlimit(RLIMIT_CPU, &p->rl_cpu) < 0 ||
        setrlimit(RLIMIT_AS, &p->rl_as) < 0)
        child_fail(e, ST_RLIMIT);
    execve(p->python, p->argv, p->envp);
    child_fail(e, ST_EXEC);
}

// ------------------------------------------------------------------------------------------
// Tree kill without namespaces: the session's process group, then every process that got
// re-parented to us (we are a child subreaper), until nothing is left.

static int kill_children_of_self(void) {
    char path[64], text[8192];
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    ssize_t n = read_file(path, text, sizeof text);
    if (n <= 0) return 0;
    int count = 0;
    char *p = text;
    while (*p) {
        char *end;
        long pid = strtol(p, &end, 10);
        if (end == p) break;
        if (pid > 1) {
            kill((pid_t)pid, SIGKILL);
            kill((pid_t)pid, SIGCONT);
            count++;
        }
        p = end;
    }
    return count;
}

void sweep_descendants(void) {
    for (int round = 0; round < 10000; round++) {
        int killed = kill_children_of_self();
        bool reaped = false;
        int status;
        pid_t r;
        while ((r = waitpid(-1, &status, WNOHANG | __WALL)) > 0) reaped = true;
        if (r < 0 && errno == ECHILD) return;
        if (!killed && !reaped) {
            struct timespec ts = {0, 1000000}; // 1 ms: let the kernel finish the kills
            nanosleep(&ts, NULL);
        }
    }
}

// ------------------------------------------------------------------------------------------

static int make_pipe(int *r, int *w) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) return -1;
    *r = fds[0];
    *w = fds[1];
    return 0;
}

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static double tv_ms(struct timeval tv) { return (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0; }

static int signal_fd = -1;

void exec_setup_signals(void) {
    // SIGTERM/SIGINT/SIGHUP arrive on a signalfd, so an interrupted run is still cleaned up.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
}

bool interrupted(void) {
    if (signal_fd < 0) return false;
    struct signalfd_siginfo si;
    return read(signal_fd, &si, sizeof si) == (ssize_t)sizeof si;
}

int exec_signal_fd(void) { return signal_fd; }

void run_exec(const exec_config *cfg, const limits_t *limits_in, const char *request, size_t request_len,
              outcome_t *o) {
    limits_t limits = *limits_in;
    limits_resolve(&limits);
    limits_apply_plan(&limits, &o->applied);
    applied_json(&o->extra, &limits, &o->applied);
    o->wall_limit_ms = limits.wall_ms;
    buf_puts(&o->layers, "\"rlimits\":\"active\",\"session\":\"active\",\"subreaper\":\"active\"");

    stream_init(&o->out, -1, (size_t)cfg->capture, limits.output_bytes, false);
    stream_init(&o->err, -1, (size_t)cfg->capture, limits.output_bytes, true);
    stream_init(&o->res, -1, RESULT_CAP, RESULT_CAP, false);

    char workdir[4096];
    int null_fd = -1, out_w = -1, err_w = -1, res_w = -1, req_fd = -1, err_r = -1, err_w2 = -1, pidfd = -1;
    pid_t pid = -1;
    bool have_workdir = false;

    if ((size_t)snprintf(workdir, sizeof workdir, "%s/assay-XXXXXX", cfg->workdir_root) >= sizeof workdir) {
        outcome_fail(o, "--workdir-root is too long");
        return;
    }
    if (!mkdtemp(workdir)) {
        outcome_fail(o, "cannot create a work dir under %s: %s", cfg->workdir_root, strerror(errno));
        return;
    }
    have_workdir = true;

    // Pipes: stdout, stderr, result (the supervisor reads), the request memfd, the error pipe.
    if ((null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        outcome_fail(o, "cannot open /dev/null: %s", strerror(errno));
        goto done;
    }
    if (make_pipe(&o->out.fd, &out_w) < 0 || make_pipe(&o->err.fd, &err_w) < 0 || make_pipe(&o->res.fd, &res_w) < 0 ||
        make_pipe(&err_r, &err_w2) < 0) {
        outcome_fail(o, "pipe2: %s", strerror(errno));
        goto done;
    }
    req_fd = memfd_create("assay-request", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (req_fd < 0) {
        outcome_fail(o, "memfd_create: %s", strerror(errno));
        goto done;
    }
    if (write_all(req_fd, request, request_len) < 0 || lseek(req_fd, 0, SEEK_SET) < 0 ||
        fcntl(req_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
        outcome_fail(o, "cannot fill the request memfd: %s", strerror(errno));
        goto done;
    }
    // The child dup2s onto 0..4: keep every source above that range.
    int *fds[] = {&null_fd, &out_w, &err_w, &res_w, &req_fd, &err_w2};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        int nfd = fd_move_high(*fds[i], 10);
        if (nfd < 0) {
            outcome_fail(o, "fcntl(F_DUPFD_CLOEXEC): %s", strerror(errno));
            goto done;
        }
        *fds[i] = nfd;
    }
    for (stream_t *s = &o->out; s; s = (s == &o->out ? &o->err : s == &o->err ? &o->res : NULL))
        fcntl(s->fd, F_SETFL, O_NONBLOCK);

    char home[4200];
    snprintf(home, sizeof home, "HOME=%s", workdir);
    char *argv[] = {(char *)cfg->python, "-I", "-S", "-B", (char *)cfg->runner, NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", home, NULL};
    child_plan plan = {
        .null_fd = null_fd, .out_w = out_w, .err_w = err_w, .res_w = res_w, .req_fd = req_fd, .errfd = err_w2,
        .parent = getpid(), .workdir = workdir, .python = cfg->python, .argv = argv, .envp = envp,
        .rl_as = {o->applied.as, o->applied.as},
        .rl_cpu = {o->applied.cpu_soft, o->applied.cpu_hard},
        .rl_fsize = {o->applied.fsize, o->applied.fsize},
        .rl_nofile = {o->applied.nofile, o->applied.nofile},
        .rl_core = {0, 0},
    };

    int64_t start = now_ns();
    pid = fork();
    if (pid < 0) {
        outcome_fail(o, "fork: %s", strerror(errno));
        goto done;
    }
    if (pid == 0) child_main(&plan);

    close_fd(&out_w);
    close_fd(&err_w);
    close_fd(&res_w);
    close_fd(&err_w2);
    close_fd(&req_fd);
    close_fd(&null_fd);

    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) {
        outcome_fail(o, "pidfd_open: %s", strerror(errno));
        kill(pid, SIGKILL);
        goto reap;
    }

    // Did the exec happen? (A blocking read: the child's set-up runs no untrusted code.)
    {
        int msg[2];
        ssize_t n;
        do n = read(err_r, msg, sizeof msg);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)sizeof msg) {
            outcome_fail(o, "child set-up failed at %s: %s", stage_name(msg[0]), strerror(msg[1]));
            goto reap;
        }
    }

    int64_t deadline = start + limits.wall_ms * 1000000LL;
    bool child_done = false;
    while (!child_done) {
        struct pollfd pf[5];
        int n = 0;
        pf[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = exec_signal_fd(), .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = o->out.fd, .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = o->err.fd, .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = o->res.fd, .events = POLLIN};
        int64_t left = deadline - now_ns();
        if (left <= 0) {
            o->killed_by = "wall";
            break;
        }
        struct timespec ts = {left / 1000000000LL, left % 1000000000LL};
        int r = ppoll(pf, (nfds_t)n, &ts, NULL);
        if (r < 0) {
            if (errno == EINTR) continue;
            outcome_fail(o, "ppoll: %s", strerror(errno));
            break;
        }
        if (pf[0].revents) child_done = true;
        if (pf[1].revents && interrupted()) {
            outcome_fail(o, "interrupted by a signal");
            break;
        }
        for (int i = 2; i < 5; i++)
            if (pf[i].revents) stream_read(i == 2 ? &o->out : i == 3 ? &o->err : &o->res);
        if (o->out.over || o->err.over) {
            o->killed_by = "output";
            break;
        }
    }
    o->wall_ms = (double)(now_ns() - start) / 1e6;

reap:
    // Kill the whole tree (no-op for an exited child), then collect the child's rusage.
    if (pid > 0) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        kill(-pid, SIGCONT);
        int status = 0;
        struct rusage ru;
        pid_t w;
        do w = wait4(pid, &status, 0, &ru);
        while (w < 0 && errno == EINTR);
        if (w == pid) {
            o->user_ms = tv_ms(ru.ru_utime);
            o->sys_ms = tv_ms(ru.ru_stime);
            o->max_rss_kib = ru.ru_maxrss;
            if (WIFEXITED(status)) {
                o->exited = true;
                o->exit_code = WEXITSTATUS(status);
            } else if (WIFSIGNALED(status)) {
                o->signal = WTERMSIG(status);
            }
        } else {
            outcome_fail(o, "wait4: %s", strerror(errno));
        }
        sweep_descendants();
        // Limits the kernel enforced.
        if (!o->killed_by && o->signal == SIGXCPU) o->killed_by = "cpu";
        if (!o->killed_by && o->signal == SIGKILL && o->user_ms + o->sys_ms >= (double)o->applied.cpu_soft * 1000.0)
            o->killed_by = "cpu";
    }
    // Drain what is left in the pipes; every writer is dead, so EOF comes at once.
    {
        int64_t drain_deadline = now_ns() + 500 * 1000000LL;
        while (o->out.fd >= 0 || o->err.fd >= 0 || o->res.fd >= 0) {
            struct pollfd pf[3] = {{.fd = o->out.fd, .events = POLLIN},
                                   {.fd = o->err.fd, .events = POLLIN},
                                   {.fd = o->res.fd, .events = POLLIN}};
            int64_t left = drain_deadline - now_ns();
            if (left <= 0) break;
            struct timespec ts = {left / 1000000000LL, left % 1000000000LL};
            if (ppoll(pf, 3, &ts, NULL) <= 0) break;
            if (pf[0].revents) stream_read(&o->out);
            if (pf[1].revents) stream_read(&o->err);
            if (pf[2].revents) stream_read(&o->res);
        }
        if (!o->killed_by && (o->out.over || o->err.over)) o->killed_by = "output";
    }
    stream_finish(&o->out);
    stream_finish(&o->err);

done:
    close_fd(&pidfd);
    close_fd(&err_r);
    close_fd(&err_w2);
    close_fd(&out_w);
    close_fd(&err_w);
    close_fd(&res_w);
    close_fd(&req_fd);
    close_fd(&null_fd);
    if (have_workdir) {
        char err[512];
        if (remove_tree(workdir, err, sizeof err) < 0) outcome_fail(o, "cleanup: %s", err);
    }
}
