// `assay-sandbox exec`: one request, one fresh interpreter.
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "envelope.h"
#include "profile.h"
#include "report.h"

// ------------------------------------------------------------------------------------------
// Signals and tree kill without namespaces

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
        pid_t r;
        while ((r = waitpid(-1, NULL, WNOHANG | __WALL)) > 0) reaped = true;
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

static bool readable_by_others(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && (st.st_mode & S_IROTH);
}

void run_exec(const sandbox_config *cfg, const limits_t *limits_in, const char *request, size_t request_len,
              outcome_t *o) {
    limits_t limits = *limits_in;
    limits_resolve(&limits);
    limits_apply_plan(&limits, &o->applied);
    applied_json(&o->extra, &limits, &o->applied);
    o->wall_limit_ms = limits.wall_ms;

    layers_t layers = cfg->layers;
    for (int i = 0; i < L_COUNT; i++) layers.active[i] = false;
    bool root = geteuid() == 0;

    stream_init(&o->out, -1, (size_t)cfg->capture, limits.output_bytes, false);
    stream_init(&o->err, -1, (size_t)cfg->capture, limits.output_bytes, true);
    stream_init(&o->res, -1, RESULT_CAP, RESULT_CAP, false);
    notify_t nt;
    notify_init(&nt);

    char workdir[PATH_MAX];
    char errbuf[1024];
    int null_fd = -1, out_w = -1, err_w = -1, res_w = -1, req_fd = -1, notify_child = -1;
    bool have_workdir = false;
    profile_t prof = {0};
    cgroup_t cg;
    memset(&cg, 0, sizeof cg);
    envelope_t *env = calloc(1, sizeof *env);
    if (!env) {
        outcome_fail(o, "out of memory");
        return;
    }
    envelope_init(env);

    // ---- identity
    env->layers = &layers;
    if (root) {
        env->uid = (uid_t)(cfg->uid_base + cfg->slot);
        env->gid = (gid_t)(cfg->uid_base + cfg->slot);
        env->drop_uid = layers.wanted[L_UID_DROP];
    } else {
        // In a user namespace the supervisor's uid appears as 1000 (no capabilities after exec).
        env->uid = 1000;
        env->gid = 1000;
        env->drop_uid = true;
    }

    // ---- seccomp profile (compiled here, loaded by the payload right before execve)
    // The listener travels over a socketpair; the child's end sits above 10 (fixed number, so
    // the profile can allow sendmsg on exactly that descriptor).
    const char *python_ptr = cfg->python; // execve's first argument: the rule compares this pointer
    if (layers.wanted[L_SECCOMP]) {
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
            outcome_fail(o, "socketpair: %s", strerror(errno));
            goto done;
        }
        nt.sock = sp[0];
        notify_child = fd_move_high(sp[1], 10);
        if (notify_child < 0) {
            outcome_fail(o, "fcntl(F_DUPFD_CLOEXEC): %s", strerror(errno));
            goto done;
        }
        env->notify_fd = notify_child;
        profile_extras extras = {.execve_pointer = (uint64_t)(uintptr_t)python_ptr, .notify_fd = notify_child};
        if (!profile_compile(cfg->profile, &extras, &prof, errbuf, sizeof errbuf)) {
            outcome_fail(o, "seccomp profile: %s", errbuf);
            goto done;
        }
    }

    // ---- work dir (the new root's mount point with a mount namespace, else the cwd)
    reap_stale_dirs(cfg->workdir_root, "assay-x", 0);
    if ((size_t)snprintf(workdir, sizeof workdir, "%s/assay-x%d-XXXXXX", cfg->workdir_root, (int)getpid()) >=
        sizeof workdir) {
        outcome_fail(o, "--workdir-root is too long");
        goto done;
    }
    if (!mkdtemp(workdir)) {
        outcome_fail(o, "cannot create a work dir under %s: %s", cfg->workdir_root, strerror(errno));
        goto done;
    }
    have_workdir = true;
    env->root_dir = workdir;

    // ---- cgroups
    if (layers.wanted[L_CG_MEMORY] || layers.wanted[L_CG_PIDS]) {
        char name[96];
        snprintf(name, sizeof name, "assay-%d-%d-exec", cfg->slot, (int)getpid());
        int64_t mem = cfg->cg_memory > 0 ? cfg->cg_memory : limits.memory_bytes;
        cgroup_create(&cg, name, layers.wanted[L_CG_MEMORY], layers.wanted[L_CG_PIDS], mem, cfg->pids_max);
        env->cgroup = &cg;
    }
    layers.active[L_CG_MEMORY] = cg.mem;
    layers.active[L_CG_PIDS] = cg.pids;
    if (!cg.mem) layer_set(&layers, L_CG_MEMORY, false, "%s", cg.mem_reason[0] ? cg.mem_reason : "disabled");
    if (!cg.pids) layer_set(&layers, L_CG_PIDS, false, "%s", cg.pids_reason[0] ? cg.pids_reason : "disabled");

    // ---- descriptors: stdout, stderr, result, report (the supervisor reads), request memfd
    if ((null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        outcome_fail(o, "cannot open /dev/null: %s", strerror(errno));
        goto done;
    }
    if (make_pipe(&o->out.fd, &out_w) < 0 || make_pipe(&o->err.fd, &err_w) < 0 || make_pipe(&o->res.fd, &res_w) < 0) {
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
    int *srcs[] = {&null_fd, &out_w, &err_w, &res_w, &req_fd};
    for (int i = 0; i < 5; i++) {
        int nfd = fd_move_high(*srcs[i], 10);
        if (nfd < 0) {
            outcome_fail(o, "fcntl(F_DUPFD_CLOEXEC): %s", strerror(errno));
            goto done;
        }
        *srcs[i] = nfd;
        env->fd_src[i] = nfd;
    }
    fcntl(o->out.fd, F_SETFL, O_NONBLOCK);
    fcntl(o->err.fd, F_SETFL, O_NONBLOCK);
    fcntl(o->res.fd, F_SETFL, O_NONBLOCK);

    // ---- the root file system
    const char *runner_inside = cfg->runner;
    if (layers.wanted[L_MOUNT_NS]) {
        envelope_plan_root(env, cfg->python, cfg->tmpfs_bytes, cfg->tmpfs_bytes);
        envelope_plan_runner(env, cfg->runner, NULL);
        for (int i = 0; i < cfg->nbinds; i++) envelope_plan_bind(env, cfg->ro_binds[i], cfg->ro_binds[i]);
        runner_inside = "/assay/runner.py";
        env->cwd = "/box";
    } else {
        env->cwd = workdir;
        if (env->drop_uid && root) {
            // The dropped uid must be able to use the work dir and read the runner.
            if (chown(workdir, env->uid, env->gid) < 0) {
                outcome_fail(o, "chown of the work dir: %s", strerror(errno));
                goto done;
            }
            if (!readable_by_others(cfg->runner)) {
                outcome_fail(o, "%s is not readable by the sandbox uid (needed without a mount namespace)", cfg->runner);
                goto done;
            }
        }
    }

    // ---- limits, environment, argv
    env->oom_score_adj = 1000;
    env->rlimits = true;
    env->rl_as = (struct rlimit){o->applied.as, o->applied.as};
    env->rl_cpu = (struct rlimit){o->applied.cpu_soft, o->applied.cpu_hard};
    env->rl_fsize = (struct rlimit){o->applied.fsize, o->applied.fsize};
    env->rl_nofile = (struct rlimit){o->applied.nofile, o->applied.nofile};
    env->rl_core = (struct rlimit){0, 0};
    if (root && env->drop_uid) {
        // A backstop above pids.max: the cgroup is the limit that binds (and is reported).
        rlim_t nproc = (rlim_t)(cfg->pids_max > 0 ? cfg->pids_max : 64) + 16;
        env->rl_nproc = (struct rlimit){nproc, nproc};
        env->set_nproc = true;
    }
    if (layers.wanted[L_SECCOMP]) {
        env->bpf = prof.insns;
        env->bpf_count = prof.count;
    }
    char home[PATH_MAX + 8];
    snprintf(home, sizeof home, "HOME=%s", env->cwd);
    char *argv[] = {(char *)python_ptr, "-I", "-S", "-B", (char *)runner_inside, NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", home, NULL};
    env->exe = python_ptr;
    env->argv = argv;
    env->envp = envp;

    // Layers decided before the spawn.
    layers.active[L_SECCOMP] = layers.wanted[L_SECCOMP];
    if (root) {
        layers.active[L_UID_DROP] = env->drop_uid;
    } else {
        layer_set(&layers, L_UID_DROP, false,
                  "not root: the payload keeps the supervisor's uid (uid 1000 without capabilities in a user namespace)");
    }

    // ---- profile requirements (e.g. processes only inside a pid namespace with a pids limit)
    for (int i = 0; i < prof.nrequires; i++) {
        int id = layer_by_name(prof.requires[i]);
        if (id < 0) continue;
        bool ns = id >= L_USER_NS && id <= L_CGROUP_NS;
        if (!layers.wanted[id] || (!ns && !layers.active[id])) {
            outcome_fail(o, "profile %s requires the %s layer, which is not active", cfg->profile, prof.requires[i]);
            goto done;
        }
        if (ns) env->strict_namespaces = true; // no silent fallback without namespaces
    }

    // ---- go
    int64_t start = now_ns();
    if (envelope_start(env, errbuf, sizeof errbuf) < 0) {
        outcome_fail(o, "%s", errbuf);
        goto done;
    }
    close_fd(&out_w);
    close_fd(&err_w);
    close_fd(&res_w);
    close_fd(&notify_child);
    close_fd(&req_fd);
    close_fd(&null_fd);

    int payload_status = -1;
    bool have_payload_status = false;
    bool supervisor_killed = false;
    int64_t deadline = start + limits.wall_ms * 1000000LL;
    bool done_running = !o->ok;
    while (!done_running) {
        struct pollfd pf[8];
        pf[0] = (struct pollfd){.fd = env->pidfd, .events = POLLIN};
        pf[1] = (struct pollfd){.fd = exec_signal_fd(), .events = POLLIN};
        pf[2] = (struct pollfd){.fd = o->out.fd, .events = POLLIN};
        pf[3] = (struct pollfd){.fd = o->err.fd, .events = POLLIN};
        pf[4] = (struct pollfd){.fd = o->res.fd, .events = POLLIN};
        pf[5] = (struct pollfd){.fd = nt.sock, .events = POLLIN};
        pf[6] = (struct pollfd){.fd = env->status_r, .events = POLLIN};
        pf[7] = (struct pollfd){.fd = nt.listener, .events = POLLIN};
        int64_t left = deadline - now_ns();
        if (left <= 0) {
            o->killed_by = "wall";
            break;
        }
        struct timespec ts = {left / 1000000000LL, left % 1000000000LL};
        int r = ppoll(pf, 8, &ts, NULL);
        if (r < 0) {
            if (errno == EINTR) continue;
            outcome_fail(o, "ppoll: %s", strerror(errno));
            break;
        }
        if (pf[1].revents && interrupted()) {
            outcome_fail(o, "interrupted by a signal");
            break;
        }
        if (pf[2].revents) stream_read(&o->out);
        if (pf[3].revents) stream_read(&o->err);
        if (pf[4].revents) stream_read(&o->res);
        if (pf[5].revents) notify_take_listener(&nt);
        if (pf[7].revents && notify_read(&nt, pf[7].revents)) {
            o->killed_by = "seccomp";
            snprintf(o->syscall, sizeof o->syscall, "%s", nt.name);
            break;
        }
        if (pf[6].revents) {
            int st;
            ssize_t n = read(env->status_r, &st, sizeof st);
            if (n == (ssize_t)sizeof st) {
                payload_status = st;
                have_payload_status = true;
            }
            close_fd(&env->status_r);
            if (have_payload_status) break; // the payload ended; init is exiting
        }
        if (pf[0].revents) break; // init (or the payload itself) exited
        if (o->out.over || o->err.over) {
            o->killed_by = "output";
            break;
        }
    }
    o->wall_ms = (double)(now_ns() - start) / 1e6;
    supervisor_killed = o->killed_by != NULL;

    // ---- kill the whole tree and collect rusage: SIGKILL to init ends the pid namespace.
    envelope_kill(env);
    {
        int status = 0;
        struct rusage ru;
        pid_t w;
        do w = wait4(env->pid, &status, __WALL, &ru);
        while (w < 0 && errno == EINTR);
        if (w == env->pid) {
            o->user_ms = tv_ms(ru.ru_utime);
            o->sys_ms = tv_ms(ru.ru_stime);
            o->max_rss_kib = ru.ru_maxrss;
            if (!layers.active[L_PID_NS]) {
                payload_status = status;
                have_payload_status = true;
            }
        } else {
            outcome_fail(o, "wait4: %s", strerror(errno));
        }
    }
    if (env->status_r >= 0 && !have_payload_status) {
        // init may have written the status just before we killed it
        int st;
        if (read(env->status_r, &st, sizeof st) == (ssize_t)sizeof st) {
            payload_status = st;
            have_payload_status = true;
        }
    }
    if (cg.mem || cg.pids) cgroup_kill_all(&cg);
    sweep_descendants();
    if (have_payload_status) {
        if (WIFEXITED(payload_status)) {
            o->exited = true;
            o->exit_code = WEXITSTATUS(payload_status);
        } else if (WIFSIGNALED(payload_status)) {
            o->signal = WTERMSIG(payload_status);
        }
    } else if (supervisor_killed || !o->ok) {
        o->signal = SIGKILL;
    } else {
        outcome_fail(o, "the sandbox init ended without reporting the payload's status");
    }

    // ---- drain the pipes; every writer is dead, so EOF comes at once
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

    // ---- what ended the sample
    cgroup_stats cst;
    memset(&cst, 0, sizeof cst);
    if (cg.mem || cg.pids) cgroup_read(&cg, &cst);
    judge_t judge = {.seccomp_active = layers.active[L_SECCOMP], .cpu_soft_s = (double)o->applied.cpu_soft};
    judge_outcome(o, &cst, &judge);
    cgroup_stats_json(&o->extra, &cst);

done:
    if (o->ok && !layers.active[L_SECCOMP] && layers.wanted[L_SECCOMP])
        layer_set(&layers, L_SECCOMP, false, "not set up");
    layers_json(&layers, &o->layers);
    close_fd(&out_w);
    close_fd(&err_w);
    close_fd(&res_w);
    close_fd(&notify_child);
    close_fd(&req_fd);
    close_fd(&null_fd);
    notify_close(&nt);
    if (env->pid > 0) sweep_descendants();
    envelope_close(env);
    free(env);
    profile_free(&prof);
    if (cg.mem_created || cg.pids_created) {
        char err[512];
        if (cgroup_destroy(&cg, err, sizeof err) < 0) outcome_fail(o, "cleanup: %s", err);
    }
    if (have_workdir) {
        char err[512];
        if (remove_tree(workdir, err, sizeof err) < 0) outcome_fail(o, "cleanup: %s", err);
    }
}
