#include "envelope.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <poll.h>
#include <time.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "assay_unix_messages.h"
#include "profile.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

// ------------------------------------------------------------------------------------------
// Pre-exec failure reports: {step, errno, detail}; detail is a mount step index or -1.

enum {
    ST_SIGNALS = 1, ST_SETSID, ST_PDEATHSIG, ST_SYNC, ST_CGROUPNS, ST_HOSTNAME, ST_LOOPBACK, ST_MOUNT_PRIVATE,
    ST_MOUNT_STEP, ST_PIVOT, ST_UMOUNT_OLD, ST_REMOUNT_ROOT, ST_DUMPABLE, ST_FORK_PAYLOAD, ST_OOM, ST_DUP2,
    ST_CLOSE_RANGE, ST_CHDIR, ST_SETGROUPS, ST_SETGID, ST_SETUID, ST_RLIMIT, ST_NNP, ST_SECCOMP, ST_EXEC,
    ST_SEND_LISTENER, ST_CAPS,
};

static const char *step_name(int st) {
    static const char *names[] = {
        [ST_SIGNALS] = "resetting signals", [ST_SETSID] = "setsid", [ST_PDEATHSIG] = "prctl(PR_SET_PDEATHSIG)",
        [ST_SYNC] = "waiting for the supervisor", [ST_CGROUPNS] = "unshare(CLONE_NEWCGROUP)",
        [ST_HOSTNAME] = "sethostname", [ST_LOOPBACK] = "bringing up lo", [ST_MOUNT_PRIVATE] = "making mounts private",
        [ST_MOUNT_STEP] = "mount step", [ST_PIVOT] = "pivot_root", [ST_UMOUNT_OLD] = "detaching the old root",
        [ST_REMOUNT_ROOT] = "remounting / read-only", [ST_DUMPABLE] = "prctl(PR_SET_DUMPABLE)",
        [ST_FORK_PAYLOAD] = "forking the payload", [ST_OOM] = "writing oom_score_adj", [ST_DUP2] = "dup2",
        [ST_CLOSE_RANGE] = "close_range", [ST_CHDIR] = "chdir to the work dir", [ST_SETGROUPS] = "setgroups",
        [ST_SETGID] = "setresgid", [ST_SETUID] = "setresuid", [ST_RLIMIT] = "setrlimit",
        [ST_NNP] = "prctl(PR_SET_NO_NEW_PRIVS)", [ST_SECCOMP] = "loading the seccomp filter",
        [ST_EXEC] = "execve of the interpreter", [ST_SEND_LISTENER] = "sending the seccomp listener",
        [ST_CAPS] = "dropping capabilities from the bounding set",
    };
    if (st > 0 && st < (int)(sizeof names / sizeof names[0]) && names[st]) return names[st];
    return "child set-up";
}

static _Noreturn void child_fail(const envelope_t *e, int step, int detail) {
    int msg[3] = {step, errno, detail};
    (void)!write(e->err_w, msg, sizeof msg);
    _exit(127);
}

// ------------------------------------------------------------------------------------------
// Plan building (supervisor side; allocation is fine here)

void envelope_init(envelope_t *e) {
    memset(e, 0, sizeof *e);
    for (int i = 0; i < ENV_FDS; i++) e->fd_src[i] = -1;
    e->pid = -1;
    e->pidfd = e->status_r = e->err_r = e->err_w = e->sync_r = e->sync_w = e->status_w = -1;
    e->oom_score_adj = -1001;
    e->notify_fd = -1;
}

static char *xstrdup(const char *s) {
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) {
        fprintf(stderr, PROG ": out of memory\n");
        _exit(1);
    }
    return d;
}

void envelope_step(envelope_t *e, mstep_kind kind, const char *src, const char *dst_rel, const char *data, int mode) {
    if (e->nsteps == ENV_MAX_STEPS) {
        fprintf(stderr, PROG ": too many mount steps\n");
        _exit(1);
    }
    mstep *s = &e->steps[e->nsteps++];
    s->kind = kind;
    s->src = xstrdup(src);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", e->root_dir, dst_rel[0] ? "/" : "", dst_rel);
    s->dst = xstrdup(path);
    s->data = xstrdup(data);
    s->mode = mode;
}

