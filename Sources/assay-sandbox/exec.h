// `assay-sandbox exec`: one request, one fresh interpreter inside the full envelope.
#ifndef ASSAY_SANDBOX_EXEC_H
#define ASSAY_SANDBOX_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "layers.h"
#include "run.h"

/// Bytes of the result channel kept (the record is a few hundred bytes; more is hostile).
#define RESULT_CAP (1 << 20)
#define MAX_RO_BINDS 32

typedef struct {
    const char *python;       // absolute path of the interpreter
    const char *runner;       // absolute path of runner.py
    const char *worker;       // absolute path of worker.py (serve)
    const char *workdir_root; // parent of the per-sample dirs
    const char *profile;      // seccomp profile path (NULL: Sandboxes/python-default.seccomp next to the runner)
    const char *child_lib;    // libAssaySandboxChild.so (default: next to the executable)
    int64_t capture;          // bytes of stdout/stderr returned
    int slot;                 // worker slot: the sandbox uid/gid is uid_base + slot
    int64_t uid_base;
    int64_t tmpfs_bytes;      // size of /box and of /tmp
    int64_t pids_max;         // pids.max of the sample's cgroup
    int64_t cg_memory;        // memory limit of the sample's cgroup (0: the request's memory_bytes)
    layers_t layers;          // wanted layers
    const char *ro_binds[MAX_RO_BINDS];
    int nbinds;
} sandbox_config;

/// Blocks SIGTERM/SIGINT/SIGHUP into a signalfd, ignores SIGPIPE, becomes a child subreaper.
void exec_setup_signals(void);
int exec_signal_fd(void);
bool interrupted(void);

/// Kills and reaps every remaining descendant (we are a subreaper).
void sweep_descendants(void);

void run_exec(const sandbox_config *cfg, const limits_t *limits, const char *request, size_t request_len, outcome_t *o);

#endif
