// `assay-sandbox exec`: one request, one fresh interpreter.
#ifndef ASSAY_SANDBOX_EXEC_H
#define ASSAY_SANDBOX_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "run.h"

/// Bytes of the result channel kept (the record is a few hundred bytes; more is hostile).
#define RESULT_CAP (1 << 20)

typedef struct {
    const char *python;       // absolute path of the interpreter
    const char *runner;       // absolute path of runner.py
    const char *workdir_root; // parent of the per-sample work dirs
    int64_t capture;          // bytes of stdout/stderr returned
} exec_config;

/// Blocks SIGTERM/SIGINT/SIGHUP into a signalfd, ignores SIGPIPE, becomes a child subreaper.
void exec_setup_signals(void);
int exec_signal_fd(void);
bool interrupted(void);

/// Kills and reaps every remaining descendant (we are a subreaper).
void sweep_descendants(void);

void run_exec(const exec_config *cfg, const limits_t *limits, const char *request, size_t request_len, outcome_t *o);

#endif