/// mkdir -p for the parents of `inside` (absolute path inside the new root).
static void plan_parents(envelope_t *e, const char *inside, bool include_last) {
    char rel[PATH_MAX];
    snprintf(rel, sizeof rel, "%s", inside + 1);
    for (char *p = rel; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        bool known = false;
        for (int i = 0; i < e->nsteps; i++) {
            char want[PATH_MAX];
            snprintf(want, sizeof want, "%s/%s", e->root_dir, rel);
            if (strcmp(e->steps[i].dst, want) == 0) known = true;
        }
        if (!known) envelope_step(e, MS_MKDIR, NULL, rel, NULL, 0755);
        *p = '/';
    }
    if (include_last) envelope_step(e, MS_MKDIR, NULL, rel, NULL, 0755);
}

void envelope_plan_bind(envelope_t *e, const char *host_path, const char *inside) {
    struct stat st;
    if (stat(host_path, &st) < 0) return;
    plan_parents(e, inside, false);
    envelope_step(e, S_ISDIR(st.st_mode) ? MS_MKDIR : MS_MKFILE, NULL, inside + 1, NULL, S_ISDIR(st.st_mode) ? 0755 : 0644);
    envelope_step(e, MS_BIND_RO, host_path, inside + 1, NULL, 0);
}

void envelope_plan_runner(envelope_t *e, const char *runner, const char *worker) {
    envelope_step(e, MS_MKDIR, NULL, "assay", NULL, 0755);
    envelope_step(e, MS_MKFILE, NULL, "assay/runner.py", NULL, 0644);
    envelope_step(e, MS_BIND_RO, runner, "assay/runner.py", NULL, 0);
    if (worker) {
        envelope_step(e, MS_MKFILE, NULL, "assay/worker.py", NULL, 0644);
        envelope_step(e, MS_BIND_RO, worker, "assay/worker.py", NULL, 0);
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", runner);
    char *slash = strrchr(dir, '/');
    if (!slash) return;
    *slash = 0;
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (strncmp(de->d_name, "kind_", 5) != 0 || n < 9 || strcmp(de->d_name + n - 3, ".py") != 0) continue;
        char src[PATH_MAX + 256], rel[300];
        snprintf(src, sizeof src, "%s/%s", dir, de->d_name);
        snprintf(rel, sizeof rel, "assay/%s", de->d_name);
        envelope_step(e, MS_MKFILE, NULL, rel, NULL, 0644);
        envelope_step(e, MS_BIND_RO, src, rel, NULL, 0);
    }
    closedir(d);
}

/// /bin, /lib, ...: a symlink on merged-/usr systems (copied as a symlink), else a read-only bind.
static void plan_top(envelope_t *e, const char *name) {
    char host[64], target[PATH_MAX];
    snprintf(host, sizeof host, "/%s", name);
    struct stat st;
    if (lstat(host, &st) < 0) return;
    if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlink(host, target, sizeof target - 1);
        if (n <= 0) return;
        target[n] = 0;
        envelope_step(e, MS_SYMLINK, target, name, NULL, 0);
    } else if (S_ISDIR(st.st_mode)) {
        envelope_step(e, MS_MKDIR, NULL, name, NULL, 0755);
        envelope_step(e, MS_BIND_RO, host, name, NULL, 0);
    }
}

/// For a binary at PREFIX/bin/NAME outside /usr: a read-only bind of PREFIX (once).
static void plan_prefix(envelope_t *e, const char *binary) {
    if (strncmp(binary, "/usr/", 5) == 0) return;
    char prefix[PATH_MAX];
    snprintf(prefix, sizeof prefix, "%s", binary);
    char *slash = strrchr(prefix, '/');
    if (!slash || slash == prefix) return;
    *slash = 0; // .../bin
    slash = strrchr(prefix, '/');
    if (!slash || slash == prefix) return;
    *slash = 0; // the prefix
    for (int i = 0; i < e->nsteps; i++)
        if (e->steps[i].kind == MS_BIND_RO && e->steps[i].src && strcmp(e->steps[i].src, prefix) == 0) return;
    plan_parents(e, prefix, true);
    envelope_step(e, MS_BIND_RO, prefix, prefix + 1, NULL, 0);
}

