#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void out_of_memory(void) {
    static const char msg[] = PROG ": out of memory\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(1);
}

void buf_reserve(buf_t *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) out_of_memory();
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) out_of_memory();
    b->data = p;
    b->cap = cap;
}

void buf_append(buf_t *b, const void *data, size_t len) {
    buf_reserve(b, len);
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
}

void buf_puts(buf_t *b, const char *s) { buf_append(b, s, strlen(s)); }

void buf_printf(buf_t *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        buf_append(b, small, (size_t)n);
        return;
    }
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_free(buf_t *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

const char *buf_cstr(buf_t *b) {
    buf_reserve(b, 0);
    b->data[b->len] = 0;
    return b->data;
}

/// Length of the well-formed UTF-8 sequence at s (1..4), or 0 when the byte at s does not start one.
static size_t utf8_sequence(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
    return len;
}

void json_string(buf_t *b, const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str;
    buf_reserve(b, len + 2);
    buf_append(b, "\"", 1);
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t k = utf8_sequence(s + i, len - i);
            if (k == 0) {
                buf_append(b, "\\ufffd", 6);
                i++;
            } else {
                buf_append(b, s + i, k);
                i += k;
            }
            continue;
        }
        switch (c) {
        case '"': buf_append(b, "\\\"", 2); break;
        case '\\': buf_append(b, "\\\\", 2); break;
        case '\n': buf_append(b, "\\n", 2); break;
        case '\r': buf_append(b, "\\r", 2); break;
        case '\t': buf_append(b, "\\t", 2); break;
        default:
            if (c < 0x20 || c == 0x7F) buf_printf(b, "\\u%04x", c);
            else buf_append(b, &c, 1);
        }
        i++;
    }
    buf_append(b, "\"", 1);
}

void json_cstring(buf_t *b, const char *s) {
    if (!s) buf_puts(b, "null");
    else json_string(b, s, strlen(s));
}

int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int read_all(int fd, buf_t *b, size_t max) {
    for (;;) {
        buf_reserve(b, 65536);
        ssize_t n = read(fd, b->data + b->len, 65536);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (n == 0) break;
        b->len += (size_t)n;
        if (b->len > max) return -2;
    }
    buf_reserve(b, 0);
    b->data[b->len] = 0;
    return 0;
}

int fd_move_high(int fd, int min) {
    if (fd >= min) {
        if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) return -1;
        return fd;
    }
    int nfd = fcntl(fd, F_DUPFD_CLOEXEC, min);
    if (nfd < 0) return -1;
    close(fd);
    return nfd;
}

bool parse_size(const char *s, int64_t *out) {
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-') return false;
    unsigned long long mul = 1;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': mul = 1ULL << 10; break;
        case 'm': case 'M': mul = 1ULL << 20; break;
        case 'g': case 'G': mul = 1ULL << 30; break;
        default: return false;
        }
        if (end[1] && !((end[1] == 'i' || end[1] == 'B') && (!end[2] || (end[1] == 'i' && end[2] == 'B' && !end[3]))))
            return false;
    }
    if (v > (unsigned long long)INT64_MAX / mul) return false;
    *out = (int64_t)(v * mul);
    return true;
}

static char *rm_err;
static size_t rm_errlen;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)ftw;
    int rc = (flag == FTW_DP || flag == FTW_D || flag == FTW_DNR) ? rmdir(path) : unlink(path);
    if (rc < 0 && errno != ENOENT) {
        if (rm_err && rm_err[0] == 0) snprintf(rm_err, rm_errlen, "cannot remove %s: %s", path, strerror(errno));
    }
    return 0;
}

/// Makes every directory below path searchable and writable for the owner (a sample may chmod
/// its directories to 000; root needs no help, a non-root supervisor does).
static int fix_mode(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)ftw;
    if ((flag == FTW_D || flag == FTW_DNR) && (st->st_mode & 0700) != 0700) chmod(path, (st->st_mode & 07777) | 0700);
    return 0;
}

int remove_tree(const char *path, char *err, size_t errlen) {
    if (err && errlen) err[0] = 0;
    rm_err = err;
    rm_errlen = errlen;
    if (geteuid() != 0) nftw(path, fix_mode, 32, FTW_PHYS | FTW_MOUNT);
    if (nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT) {
        if (err && err[0] == 0) snprintf(err, errlen, "cannot walk %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (err && err[0] == 0) snprintf(err, errlen, "cannot remove %s", path);
        return -1;
    }
    return (err && err[0]) ? -1 : 0;
}

bool supervisor_gone(pid_t pid) {
    char path[64], comm[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    if (read_file(path, comm, sizeof comm) < 0) return errno == ENOENT;
    return strncmp(comm, "assay-sandbox", 13) != 0;
}

void reap_stale_dirs(const char *dir, const char *prefix, int pid_field) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    size_t plen = strlen(prefix);
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, prefix, plen) != 0) continue;
        // fields after the prefix, separated by '-'
        char name[256];
        snprintf(name, sizeof name, "%s", de->d_name + plen);
        char *save = NULL, *field = strtok_r(name, "-", &save);
        for (int i = 0; field && i < pid_field; i++) field = strtok_r(NULL, "-", &save);
        if (!field) continue;
        char *end;
        long pid = strtol(field, &end, 10);
        if (*end || pid <= 1 || pid == (long)getpid() || !supervisor_gone((pid_t)pid)) continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        rmdir(path);
    }
    closedir(d);
}

int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    int saved = errno;
    close(fd);
    if (n < 0) {
        errno = saved;
        return -1;
    }
    if ((size_t)n != len) {
        errno = EIO;
        return -1;
    }
    return 0;
}

ssize_t read_file(const char *path, char *buf, size_t size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = 0;
    while (len + 1 < size) {
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0) {
            if (errno == EINTR) continue;
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = 0;
    return (ssize_t)len;
}
