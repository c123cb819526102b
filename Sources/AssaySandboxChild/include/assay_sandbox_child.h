// libAssaySandboxChild: the warm worker's fork loop and the per-sample confinement it applies to
// each freshly forked child before any sample code runs. Sandboxes/worker.py loads it with
// ctypes (`PyDLL`: the GIL stays held, as in `os.fork`) and calls `assay_worker_serve`, which
// returns only in a confined child, or when the supervisor closes the control socket.
//
// The seccomp program comes precompiled from the supervisor (libseccomp runs there, never
// here). It is loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER and the listener is sent to the
// supervisor over `notify_fd` (SCM_RIGHTS): a denied call blocks in the kernel while the
// supervisor reads its number, kills the sample and names the call in its response.
//
// Messages on the notify socket: "L" + the listener (filter loaded), "O" (set-up done, no
// filter), "E step: reason" (set-up failed; the child then exits with status 125).
#ifndef ASSAY_SANDBOX_CHILD_H
#define ASSAY_SANDBOX_CHILD_H

#include <stdint.h>

#define ASSAY_CHILD_ABI 2
/// The notify socket's descriptor while the filter is loaded (profiles may allow sendmsg on it).
#define ASSAY_NOTIFY_FD 5
/// `$self` in a profile compiles to this placeholder; replaced with getpid() before loading.
#define ASSAY_SELF_MAGIC 0x5E1F5E1FU

/// All fields are 64-bit so ctypes mirrors the layout without padding surprises.
/// -1 means "leave alone" for descriptors, ids, limits; -2 for a limit means "unlimited".
typedef struct {
    int64_t abi;               // ASSAY_CHILD_ABI
    int64_t stdin_fd, stdout_fd, stderr_fd, result_fd, request_fd; // wired to 0, 1, 2, 3, 4
    int64_t notify_fd;         // socket to the supervisor; closed after the listener is sent
    int64_t uid, gid;          // -1: no uid drop
    int64_t oom_score_adj;     // -1001: leave alone
    int64_t rl_as, rl_cpu_soft, rl_cpu_hard, rl_fsize, rl_nofile, rl_nproc;
    int64_t bpf_len;           // bytes of bpf (a multiple of 8); 0: no filter
    const void *bpf;           // classic BPF exported by the supervisor
    const char *workdir;       // created 0700, owned by uid, becomes the cwd; NULL: stay
    const char *cgroup_procs[4]; // cgroup.procs files to write "0" into; NULL-terminated
    char *error;               // receives "step: reason" on failure
    int64_t error_len;
} assay_child_config;

/// Applies, in this order: cgroup moves, setsid, PR_SET_PDEATHSIG(SIGKILL), oom_score_adj,
/// descriptors 0..4 and the notify socket as 5 (everything else closed), fresh work dir (mkdir,
/// chown, chdir), uid drop (setgroups, setresgid, setresuid), rlimits, no_new_privs, seccomp
/// ($self patched) with the listener sent to the supervisor. Returns 0, or -1 with a message in
/// config->error. Call it in a just-forked, single-threaded child only.
int assay_child_enter(assay_child_config *config);

#define ASSAY_WORKER_ABI 1

/// The warm worker's constant part; the per-request part comes on the control socket.
typedef struct {
    int64_t abi;               // ASSAY_WORKER_ABI
    int64_t control_fd;        // SOCK_SEQPACKET to the supervisor
    int64_t uid, gid;          // the children's ids; -1: no uid drop
    int64_t oom_score_adj;     // of the children; -1001: leave alone
    int64_t wipe_tmp;          // 1: empty /tmp before each child (a private mount namespace only)
    int64_t bpf_len;           // as in assay_child_config
    const void *bpf;
    const char *box;           // parent of the per-sample work dirs; emptied before each child
    char *error;               // receives the reason when -1 is returned
    int64_t error_len;
} assay_worker_config;

/// The fork loop of the warm worker (Sandboxes/worker.py documents the control messages). Per
/// "run" message: empty `box` (and /tmp), fork with CPython's own fork protocol
/// (PyOS_BeforeFork / PyOS_AfterFork_Child / PyOS_AfterFork_Parent, found with dlsym), send the
/// child's pidfd, wait4 it and report its status and rusage. The parent never returns to
/// Python between requests: it runs no bytecode and writes few pages, so a child shares almost
/// everything with it until the child writes.
///
/// Returns 0 in a child that has applied assay_child_enter (fds 0–4 wired, cwd its work dir,
/// uid dropped, limits and seccomp applied): the caller runs the sample and must leave with
/// _exit. Returns 1 when the supervisor closed the control socket, -1 on an error that stops the
/// worker (reason in config->error). A child whose set-up fails exits with status 125 itself.
/// Must be called with the GIL held (ctypes.PyDLL) from the worker's only thread.
int assay_worker_serve(assay_worker_config *config);

#endif