void envelope_plan_root(envelope_t *e, const char *python, int64_t box_bytes, int64_t tmp_bytes) {
    char opts[256];
    envelope_step(e, MS_TMPFS, "size=4m,nr_inodes=1024,mode=0755", "", NULL, 0);
    envelope_step(e, MS_MKDIR, NULL, "usr", NULL, 0755);
    envelope_step(e, MS_BIND_RO, "/usr", "usr", NULL, 0);
    static const char *tops[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++) plan_top(e, tops[i]);

    envelope_step(e, MS_MKDIR, NULL, "etc", NULL, 0755);
    char passwd[256], group[256];
    snprintf(passwd, sizeof passwd, "root:x:0:0:root:/:/usr/sbin/nologin\nsandbox:x:%u:%u:sandbox:/box:/usr/sbin/nologin\n",
             (unsigned)e->uid, (unsigned)e->gid);
    snprintf(group, sizeof group, "root:x:0:\nsandbox:x:%u:\n", (unsigned)e->gid);
    envelope_step(e, MS_WRITEFILE, NULL, "etc/passwd", passwd, 0644);
    envelope_step(e, MS_WRITEFILE, NULL, "etc/group", group, 0644);
    envelope_step(e, MS_WRITEFILE, NULL, "etc/hosts", "127.0.0.1 localhost sandbox\n::1 localhost\n", 0644);
    envelope_step(e, MS_WRITEFILE, NULL, "etc/hostname", "sandbox\n", 0644);
    struct stat st;
    if (stat("/etc/ld.so.cache", &st) == 0) {
        envelope_step(e, MS_MKFILE, NULL, "etc/ld.so.cache", NULL, 0644);
        envelope_step(e, MS_BIND_RO, "/etc/ld.so.cache", "etc/ld.so.cache", NULL, 0);
    }
    char target[PATH_MAX];
    ssize_t n = readlink("/etc/localtime", target, sizeof target - 1);
    if (n > 0) {
        target[n] = 0;
        envelope_step(e, MS_SYMLINK, target, "etc/localtime", NULL, 0);
    }
    if (stat("/etc/alternatives", &st) == 0 && S_ISDIR(st.st_mode)) {
        envelope_step(e, MS_MKDIR, NULL, "etc/alternatives", NULL, 0755);
        envelope_step(e, MS_BIND_RO, "/etc/alternatives", "etc/alternatives", NULL, 0);
    }

    envelope_step(e, MS_MKDIR, NULL, "proc", NULL, 0555);
    envelope_step(e, MS_PROC, "hidepid=2", "proc", NULL, 0);

    envelope_step(e, MS_MKDIR, NULL, "dev", NULL, 0755);
    static const char *devs[] = {"null", "zero", "full", "random", "urandom"};
    for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++) {
        char host[32], rel[32];
        snprintf(host, sizeof host, "/dev/%s", devs[i]);
        snprintf(rel, sizeof rel, "dev/%s", devs[i]);
        envelope_step(e, MS_MKFILE, NULL, rel, NULL, 0666);
        envelope_step(e, MS_BIND_DEV, host, rel, NULL, 0);
    }
    envelope_step(e, MS_SYMLINK, "/proc/self/fd", "dev/fd", NULL, 0);
    envelope_step(e, MS_SYMLINK, "/proc/self/fd/0", "dev/stdin", NULL, 0);
    envelope_step(e, MS_SYMLINK, "/proc/self/fd/1", "dev/stdout", NULL, 0);
    envelope_step(e, MS_SYMLINK, "/proc/self/fd/2", "dev/stderr", NULL, 0);
    envelope_step(e, MS_SYMLINK, "/tmp", "dev/shm", NULL, 0);

    envelope_step(e, MS_MKDIR, NULL, "box", NULL, 0755);
    snprintf(opts, sizeof opts, "size=%lld,nr_inodes=4096,mode=0700,uid=%u,gid=%u", (long long)box_bytes,
             (unsigned)e->uid, (unsigned)e->gid);
    envelope_step(e, MS_TMPFS, opts, "box", NULL, 0);
    envelope_step(e, MS_MKDIR, NULL, "tmp", NULL, 0755);
    snprintf(opts, sizeof opts, "size=%lld,nr_inodes=4096,mode=1777", (long long)tmp_bytes);
    envelope_step(e, MS_TMPFS, opts, "tmp", NULL, 0);

    // The interpreter's prefix when it lives outside /usr: the resolved binary's (e.g.
    // /opt/python/3.11) and, for a venv whose bin/python links into /usr, the venv itself (its
    // pyvenv.cfg sits next to bin/). Both read-only at the same paths.
    if (python) {
        char real[PATH_MAX];
        if (realpath(python, real)) plan_prefix(e, real);
        char given[PATH_MAX];
        snprintf(given, sizeof given, "%s", python);
        char *slash = strrchr(given, '/');
        if (slash && slash != given) {
            *slash = 0; // the link's directory, resolved
            char dir[PATH_MAX];
            if (realpath(given, dir)) {
                snprintf(given, sizeof given, "%s/x", dir);
                plan_prefix(e, given);
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Child side: system calls only.

static int run_step(const mstep *s) {
    switch (s->kind) {
    case MS_TMPFS: return mount("tmpfs", s->dst, "tmpfs", MS_NOSUID | MS_NODEV, s->src);
    case MS_PROC: return mount("proc", s->dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, s->src);
    case MS_MKDIR: return (mkdir(s->dst, (mode_t)s->mode) < 0 && errno != EEXIST) ? -1 : 0;
    case MS_SYMLINK: return symlink(s->src, s->dst);
    case MS_MKFILE:
    case MS_WRITEFILE: {
        int fd = open(s->dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, (mode_t)s->mode);
        if (fd < 0) return -1;
        int rc = 0;
        if (s->kind == MS_WRITEFILE && s->data) {
            size_t len = strlen(s->data);
            rc = write(fd, s->data, len) == (ssize_t)len ? 0 : -1;
        }
        close(fd);
        return rc;
    }
    case MS_BIND_RO:
    case MS_BIND_RW:
    case MS_BIND_DEV: {
        if (mount(s->src, s->dst, NULL, MS_BIND | MS_REC, NULL) < 0) return -1;
        struct statvfs sv;
        if (statvfs(s->dst, &sv) < 0) return -1;
        // Keep the flags the kernel may have locked (a user namespace cannot clear them).
        unsigned long keep = 0;
        if (sv.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
        if (sv.f_flag & ST_NOATIME) keep |= MS_NOATIME;
        if (sv.f_flag & ST_NODIRATIME) keep |= MS_NODIRATIME;
        if (sv.f_flag & ST_RELATIME) keep |= MS_RELATIME;
        if (s->kind == MS_BIND_RO)
            return mount(NULL, s->dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | keep, NULL);
        if (s->kind == MS_BIND_RW)
            return mount(NULL, s->dst, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC | keep, NULL);
        if (sv.f_flag & ST_RDONLY) keep |= MS_RDONLY;
        return mount(NULL, s->dst, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC | keep, NULL);
    }
    }
    errno = EINVAL;
    return -1;
}

static void bring_up_lo(const envelope_t *e) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) child_fail(e, ST_LOOPBACK, -1);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) child_fail(e, ST_LOOPBACK, -1);
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) child_fail(e, ST_LOOPBACK, -1);
    close(s);
}

