// The process envelope shared by `exec` (payload = one interpreter per sample) and `serve`
// (payload = the warm worker): namespaces, a mini init as PID 1, a minimal read-only root,
// cgroup entry, uid drop, rlimits, no_new_privs, seccomp, execve.
//
//   supervisor ──clone(NEWPID|NEWNS|NEWNET|NEWIPC|NEWUTS[|NEWUSER])──▶ init (PID 1)
//        │  uid/gid maps, cgroup.procs, then "go" on the sync pipe          │ cgroup ns, hostname, lo up,
//        │                                                                  │ mounts + pivot_root, fork
//        │◀──── payload wait status on the status pipe ──────────── payload (PID 2): setsid, fds,
//        │◀──── seccomp listener (SCM_RIGHTS) ─────────────────── uid drop, rlimits, nnp, seccomp, execve
//   pre-exec failures of either come back as {step, errno, detail} on a close-on-exec pipe.
//
// Everything the children need is prepared here, before the fork: the children only make
// system calls (no allocation, no stdio).
#ifndef ASSAY_SANDBOX_ENVELOPE_H
#define ASSAY_SANDBOX_ENVELOPE_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "cgroup.h"
#include "layers.h"

typedef enum { MS_TMPFS, MS_BIND_RO, MS_BIND_RW, MS_BIND_DEV, MS_SYMLINK, MS_MKDIR, MS_MKFILE, MS_WRITEFILE, MS_PROC } mstep_kind;

typedef struct {
    mstep_kind kind;
    char *src;  // bind source, symlink target, tmpfs/proc options
    char *dst;  // absolute host path below the new root's mount point
    char *data; // MS_WRITEFILE contents
    int mode;
} mstep;

#define ENV_MAX_STEPS 128
#define ENV_FDS 6

typedef struct {
    // ---- inputs (set by the caller) ----
    layers_t *layers;         // wanted → decides the namespaces; updated with what was applied
    cgroup_t *cgroup;         // may be NULL
    const char *root_dir;     // host dir: the new root's mount point, or the work dir without a mount ns
    const char *cwd;          // the payload's working directory (as seen by the payload)
    int fd_src[ENV_FDS];      // sources for the payload's fds 0..5 (-1: closed)
    bool drop_uid;            // setgroups/setresgid/setresuid to uid/gid
    uid_t uid;
    gid_t gid;
    int oom_score_adj;        // written when >= -1000
    bool rlimits;             // apply rl_* below
    struct rlimit rl_as, rl_cpu, rl_fsize, rl_nofile, rl_core, rl_nproc;
    bool set_nproc;
    const struct sock_filter *bpf; // seccomp program loaded last before execve (NULL: none)
    size_t bpf_count;
    int notify_fd;            // the listener is sent over this socket (required with bpf)
    bool strict_namespaces;   // fail instead of running without namespaces when clone refuses them
    bool limit_caps;          // drop every capability but keep_caps from the bounding set
    uint64_t keep_caps;       // bit n = capability n (the warm worker: what it needs to drop children)
    const char *exe;
    char *const *argv;
    char *const *envp;
    mstep steps[ENV_MAX_STEPS];
    int nsteps;
    // ---- outputs ----
    pid_t pid;                // init (pid namespace) or the payload itself
    int pidfd;
    int status_r;             // payload wait status from init (-1 without a pid namespace)
    bool userns;              // a user namespace was created
    // ---- internal ----
    int err_r, err_w, sync_r, sync_w, status_w;
    struct sock_filter bpf_copy[BPF_MAXINSNS];
} envelope_t;

void envelope_init(envelope_t *e);
/// Adds a mount step; dst_rel is relative to root_dir ("usr", "etc/passwd", ...).
void envelope_step(envelope_t *e, mstep_kind kind, const char *src, const char *dst_rel, const char *data, int mode);
/// Builds the minimal root: /usr and the /bin,/lib* links or binds, a few /etc files, /proc,
/// /dev nodes, tmpfs /box (owned by uid, box_bytes) and /tmp (tmp_bytes), and the interpreter's
/// prefix when it is not under /usr. Callers add their own files (e.g. under /assay) afterwards.
void envelope_plan_root(envelope_t *e, const char *python, int64_t box_bytes, int64_t tmp_bytes);
/// /assay: read-only binds of the runner, the `kind_*.py` files beside it, and the worker
/// (when not NULL), under their own names.
void envelope_plan_runner(envelope_t *e, const char *runner, const char *worker);
/// Read-only bind of a host file or directory at the same path inside (parents created).
void envelope_plan_bind(envelope_t *e, const char *host_path, const char *inside_path);

/// Starts the envelope. On failure returns -1 with a message in err (nothing left running).
/// Namespace layers that could not be created are marked unavailable in e->layers.
int envelope_start(envelope_t *e, char *err, size_t errlen);
/// Kills everything in the envelope. With a pid namespace, init is asked first (SIGUSR1) to
/// kill and reap the others, so their rusage is counted; then init itself is killed.
void envelope_kill(envelope_t *e);
/// Closes the supervisor's ends (after the run).
void envelope_close(envelope_t *e);

#endif
