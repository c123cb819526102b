// `assay-sandbox serve`: one warm worker per slot (Sandboxes/worker.py), started once inside
// the envelope; per request it forks a child that confines itself (libAssaySandboxChild) and
// runs the runner. This supervisor keeps every limit and verdict outside the worker: it owns the
// child's pipes, the wall deadline (pidfd), the seccomp listener, the per-sample cgroup and the
// tree kill. Requests are answered in order, one response line each.
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "assay_unix_messages.h"
#include "cgroup.h"
#include "envelope.h"
#include "json.h"
#include "profile.h"
#include "report.h"

#define MAX_REQUEST (256u << 20)
#define WORKER_START_MS 30000
#define NOTIFY_FD_IN_CHILD 5 // ASSAY_NOTIFY_FD in assay_sandbox_child.h

typedef struct {
    const sandbox_config *cfg;
    layers_t layers;
    envelope_t *env;
    cgroup_t cg;
    profile_t prof;
    int ctl;          // supervisor's end of the control socket
    bool up;
    long seq;
    char root[PATH_MAX]; // host mount point of the worker's root (or its box without a mount ns)
    bool have_root;
    char error[1024]; // why the worker is not up
    int64_t cg_limit; // memory limit last written to the sample cgroup (INT64_MIN: none yet)
} server_t;

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

// ------------------------------------------------------------------------------------------
// Worker start and stop

/// Directories of the shared objects loaded here that live outside the system library dirs
/// (the Swift runtime that SwiftPM links into libAssaySandboxChild.so): the worker needs them.
static int collect_lib_dir(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    envelope_t *e = data;
    const char *name = info->dlpi_name;
    if (!name || name[0] != '/') return 0;
    if (strncmp(name, "/usr/", 5) == 0 || strncmp(name, "/lib", 4) == 0) return 0;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", name);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return 0;
    *slash = 0;
    char real[PATH_MAX];
    if (!realpath(dir, real)) return 0;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        if (strncmp(exe, real, strlen(real)) == 0 && exe[strlen(real)] == '/') return 0; // our build dir
    }
    for (int i = 0; i < e->nsteps; i++)
        if (e->steps[i].kind == MS_BIND_RO && e->steps[i].src && strcmp(e->steps[i].src, real) == 0) return 0;
    envelope_plan_bind(e, real, real);
    return 0;
}

static void worker_stop(server_t *s) {
    if (s->ctl >= 0) close_fd(&s->ctl);
    if (s->env) {
        if (s->env->pid > 0) {
            envelope_kill(s->env);
            waitpid(s->env->pid, NULL, __WALL);
            s->env->pid = -1;
        }
        envelope_close(s->env);
        free(s->env);
        s->env = NULL;
    }
    s->cg.keep = 0;
    if (s->cg.mem || s->cg.pids) cgroup_kill_all(&s->cg);
    sweep_descendants();
    s->up = false;
}