static void setup_namespaces(const envelope_t *e) {
    const layers_t *l = e->layers;
    if (l->active[L_CGROUP_NS] && unshare(CLONE_NEWCGROUP) < 0) child_fail(e, ST_CGROUPNS, -1);
    if (l->active[L_UTS_NS] && sethostname("sandbox", 7) < 0) child_fail(e, ST_HOSTNAME, -1);
    if (l->active[L_NET_NS]) bring_up_lo(e);
    if (!l->active[L_MOUNT_NS]) return;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) child_fail(e, ST_MOUNT_PRIVATE, -1);
    for (int i = 0; i < e->nsteps; i++)
        if (run_step(&e->steps[i]) < 0) child_fail(e, ST_MOUNT_STEP, i);
    if (chdir(e->root_dir) < 0) child_fail(e, ST_PIVOT, -1);
    if (syscall(SYS_pivot_root, ".", ".") < 0) child_fail(e, ST_PIVOT, -1);
    if (umount2(".", MNT_DETACH) < 0) child_fail(e, ST_UMOUNT_OLD, -1);
    if (chdir("/") < 0) child_fail(e, ST_PIVOT, -1);
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
        child_fail(e, ST_REMOUNT_ROOT, -1);
}

static _Noreturn void payload_main(envelope_t *e) {
    // init made itself non-dumpable (its /proc entries root-owned); the payload needs its own
    // /proc/self writable for oom_score_adj. The exec recomputes dumpability anyway.
    prctl(PR_SET_DUMPABLE, 1);
    if (setsid() < 0) child_fail(e, ST_SETSID, -1);
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) child_fail(e, ST_PDEATHSIG, -1);
    if (getppid() != parent) _exit(127);
    if (e->oom_score_adj >= -1000) {
        char text[16];
        int n = 0, v = e->oom_score_adj;
        if (v < 0) text[n++] = '-', v = -v;
        char digits[8];
        int k = 0;
        do digits[k++] = (char)('0' + v % 10);
        while ((v /= 10) && k < 8);
        while (k) text[n++] = digits[--k];
        // Raising it always works; lowering it (the warm worker's -1000) needs CAP_SYS_RESOURCE,
        // which containers often drop: best effort then.
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if ((fd < 0 || write(fd, text, (size_t)n) != n) && e->oom_score_adj >= 0) child_fail(e, ST_OOM, -1);
        if (fd >= 0) close(fd);
    }
    // The supervisor moved every source above 10, so dup2 into 0..5 cannot clobber one.
    for (int i = 0; i < ENV_FDS; i++) {
        if (e->fd_src[i] >= 0) {
            if (dup2(e->fd_src[i], i) < 0) child_fail(e, ST_DUP2, i);
        } else {
            close(i);
        }
    }
    if (syscall(SYS_close_range, (unsigned)ENV_FDS, ~0U, CLOSE_RANGE_CLOEXEC) < 0) child_fail(e, ST_CLOSE_RANGE, -1);
    if (e->cwd && chdir(e->cwd) < 0) child_fail(e, ST_CHDIR, -1);
    if (e->drop_uid) {
        if (!e->userns && setgroups(0, NULL) < 0) child_fail(e, ST_SETGROUPS, -1);
        if (setresgid(e->gid, e->gid, e->gid) < 0) child_fail(e, ST_SETGID, -1);
        if (setresuid(e->uid, e->uid, e->uid) < 0) child_fail(e, ST_SETUID, -1);
    }
    if (e->rlimits) {
        if (setrlimit(RLIMIT_CORE, &e->rl_core) < 0) child_fail(e, ST_RLIMIT, RLIMIT_CORE);
        if (setrlimit(RLIMIT_FSIZE, &e->rl_fsize) < 0) child_fail(e, ST_RLIMIT, RLIMIT_FSIZE);
        if (setrlimit(RLIMIT_NOFILE, &e->rl_nofile) < 0) child_fail(e, ST_RLIMIT, RLIMIT_NOFILE);
        if (setrlimit(RLIMIT_CPU, &e->rl_cpu) < 0) child_fail(e, ST_RLIMIT, RLIMIT_CPU);
        if (e->set_nproc && setrlimit(RLIMIT_NPROC, &e->rl_nproc) < 0) child_fail(e, ST_RLIMIT, RLIMIT_NPROC);
        if (setrlimit(RLIMIT_AS, &e->rl_as) < 0) child_fail(e, ST_RLIMIT, RLIMIT_AS);
    }
    if (e->limit_caps) {
        // The exec as root then grants only what is left in the bounding set.
        for (int cap = 0; cap < 64; cap++) {
            if (e->keep_caps & (1ULL << cap)) continue;
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) child_fail(e, ST_CAPS, cap);
        }
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) child_fail(e, ST_NNP, -1);
    if (e->bpf) {
        // Our copy of the program (copy-on-write after fork): patch $self with our pid.
        memcpy(e->bpf_copy, e->bpf, e->bpf_count * sizeof(struct sock_filter));
        profile_patch_self(e->bpf_copy, e->bpf_count, (uint32_t)syscall(SYS_getpid));
        struct sock_fprog prog = {.len = (unsigned short)e->bpf_count, .filter = e->bpf_copy};
        int listener = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
        if (listener < 0) child_fail(e, ST_SECCOMP, -1);
        // The profile applies from here: sendmsg on notify_fd, close and execve of exe pass.
        if (assay_msg_send_fd(e->notify_fd, listener) < 0) child_fail(e, ST_SEND_LISTENER, -1);
        close(listener);
    }
    execve(e->exe, e->argv, e->envp);
    child_fail(e, ST_EXEC, -1);
}

