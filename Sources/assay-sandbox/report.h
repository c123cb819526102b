// Seccomp notifications (who receives the listener, how a denied call is recorded) and the
// final judgement of what ended a sample.
#ifndef ASSAY_SANDBOX_REPORT_H
#define ASSAY_SANDBOX_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "run.h"

typedef struct {
    int sock;      // supervisor's end of the socket that carries the listener (-1 when closed)
    int listener;  // seccomp listener (-1 until received)
    bool setup_done;       // "L" (with the listener) or "O" (no filter) arrived
    char setup_error[512]; // "E ..." arrived: the confined child's set-up failed
    bool denied;   // a denied call was reported
    char name[64]; // its name
} notify_t;

void notify_init(notify_t *n);
/// Call when the socket is readable: takes the listener. Returns 1 when it arrived, 0 at EOF.
int notify_take_listener(notify_t *n);
/// Call with the listener's poll revents: records the first denied call. Returns true when a
/// denied call is pending (the caller kills the sample). Closes the listener once every task of
/// the filter is gone (POLLHUP), so that it stops waking the poll loop.
bool notify_read(notify_t *n, short revents);
void notify_close(notify_t *n);

typedef struct {
    bool seccomp_active;     // a profile was loaded: SIGSYS means seccomp
    double cpu_soft_s;       // RLIMIT_CPU soft limit
} judge_t;

/// Sets killed_by when the supervisor did not kill the sample itself: cgroup OOM kill →
/// memory; SIGSYS (a `kill` rule) → seccomp; SIGXCPU or a hard-limit SIGKILL → cpu. A wall kill
/// during which the pids limit refused forks becomes `pids`.
void judge_outcome(outcome_t *o, const cgroup_stats *cst, const judge_t *j);
/// Appends ",\"cgroup\":{...}" when any controller was active.
void cgroup_stats_json(buf_t *b, const cgroup_stats *st);

#endif