static bool worker_start(server_t *s) {
    const sandbox_config *cfg = s->cfg;
    bool root = geteuid() == 0;
    int ctl_child = -1, bpf_fd = -1, null_fd = -1, out_fd = -1, err_fd = -1;
    char errbuf[1024];
    s->error[0] = 0;
    s->env = calloc(1, sizeof *s->env);
    if (!s->env) {
        snprintf(s->error, sizeof s->error, "out of memory");
        return false;
    }
    envelope_t *e = s->env;
    envelope_init(e);
    for (int i = 0; i < L_COUNT; i++) s->layers.active[i] = false;
    s->layers.active[L_CG_MEMORY] = s->cg.mem;
    s->layers.active[L_CG_PIDS] = s->cg.pids;
    s->layers.active[L_SECCOMP] = s->layers.wanted[L_SECCOMP];
    e->layers = &s->layers;
    e->cgroup = NULL; // the worker stays in the supervisor's groups; each child enters the sample group
    // The worker keeps root inside its envelope (it drops each child); without root the user
    // namespace maps the supervisor's uid to 1000 and children keep it.
    e->uid = root ? (uid_t)(cfg->uid_base + cfg->slot) : 1000;
    e->gid = root ? (gid_t)(cfg->uid_base + cfg->slot) : 1000;
    e->drop_uid = !root;
    e->root_dir = s->root;
    e->oom_score_adj = root ? -1000 : -1001;
    // The worker keeps root inside its envelope only for what dropping a child needs: setresuid,
    // setresgid/setgroups, chown of the work dir, and removing what a sample left (other owners'
    // files in /box and the sticky /tmp). No CAP_SYS_ADMIN, CAP_NET_*, CAP_SYS_PTRACE, …
    e->limit_caps = true;
    e->keep_caps = (1ULL << CAP_CHOWN) | (1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_DAC_READ_SEARCH) |
                   (1ULL << CAP_FOWNER) | (1ULL << CAP_SETUID) | (1ULL << CAP_SETGID);

    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
        snprintf(s->error, sizeof s->error, "socketpair: %s", strerror(errno));
        goto fail;
    }
    s->ctl = sp[0];
    ctl_child = fd_move_high(sp[1], 10);
    bpf_fd = memfd_create("assay-bpf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    out_fd = fcntl(2, F_DUPFD_CLOEXEC, 10);
    err_fd = fcntl(2, F_DUPFD_CLOEXEC, 10);
    if (ctl_child < 0 || bpf_fd < 0 || null_fd < 0 || out_fd < 0 || err_fd < 0) {
        snprintf(s->error, sizeof s->error, "worker descriptors: %s", strerror(errno));
        goto fail;
    }
    if (s->layers.wanted[L_SECCOMP] &&
        write_all(bpf_fd, s->prof.insns, s->prof.count * sizeof(struct sock_filter)) < 0) {
        snprintf(s->error, sizeof s->error, "writing the seccomp program: %s", strerror(errno));
        goto fail;
    }
    lseek(bpf_fd, 0, SEEK_SET);
    fcntl(bpf_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    bpf_fd = fd_move_high(bpf_fd, 10);
    null_fd = fd_move_high(null_fd, 10);
    e->fd_src[0] = null_fd;
    e->fd_src[1] = out_fd;
    e->fd_src[2] = err_fd;
    e->fd_src[3] = ctl_child;
    e->fd_src[4] = bpf_fd;

    static char arg_uid[32], arg_gid[32], worker_path[PATH_MAX];
    static char lib_path[PATH_MAX], box_path[PATH_MAX];
    char *argv[24];
    int argc = 0;
    argv[argc++] = (char *)cfg->python;
    argv[argc++] = "-I";
    argv[argc++] = "-S";
    argv[argc++] = "-B";
    if (s->layers.wanted[L_MOUNT_NS]) {
        envelope_plan_root(e, cfg->python, cfg->tmpfs_bytes, cfg->tmpfs_bytes);
        envelope_plan_runner(e, cfg->runner, cfg->worker);
        envelope_step(e, MS_MKFILE, NULL, "assay/libAssaySandboxChild.so", NULL, 0644);
        envelope_step(e, MS_BIND_RO, cfg->child_lib, "assay/libAssaySandboxChild.so", NULL, 0);
        dl_iterate_phdr(collect_lib_dir, e);
        for (int i = 0; i < cfg->nbinds; i++) envelope_plan_bind(e, cfg->ro_binds[i], cfg->ro_binds[i]);
        snprintf(worker_path, sizeof worker_path, "/assay/worker.py");
        snprintf(lib_path, sizeof lib_path, "/assay/libAssaySandboxChild.so");
        snprintf(box_path, sizeof box_path, "/box");
        e->cwd = "/box";
    } else {
        snprintf(worker_path, sizeof worker_path, "%s", cfg->worker);
        snprintf(lib_path, sizeof lib_path, "%s", cfg->child_lib);
        snprintf(box_path, sizeof box_path, "%s", s->root);
        e->cwd = s->root;
    }
    argv[argc++] = worker_path;
    argv[argc++] = "--lib";
    argv[argc++] = lib_path;
    argv[argc++] = "--box";
    argv[argc++] = box_path;
    if (root && s->layers.wanted[L_UID_DROP]) {
        snprintf(arg_uid, sizeof arg_uid, "%lld", (long long)(cfg->uid_base + cfg->slot));
        snprintf(arg_gid, sizeof arg_gid, "%lld", (long long)(cfg->uid_base + cfg->slot));
        argv[argc++] = "--uid";
        argv[argc++] = arg_uid;
        argv[argc++] = "--gid";
        argv[argc++] = arg_gid;
    }
    if (s->layers.wanted[L_MOUNT_NS]) {
        argv[argc++] = "--wipe-tmp";
        argv[argc++] = "1";
    }
    argv[argc] = NULL;
    static char home[PATH_MAX + 8];
    snprintf(home, sizeof home, "HOME=%s", e->cwd);
    static char *envp[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", home, NULL};
    e->exe = cfg->python;
    e->argv = argv;
    e->envp = envp;

    if (envelope_start(e, errbuf, sizeof errbuf) < 0) {
        snprintf(s->error, sizeof s->error, "starting the warm worker: %s", errbuf);
        goto fail;
    }
    // The worker itself lives in the sample cgroup: children are born there (a cgroup v1 attach
    // per child costs an RCU grace period, milliseconds under load). Sweeps spare it.
    if (s->cg.mem || s->cg.pids) {
        pid_t worker = e->pid;
        if (s->layers.active[L_PID_NS]) {
            char path[64], text[64];
            snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)e->pid, (int)e->pid);
            worker = read_file(path, text, sizeof text) > 0 ? (pid_t)atoi(text) : 0;
        }
        if (worker <= 0 || cgroup_enter(&s->cg, worker) < 0) {
            snprintf(s->error, sizeof s->error, "moving the warm worker into the sample cgroup: %s",
                     worker <= 0 ? "worker not found" : strerror(errno));
            goto fail;
        }
        s->cg.keep = worker;
    }
    if (root) s->layers.active[L_UID_DROP] = s->layers.wanted[L_UID_DROP];
    else
        layer_set(&s->layers, L_UID_DROP, false,
                  "not root: samples keep the supervisor's uid (uid 1000 without capabilities in a user namespace)");
    close_fd(&ctl_child);
    close_fd(&bpf_fd);
    close_fd(&null_fd);
    close_fd(&out_fd);
    close_fd(&err_fd);

    // Wait for "ready" (imports done, library loaded) or "fatal".
    int64_t deadline = now_ns() + (int64_t)WORKER_START_MS * 1000000LL;
    for (;;) {
        struct pollfd pf[2] = {{.fd = s->ctl, .events = POLLIN}, {.fd = e->pidfd, .events = POLLIN}};
        int64_t left = deadline - now_ns();
        if (left <= 0) {
            snprintf(s->error, sizeof s->error, "the warm worker did not start within %d ms", WORKER_START_MS);
            goto fail;
        }
        struct timespec ts = {left / 1000000000LL, left % 1000000000LL};
        if (ppoll(pf, 2, &ts, NULL) < 0 && errno != EINTR) {
            snprintf(s->error, sizeof s->error, "ppoll: %s", strerror(errno));
            goto fail;
        }
        if (pf[0].revents & POLLIN) {
            char text[4096];
            int fds[ASSAY_MSG_MAX_FDS], nfds;
            ssize_t n = assay_msg_recv(s->ctl, text, sizeof text, fds, ASSAY_MSG_MAX_FDS, &nfds);
            for (int i = 0; i < nfds; i++) close(fds[i]);
            if (n > 6 && strncmp(text, "ready ", 6) == 0) break;
            if (n > 6 && strncmp(text, "fatal ", 6) == 0) {
                snprintf(s->error, sizeof s->error, "the warm worker failed to start: %s", text + 6);
                goto fail;
            }
            snprintf(s->error, sizeof s->error, "the warm worker exited during start-up (see stderr)");
            goto fail;
        }
        if (pf[0].revents || pf[1].revents) {
            snprintf(s->error, sizeof s->error, "the warm worker exited during start-up (see stderr)");
            goto fail;
        }
    }
    s->up = true;
    return true;

fail:
    close_fd(&ctl_child);
    close_fd(&bpf_fd);
    close_fd(&null_fd);
    close_fd(&out_fd);
    close_fd(&err_fd);
    worker_stop(s);
    return false;
}