static void init_kill_all(int sig) {
    (void)sig;
    kill(-1, SIGKILL); // in a pid namespace: every process but init itself
}

static _Noreturn void init_main(envelope_t *e) {
    // PID 1 of the namespace: reap everything, report the payload's status, exit (which makes
    // the kernel kill whatever is left in the namespace). SIGUSR1 from the supervisor: kill
    // everything else first, so that the payload is reaped here and its CPU time reaches the
    // supervisor's wait4 (a namespace torn down by killing init loses it).
    if (prctl(PR_SET_DUMPABLE, 0) < 0) child_fail(e, ST_DUMPABLE, -1);
    pid_t payload = fork();
    if (payload < 0) child_fail(e, ST_FORK_PAYLOAD, -1);
    if (payload == 0) payload_main(e);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = init_kill_all;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    // Keep only the status pipe (as fd 3).
    if (dup2(e->status_w, 3) < 0) _exit(127);
    syscall(SYS_close_range, 0U, 2U, 0U);
    syscall(SYS_close_range, 4U, ~0U, 0U);
    for (;;) {
        int status;
        pid_t r = wait4(-1, &status, __WALL, NULL);
        if (r == payload) {
            (void)!write(3, &status, sizeof status);
            _exit(0);
        }
        if (r < 0 && errno == ECHILD) _exit(0);
    }
}

