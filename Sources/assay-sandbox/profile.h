// seccomp profiles: a small line grammar (Sandboxes/README.md, "Profile grammar"), compiled
// with libseccomp in the supervisor and exported as classic BPF, which the confined process
// loads with a bare seccomp() call (no libseccomp, no allocation, after fork).
//
// `deny` compiles to SECCOMP_RET_USER_NOTIF: the confined process loads the program with
// SECCOMP_FILTER_FLAG_NEW_LISTENER and passes the listener to the supervisor (SCM_RIGHTS);
// a denied call blocks in the kernel until the supervisor, notified with the syscall number,
// kills the sample. Nothing inside the sample can intercept or forge that report.
#ifndef ASSAY_SANDBOX_PROFILE_H
#define ASSAY_SANDBOX_PROFILE_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// `$self` compiles to this 32-bit placeholder; the loader replaces it with its own pid
/// (pids are below 2^22, so the constant never occurs otherwise).
#define PROFILE_SELF_MAGIC 0x5E1F5E1FU

/// Layer names a profile can `require`.
#define PROFILE_MAX_REQUIRES 16

typedef struct {
    struct sock_filter *insns;
    size_t count;
    int self_sites;            // instructions carrying PROFILE_SELF_MAGIC
    int rules;                 // rule lines
    char requires[PROFILE_MAX_REQUIRES][32];
    int nrequires;
    bool mentions_execve;      // the profile has a rule for execve (or execveat)
    bool mentions_sendmsg, mentions_close;
} profile_t;

typedef struct {
    /// exec mode: allow execve only when its first argument is this pointer (0: no such rule).
    uint64_t execve_pointer;
    /// >= 0: the descriptor the confined process sends its listener on (sendmsg on it and
    /// close are allowed when the profile does not mention them).
    int notify_fd;
    /// When > 0: also write libseccomp's pseudo-filter-code to this descriptor (for --dump).
    int pfc_fd;
} profile_extras;

/// Parses and compiles the file. On failure returns false with a message (including the line
/// number for grammar errors) in err.
bool profile_compile(const char *path, const profile_extras *extras, profile_t *out, char *err, size_t errlen);
void profile_free(profile_t *p);

/// `assay-sandbox --check FILE...`: validates profiles, prints a summary per file; returns the
/// exit status (0 all valid, 1 otherwise). With dump, prints libseccomp's pseudo-code.
int profile_check_main(int argc, char **argv, bool dump);

/// Name of a syscall number on the native architecture (static storage; "syscall_<nr>" when
/// unknown).
const char *profile_syscall_name(int nr);

/// Replaces the $self placeholder in a copy of the program. Async-signal-safe.
void profile_patch_self(struct sock_filter *insns, size_t count, uint32_t pid);

#endif