// ------------------------------------------------------------------------------------------
// One request

static double us_ms(long long us) { return (double)us / 1000.0; }

static void serve_request(server_t *s, const limits_t *limits_in, const char *request, size_t request_len, outcome_t *o) {
    const sandbox_config *cfg = s->cfg;
    limits_t limits = *limits_in;
    limits_resolve(&limits);
    limits_apply_plan(&limits, &o->applied);
    applied_json(&o->extra, &limits, &o->applied);
    o->wall_limit_ms = limits.wall_ms;
    stream_init(&o->out, -1, (size_t)cfg->capture, limits.output_bytes, false);
    stream_init(&o->err, -1, (size_t)cfg->capture, limits.output_bytes, true);
    stream_init(&o->res, -1, RESULT_CAP, RESULT_CAP, false);
    notify_t nt;
    notify_init(&nt);
    int out_w = -1, err_w = -1, res_w = -1, req_fd = -1, notify_child = -1, child_pidfd = -1;
    bool worker_broken = false;

    if (!s->up && !worker_start(s)) {
        outcome_fail(o, "%s", s->error);
        goto done;
    }
    for (int i = 0; i < s->prof.nrequires; i++) {
        int id = layer_by_name(s->prof.requires[i]);
        if (id >= 0 && !s->layers.active[id]) {
            outcome_fail(o, "profile %s requires the %s layer, which is not active", cfg->profile, s->prof.requires[i]);
            goto done;
        }
    }

    // Per-sample cgroup counters and limits. The group holds the worker and nothing else between
    // samples: the sample may use `mem` above what is charged now.
    cgroup_begin_sample(&s->cg);
    if (s->cg.mem) {
        int64_t mem = cfg->cg_memory > 0 ? cfg->cg_memory : limits.memory_bytes;
        int64_t limit = mem > 0 ? mem + (int64_t)s->cg.usage0 : -1;
        if (limit != s->cg_limit && cgroup_set_memory_limit(&s->cg, limit) < 0) {
            s->cg_limit = INT64_MIN; // unknown: write it again next time
            outcome_fail(o, "setting the sample's memory limit: %s", strerror(errno));
            goto done;
        }
        s->cg_limit = limit;
    }

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) goto pipe_fail;
    o->out.fd = fds[0], out_w = fds[1];
    if (pipe2(fds, O_CLOEXEC) < 0) goto pipe_fail;
    o->err.fd = fds[0], err_w = fds[1];
    if (pipe2(fds, O_CLOEXEC) < 0) goto pipe_fail;
    o->res.fd = fds[0], res_w = fds[1];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) goto pipe_fail;
    nt.sock = fds[0], notify_child = fds[1];
    fcntl(o->out.fd, F_SETFL, O_NONBLOCK);
    fcntl(o->err.fd, F_SETFL, O_NONBLOCK);
    fcntl(o->res.fd, F_SETFL, O_NONBLOCK);
    fcntl(nt.sock, F_SETFL, O_NONBLOCK);
    req_fd = memfd_create("assay-request", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (req_fd < 0 || write_all(req_fd, request, request_len) < 0 || lseek(req_fd, 0, SEEK_SET) < 0 ||
        fcntl(req_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
        outcome_fail(o, "request memfd: %s", strerror(errno));
        goto done;
    }

    char msg[256];
    // RLIMIT_NPROC: a backstop above pids.max, so that the cgroup is the limit that binds.
    long long nproc = (geteuid() == 0 && s->layers.active[L_UID_DROP]) ? (long long)cfg->pids_max + 16 : -1;
    snprintf(msg, sizeof msg, "run %ld %lld %lld %lld %lld %lld %lld", ++s->seq,
             o->applied.as == RLIM_INFINITY ? -2LL : (long long)o->applied.as, (long long)o->applied.cpu_soft,
             (long long)o->applied.cpu_hard, (long long)o->applied.fsize, (long long)o->applied.nofile, nproc);
    int send_fds[5] = {req_fd, out_w, err_w, res_w, notify_child};
    int64_t start = now_ns();
    if (assay_msg_send(s->ctl, msg, send_fds, 5) < 0) {
        outcome_fail(o, "the warm worker died (control socket: %s)", strerror(errno));
        worker_broken = true;
        goto done;
    }
    close_fd(&out_w);
    close_fd(&err_w);
    close_fd(&res_w);
    close_fd(&req_fd);
    close_fd(&notify_child);

    // Until the worker reports the forked child, the deadline is the worker's start-up budget; the
    // sample's own wall clock starts at the fork (a loaded host must not eat the sample's time).
    int64_t deadline = start + (int64_t)WORKER_START_MS * 1000000LL;
    int64_t grace = 0; // after a kill: how long we wait for the worker's "exit"
    bool child_ended = false, have_exit = false, supervisor_killed = false;
    int status = 0;
    for (;;) {
        struct pollfd pf[9];
        pf[0] = (struct pollfd){.fd = s->ctl, .events = POLLIN};
        pf[1] = (struct pollfd){.fd = s->env->pidfd, .events = POLLIN};
        pf[2] = (struct pollfd){.fd = exec_signal_fd(), .events = POLLIN};
        pf[3] = (struct pollfd){.fd = child_ended ? -1 : child_pidfd, .events = POLLIN};
        pf[4] = (struct pollfd){.fd = o->out.fd, .events = POLLIN};
        pf[5] = (struct pollfd){.fd = o->err.fd, .events = POLLIN};
        pf[6] = (struct pollfd){.fd = o->res.fd, .events = POLLIN};
        pf[7] = (struct pollfd){.fd = nt.sock, .events = POLLIN};
        pf[8] = (struct pollfd){.fd = nt.listener, .events = POLLIN};
        int64_t now = now_ns();
        int64_t until = supervisor_killed ? grace : deadline;
        if (until - now <= 0) {
            if (supervisor_killed) {
                outcome_fail(o, "the warm worker did not report the killed child");
                worker_broken = true;
                break;
            }
            o->killed_by = "wall";
            goto kill_child;
        }
        struct timespec ts = {(until - now) / 1000000000LL, (until - now) % 1000000000LL};
        if (ppoll(pf, 9, &ts, NULL) < 0) {
            if (errno == EINTR) continue;
            outcome_fail(o, "ppoll: %s", strerror(errno));
            worker_broken = true;
            break;
        }
        if (pf[2].revents && interrupted()) {
            outcome_fail(o, "interrupted by a signal");
            worker_broken = true;
            break;
        }
        if (pf[4].revents) stream_read(&o->out);
        if (pf[5].revents) stream_read(&o->err);
        if (pf[6].revents) stream_read(&o->res);
        if (pf[7].revents) notify_take_listener(&nt);
        if (pf[8].revents && notify_read(&nt, pf[8].revents) && !supervisor_killed) {
            o->killed_by = "seccomp";
            snprintf(o->syscall, sizeof o->syscall, "%s", nt.name);
            goto kill_child;
        }
        if (pf[3].revents && !child_ended) {
            child_ended = true;
            if (!supervisor_killed) o->wall_ms = (double)(now_ns() - start) / 1e6;
        }
        if (pf[0].revents & POLLIN) {
            char text[4096];
            int rfds[ASSAY_MSG_MAX_FDS], nfds;
            ssize_t n = assay_msg_recv(s->ctl, text, sizeof text, rfds, ASSAY_MSG_MAX_FDS, &nfds);
            if (n <= 0) {
                for (int i = 0; i < nfds; i++) close(rfds[i]);
                outcome_fail(o, "the warm worker died");
                worker_broken = true;
                break;
            }
            if (strncmp(text, "pid ", 4) == 0 && nfds == 1 && child_pidfd < 0) {
                child_pidfd = rfds[0];
                nfds = 0;
                start = now_ns();
                deadline = start + limits.wall_ms * 1000000LL;
            } else if (strncmp(text, "exit ", 5) == 0) {
                long long st, ut, stt, rss;
                if (sscanf(text + 5, "%lld %lld %lld %lld", &st, &ut, &stt, &rss) == 4) {
                    status = (int)st;
                    o->user_ms = us_ms(ut);
                    o->sys_ms = us_ms(stt);
                    o->max_rss_kib = (long)rss;
                    have_exit = true;
                }
            } else if (strncmp(text, "error ", 6) == 0) {
                outcome_fail(o, "the warm worker could not start the sample: %s", text + 6);
            }
            for (int i = 0; i < nfds; i++) close(rfds[i]);
            if (have_exit || !o->ok) break;
        } else if (pf[0].revents || pf[1].revents) {
            outcome_fail(o, "the warm worker died");
            worker_broken = true;
            break;
        }
        if (o->out.over || o->err.over) {
            if (!supervisor_killed) {
                o->killed_by = "output";
                goto kill_child;
            }
        }
        continue;
    kill_child:
        if (!supervisor_killed) {
            supervisor_killed = true;
            o->wall_ms = (double)(now_ns() - start) / 1e6;
            if (child_pidfd >= 0) syscall(SYS_pidfd_send_signal, child_pidfd, SIGKILL, NULL, 0);
            if (s->cg.mem || s->cg.pids) cgroup_kill_all(&s->cg);
            grace = now_ns() + 2000 * 1000000LL;
            if (child_pidfd < 0) {
                // Not forked yet: the worker is stuck; restart it.
                outcome_fail(o, "the warm worker did not start the sample in time");
                worker_broken = true;
                break;
            }
        }
    }
    if (o->wall_ms == 0) o->wall_ms = (double)(now_ns() - start) / 1e6;

    // Whatever the child left (procs profile): sweep its cgroup.
    if (s->cg.mem || s->cg.pids) cgroup_kill_all(&s->cg);
    if (have_exit) {
        if (WIFEXITED(status)) {
            o->exited = true;
            o->exit_code = WEXITSTATUS(status);
        } else if (WIFSIGNALED(status)) {
            o->signal = WTERMSIG(status);
        }
    }
    // Drain the pipes (every writer is gone or killed).
    {
        int64_t drain_deadline = now_ns() + 500 * 1000000LL;
        while (o->out.fd >= 0 || o->err.fd >= 0 || o->res.fd >= 0 || nt.sock >= 0) {
            struct pollfd pf[4] = {{.fd = o->out.fd, .events = POLLIN},
                                   {.fd = o->err.fd, .events = POLLIN},
                                   {.fd = o->res.fd, .events = POLLIN},
                                   {.fd = nt.sock, .events = POLLIN}};
            int64_t left = drain_deadline - now_ns();
            if (left <= 0) break;
            struct timespec ts = {left / 1000000000LL, left % 1000000000LL};
            if (ppoll(pf, 4, &ts, NULL) <= 0) break;
            if (pf[0].revents) stream_read(&o->out);
            if (pf[1].revents) stream_read(&o->err);
            if (pf[2].revents) stream_read(&o->res);
            if (pf[3].revents) notify_take_listener(&nt);
        }
        if (!o->killed_by && (o->out.over || o->err.over)) o->killed_by = "output";
    }
    stream_finish(&o->out);
    stream_finish(&o->err);
    if (o->ok && nt.setup_error[0]) outcome_fail(o, "sample set-up failed: %s", nt.setup_error);
    else if (o->ok && !nt.setup_done && !supervisor_killed && have_exit)
        outcome_fail(o, "the sample ended before its confinement was complete");
    {
        cgroup_stats cst;
        memset(&cst, 0, sizeof cst);
        if (s->cg.mem || s->cg.pids) cgroup_read(&s->cg, &cst);
        judge_t judge = {.seccomp_active = s->layers.active[L_SECCOMP], .cpu_soft_s = (double)o->applied.cpu_soft};
        judge_outcome(o, &cst, &judge);
        cgroup_stats_json(&o->extra, &cst);
    }
    goto done;

pipe_fail:
    outcome_fail(o, "pipe2/socketpair: %s", strerror(errno));
done:
    layers_json(&s->layers, &o->layers);
    close_fd(&out_w);
    close_fd(&err_w);
    close_fd(&res_w);
    close_fd(&req_fd);
    close_fd(&notify_child);
    close_fd(&child_pidfd);
    notify_close(&nt);
    if (worker_broken) worker_stop(s);
}

// ------------------------------------------------------------------------------------------

static bool emit(const char *id, size_t idlen, outcome_t *o) {
    buf_t line = {0};
    response_json(&line, id, idlen, o);
    buf_append(&line, "\n", 1);
    bool ok = write_all(1, line.data, line.len) == 0;
    buf_free(&line);
    return ok;
}

int run_serve(const sandbox_config *cfg, const limits_t *defaults) {
    server_t *s = calloc(1, sizeof *s);
    if (!s) return 1;
    s->cfg = cfg;
    s->ctl = -1;
    s->layers = cfg->layers;
    int rc = 0;
    char errbuf[1024];
    bool fatal = false;

    // Once per server: the profile, the work root, the pooled sample cgroup.
    if (s->layers.wanted[L_SECCOMP]) {
        profile_extras extras = {.notify_fd = NOTIFY_FD_IN_CHILD};
        if (!profile_compile(cfg->profile, &extras, &s->prof, errbuf, sizeof errbuf)) {
            snprintf(s->error, sizeof s->error, "seccomp profile: %s", errbuf);
            fatal = true;
        }
    }
    reap_stale_dirs(cfg->workdir_root, "assay-w", 1);
    if ((size_t)snprintf(s->root, sizeof s->root, "%s/assay-w%d-%d-XXXXXX", cfg->workdir_root, cfg->slot, (int)getpid()) >=
            sizeof s->root ||
        !mkdtemp(s->root)) {
        snprintf(s->error, sizeof s->error, "cannot create a work dir under %s: %s", cfg->workdir_root, strerror(errno));
        fatal = true;
    } else {
        s->have_root = true;
    }
    if (s->layers.wanted[L_CG_MEMORY] || s->layers.wanted[L_CG_PIDS]) {
        char name[96];
        snprintf(name, sizeof name, "assay-%d-%d-serve", cfg->slot, (int)getpid());
        // pids: the sample's tasks plus the worker
        cgroup_create(&s->cg, name, s->layers.wanted[L_CG_MEMORY], s->layers.wanted[L_CG_PIDS], 0, cfg->pids_max + 1);
        if (s->cg.mem || s->cg.pids) cgroup_keep_open(&s->cg);
    }
    s->cg_limit = INT64_MIN;
    if (!s->cg.mem) layer_set(&s->layers, L_CG_MEMORY, false, "%s", s->cg.mem_reason[0] ? s->cg.mem_reason : "disabled");
    if (!s->cg.pids) layer_set(&s->layers, L_CG_PIDS, false, "%s", s->cg.pids_reason[0] ? s->cg.pids_reason : "disabled");
    if (!fatal && !worker_start(s)) {
        fprintf(stderr, PROG ": %s (retrying at the first request)\n", s->error);
    }

    // Requests: one line each, answered in order.
    buf_t in = {0};
    size_t scan = 0;
    bool eof = false;
    while (!eof || in.len > 0) {
        char *nl = in.len > scan ? memchr(in.data + scan, '\n', in.len - scan) : NULL;
        if (!nl && !eof) {
            scan = in.len;
            struct pollfd pf[2] = {{.fd = 0, .events = POLLIN}, {.fd = exec_signal_fd(), .events = POLLIN}};
            if (poll(pf, 2, -1) < 0 && errno != EINTR) break;
            if (pf[1].revents && interrupted()) break;
            if (pf[0].revents) {
                buf_reserve(&in, 65536);
                ssize_t n = read(0, in.data + in.len, 65536);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) eof = true;
                else in.len += (size_t)n;
                if (in.len > MAX_REQUEST) {
                    fprintf(stderr, PROG ": a request line is longer than %u bytes\n", MAX_REQUEST);
                    rc = 1;
                    break;
                }
            }
            continue;
        }
        size_t len = nl ? (size_t)(nl - in.data) : in.len;
        outcome_t o;
        outcome_init(&o);
        char *id = NULL;
        size_t idlen = 0;
        const char *err = NULL;
        limits_t limits = *defaults;
        bool blank = true;
        for (size_t i = 0; i < len; i++) blank &= (in.data[i] == ' ' || in.data[i] == '\t' || in.data[i] == '\r');
        if (!blank) {
            if (fatal) outcome_fail(&o, "%s", s->error);
            else if (!limits_from_request(in.data, len, &limits, &id, &idlen, &err))
                outcome_fail(&o, "invalid request: %s", err);
            else
                serve_request(s, &limits, in.data, len, &o);
            if (o.layers.len == 0) layers_json(&s->layers, &o.layers);
            if (!emit(id, idlen, &o)) {
                // Nobody reads the answers any more (assay was killed): stop here, once, and
                // clean up. Carrying on would answer every later request into the same error.
                fprintf(stderr, PROG ": cannot write a response: %s\n", strerror(errno));
                rc = 1;
                free(id);
                outcome_free(&o);
                break;
            }
        }
        free(id);
        outcome_free(&o);
        size_t consumed = nl ? len + 1 : in.len;
        memmove(in.data, in.data + consumed, in.len - consumed);
        in.len -= consumed;
        scan = 0;
    }
    buf_free(&in);
    worker_stop(s);
    profile_free(&s->prof);
    if (s->cg.mem_created || s->cg.pids_created) {
        if (cgroup_destroy(&s->cg, errbuf, sizeof errbuf) < 0) {
            fprintf(stderr, PROG ": %s\n", errbuf);
            rc = 1;
        }
    }
    if (s->have_root && remove_tree(s->root, errbuf, sizeof errbuf) < 0) {
        fprintf(stderr, PROG ": cleanup: %s\n", errbuf);
        rc = 1;
    }
    free(s);
    return rc;
}