void envelope_kill(envelope_t *e) {
    if (e->pid <= 0) return;
    if (e->layers->active[L_PID_NS] && e->pidfd >= 0) {
        // Ask init to kill the namespace's processes and reap them; give it up to a second.
        kill(e->pid, SIGUSR1);
        struct pollfd pf = {.fd = e->pidfd, .events = POLLIN};
        int r;
        do r = poll(&pf, 1, 1000);
        while (r < 0 && errno == EINTR);
    }
    kill(e->pid, SIGKILL);
    if (!e->layers->active[L_PID_NS]) {
        kill(-e->pid, SIGKILL); // its session's process group (setsid: pgid == pid)
        kill(-e->pid, SIGCONT);
    }
}

static _Noreturn void first_child(envelope_t *e) {
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) child_fail(e, ST_SIGNALS, -1);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL); // EINVAL for reserved ones
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) child_fail(e, ST_PDEATHSIG, -1);
    // Wait for the supervisor (uid maps, cgroups). EOF without a byte: it gave up.
    char go;
    ssize_t n;
    do n = read(e->sync_r, &go, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) _exit(127);
    close(e->sync_r);
    setup_namespaces(e);
    if (e->layers->active[L_PID_NS]) init_main(e);
    payload_main(e);
}

// ------------------------------------------------------------------------------------------
// Supervisor side

static int pipe_high(int *r, int *w) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) return -1;
    *r = fd_move_high(fds[0], 10);
    *w = fd_move_high(fds[1], 10);
    return (*r < 0 || *w < 0) ? -1 : 0;
}

static pid_t do_clone(unsigned long flags, int *pidfd) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = (uint64_t)(uintptr_t)pidfd;
    args.exit_signal = SIGCHLD;
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0 && errno == ENOSYS) {
        pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid > 0) *pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    }
    return pid;
}

static int write_map(pid_t pid, const char *file, const char *text) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    return write_file(path, text);
}

