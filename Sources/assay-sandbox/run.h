// One sample, end to end: the `exec` mode's spawn/watch/kill/report cycle, and the shared
// pieces (limits, output capture, response line) that `serve` reuses.
#ifndef ASSAY_SANDBOX_RUN_H
#define ASSAY_SANDBOX_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "util.h"

#define LIMIT_UNSET (-1)

typedef struct {
    int64_t wall_ms, cpu_ms, memory_bytes, output_bytes, fsize_bytes, nofile;
} limits_t;

/// The rlimits as actually applied (after clamping to the host's hard limits).
typedef struct {
    rlim_t as, cpu_soft, cpu_hard, fsize, nofile;
    bool clamped;
} applied_limits_t;

/// One captured stream: stdout keeps its first `capture` bytes, stderr its last.
typedef struct {
    int fd; // supervisor's read end, -1 once closed
    bool keep_tail;
    size_t capture;
    int64_t cap;   // output_bytes: going over it kills the sample
    int64_t total; // bytes read so far
    bool over;     // went over cap
    buf_t data;
} stream_t;

void stream_init(stream_t *s, int fd, size_t capture, int64_t cap, bool keep_tail);
/// Reads what is available; returns 1 on data, 0 on EOF (fd closed), -1 when nothing was ready.
int stream_read(stream_t *s);
void stream_finish(stream_t *s); // trims the tail buffer
void stream_free(stream_t *s);

typedef struct {
    bool ok;
    char error[512];
    bool exited;
    int exit_code;
    int signal; // 0: none
    const char *killed_by;
    char syscall[64];
    double wall_ms, cpu_ms, user_ms, sys_ms;
    long max_rss_kib;
    stream_t out, err, res;
    applied_limits_t applied;
    int64_t wall_limit_ms;
    buf_t layers; // members of the `layers` object, without braces
    buf_t extra;  // extra top-level members, each starting with ','
} outcome_t;

void outcome_init(outcome_t *o);
void outcome_free(outcome_t *o);
void outcome_fail(outcome_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/// Writes the response object (no newline) for request id `id` (NULL → "").
void response_json(buf_t *b, const char *id, size_t idlen, const outcome_t *o);

/// Reads the request's `limits` over `defaults`; a missing member keeps the default.
/// Returns false (with *err) when a member is present but not a non-negative integer.
bool limits_from_request(const char *req, size_t len, limits_t *limits, char **id, size_t *idlen, const char **err);

/// cpu_ms unset → wall_ms; returns the rlimits to apply, clamped to the host's hard limits.
void limits_resolve(limits_t *l);
void limits_apply_plan(const limits_t *l, applied_limits_t *a);
void applied_json(buf_t *b, const limits_t *l, const applied_limits_t *a);

#endif
