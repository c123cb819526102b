// Small helpers shared by the supervisor: growable buffers, JSON output, time, fd I/O.
#ifndef ASSAY_SANDBOX_UTIL_H
#define ASSAY_SANDBOX_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROG "assay-sandbox"

/// A growable byte buffer. Allocation failure ends the supervisor (exit 1): it is an
/// infrastructure failure, never something to continue from.
typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

void buf_reserve(buf_t *b, size_t extra);
void buf_append(buf_t *b, const void *data, size_t len);
void buf_puts(buf_t *b, const char *s);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(buf_t *b);
/// NUL-terminates without changing len.
const char *buf_cstr(buf_t *b);

/// Appends `s[0..len)` as a JSON string literal: escapes, and U+FFFD for each byte that is not
/// part of a well-formed UTF-8 sequence (overlongs, surrogates and > U+10FFFF count as invalid).
void json_string(buf_t *b, const char *s, size_t len);
void json_cstring(buf_t *b, const char *s); // NULL → null

/// Monotonic clock in nanoseconds.
int64_t now_ns(void);

/// Writes all bytes, retrying on EINTR and short writes. Returns 0 or -1 (errno set).
int write_all(int fd, const void *data, size_t len);
/// Reads until EOF into b (up to max bytes; more → returns -2). Returns 0 or -1 (errno set).
int read_all(int fd, buf_t *b, size_t max);

/// Moves fd to a number >= min with O_CLOEXEC, closing the original. Returns the new fd or -1.
int fd_move_high(int fd, int min);

/// Parses a non-negative integer with an optional K/M/G suffix (powers of 1024).
bool parse_size(const char *s, int64_t *out);

/// Recursively removes a directory tree without following symlinks or crossing mounts.
/// Returns 0, or -1 with a message in err.
int remove_tree(const char *path, char *err, size_t errlen);

/// True when no `assay-sandbox` process with this pid exists (in our pid namespace): the owner
/// of a leftover group or dir named after it crashed.
bool supervisor_gone(pid_t pid);
/// Removes leftovers of crashed supervisors in dir: entries named `<prefix><...>-<pid>-...`
/// (the pid is the number after the last '-' before the suffix) whose supervisor is gone.
/// Directories are only rmdir'ed (never emptied), so a live mount point or content survives.
void reap_stale_dirs(const char *dir, const char *prefix, int pid_field);

/// Writes a string to a file (e.g. a cgroup or /proc knob). Returns 0 or -1 (errno set).
int write_file(const char *path, const char *text);
/// Reads a small file into buf (NUL-terminated). Returns length or -1 (errno set).
ssize_t read_file(const char *path, char *buf, size_t size);

#endif