int envelope_start(envelope_t *e, char *err, size_t errlen) {
    layers_t *l = e->layers;
    err[0] = 0;
    if (pipe_high(&e->err_r, &e->err_w) < 0 || pipe_high(&e->sync_r, &e->sync_w) < 0) {
        snprintf(err, errlen, "pipe2: %s", strerror(errno));
        return -1;
    }
    if (l->wanted[L_PID_NS] && pipe_high(&e->status_r, &e->status_w) < 0) {
        snprintf(err, errlen, "pipe2: %s", strerror(errno));
        return -1;
    }
    bool root = geteuid() == 0;
    unsigned long flags = 0;
    if (l->wanted[L_PID_NS]) flags |= CLONE_NEWPID;
    if (l->wanted[L_NET_NS]) flags |= CLONE_NEWNET;
    if (l->wanted[L_MOUNT_NS]) flags |= CLONE_NEWNS;
    if (l->wanted[L_IPC_NS]) flags |= CLONE_NEWIPC;
    if (l->wanted[L_UTS_NS]) flags |= CLONE_NEWUTS;
    bool want_userns = !root && l->wanted[L_USER_NS] && flags;
    if (want_userns) flags |= CLONE_NEWUSER;
    e->userns = want_userns;
    // What the children will see as applied (they read e->layers after the fork).
    l->active[L_PID_NS] = flags & CLONE_NEWPID;
    l->active[L_NET_NS] = flags & CLONE_NEWNET;
    l->active[L_MOUNT_NS] = flags & CLONE_NEWNS;
    l->active[L_IPC_NS] = flags & CLONE_NEWIPC;
    l->active[L_UTS_NS] = flags & CLONE_NEWUTS;
    l->active[L_CGROUP_NS] = l->wanted[L_CGROUP_NS] && (root || want_userns);
    l->active[L_USER_NS] = want_userns;
    if (root && l->wanted[L_USER_NS])
        layer_set(l, L_USER_NS, false, "not needed: the supervisor runs as root and drops to a per-slot uid");

    int pidfd = -1;
    pid_t pid = do_clone(flags, &pidfd);
    if (pid < 0 && flags && !e->strict_namespaces) {
        int saved = errno;
        // No namespaces on this host (or not for this user): say why and go on without them.
        for (int id = L_USER_NS; id <= L_CGROUP_NS; id++)
            if (l->wanted[id] && !(id == L_USER_NS && root))
                layer_set(l, (layer_id)id, false, "clone(%s): %s", want_userns ? "CLONE_NEWUSER|..." : "CLONE_NEW*",
                          strerror(saved));
        e->userns = false;
        if (e->status_r >= 0) {
            close(e->status_r);
            close(e->status_w);
            e->status_r = e->status_w = -1;
        }
        pid = do_clone(0, &pidfd);
    }
    if (pid < 0) {
        snprintf(err, errlen, "clone: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) first_child(e);

    e->pid = pid;
    e->pidfd = pidfd;
    close(e->sync_r);
    e->sync_r = -1;
    close(e->err_w);
    e->err_w = -1;
    if (e->status_w >= 0) {
        close(e->status_w);
        e->status_w = -1;
    }
    if (pidfd < 0) {
        snprintf(err, errlen, "pidfd_open: %s", strerror(errno));
        goto kill_child;
    }
    if (e->userns) {
        char map[64];
        snprintf(map, sizeof map, "%u %u 1\n", (unsigned)e->uid, (unsigned)geteuid());
        if (write_map(pid, "setgroups", "deny") < 0 || write_map(pid, "uid_map", map) < 0) {
            snprintf(err, errlen, "writing the user namespace's uid_map: %s", strerror(errno));
            goto kill_child;
        }
        snprintf(map, sizeof map, "%u %u 1\n", (unsigned)e->gid, (unsigned)getegid());
        if (write_map(pid, "gid_map", map) < 0) {
            snprintf(err, errlen, "writing the user namespace's gid_map: %s", strerror(errno));
            goto kill_child;
        }
    }
    if (e->cgroup && (e->cgroup->mem || e->cgroup->pids) && cgroup_enter(e->cgroup, pid) < 0) {
        snprintf(err, errlen, "moving the sandbox into its cgroup: %s", strerror(errno));
        goto kill_child;
    }
    if (write(e->sync_w, "g", 1) != 1) {
        snprintf(err, errlen, "releasing the child: %s", strerror(errno));
        goto kill_child;
    }
    close(e->sync_w);
    e->sync_w = -1;
    // Set-up result: EOF once the payload has exec'd (init closes its copy after forking it).
    int msg[3];
    ssize_t n;
    do n = read(e->err_r, msg, sizeof msg);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof msg) {
        if (msg[0] == ST_MOUNT_STEP && msg[2] >= 0 && msg[2] < e->nsteps)
            snprintf(err, errlen, "sandbox set-up failed at mount step %d (%s): %s", msg[2], e->steps[msg[2]].dst,
                     strerror(msg[1]));
        else
            snprintf(err, errlen, "sandbox set-up failed at %s: %s", step_name(msg[0]), strerror(msg[1]));
        goto kill_child;
    }
    close(e->err_r);
    e->err_r = -1;
    return 0;

kill_child:
    kill(pid, SIGKILL);
    waitpid(pid, NULL, __WALL);
    e->pid = -1;
    return -1;
}

void envelope_close(envelope_t *e) {
    int *fds[] = {&e->pidfd, &e->status_r, &e->err_r, &e->err_w, &e->sync_r, &e->sync_w, &e->status_w};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
    for (int i = 0; i < e->nsteps; i++) {
        free(e->steps[i].src);
        free(e->steps[i].dst);
        free(e->steps[i].data);
    }
    e->nsteps = 0;
}
