// libAssaySandboxChild: the per-sample confinement the warm worker (Sandboxes/worker.py) applies
// to each freshly forked child, through ctypes, before any sample code runs.
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

#endif
