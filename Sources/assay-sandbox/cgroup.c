#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/// Mount point of the v1 hierarchy carrying `controller`, or of cgroup2 (controller NULL).
static bool find_mount(const char *controller, char *out, size_t len) {
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) return false;
    char *line = NULL;
    size_t cap = 0;
    bool found = false;
    while (!found && getline(&line, &cap, f) >= 0) {
        // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
        char *sep = strstr(line, " - ");
        if (!sep) continue;
        char mnt[PATH_MAX], fstype[64], source[256], super[1024];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1) continue;
        if (sscanf(sep + 3, "%63s %255s %1023s", fstype, source, super) != 3) continue;
        if (controller == NULL) {
            found = strcmp(fstype, "cgroup2") == 0;
        } else if (strcmp(fstype, "cgroup") == 0) {
            for (char *tok = strtok(super, ","); tok; tok = strtok(NULL, ","))
                if (strcmp(tok, controller) == 0) found = true;
        }
        if (found) snprintf(out, len, "%s", mnt);
    }
    free(line);
    fclose(f);
    return found;
}

/// The supervisor's own path in the v1 hierarchy of `controller` (or v2 when NULL).
static bool own_path(const char *controller, char *out, size_t len) {
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f) return false;
    char *line = NULL;
    size_t cap = 0;
    bool found = false;
    while (!found && getline(&line, &cap, f) >= 0) {
        line[strcspn(line, "\n")] = 0;
        char *c1 = strchr(line, ':');
        if (!c1) continue;
        char *c2 = strchr(c1 + 1, ':');
        if (!c2) continue;
        *c2 = 0;
        const char *ctrls = c1 + 1, *path = c2 + 1;
        if (controller == NULL) {
            found = strncmp(line, "0:", 2) == 0 && ctrls[0] == 0;
        } else {
            char tmp[256];
            snprintf(tmp, sizeof tmp, "%s", ctrls);
            for (char *tok = strtok(tmp, ","); tok; tok = strtok(NULL, ","))
                if (strcmp(tok, controller) == 0) found = true;
        }
        if (found) snprintf(out, len, "%s", path);
    }
    free(line);
    fclose(f);
    return found;
}

static bool word_in_file(const char *path, const char *word) {
    char text[1024];
    if (read_file(path, text, sizeof text) < 0) return false;
    for (char *tok = strtok(text, " \n"); tok; tok = strtok(NULL, " \n"))
        if (strcmp(tok, word) == 0) return true;
    return false;
}

static int write_knob(const char *dir, const char *knob, const char *value) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, knob);
    return write_file(path, value);
}

static int kill_listed(const cgroup_t *cg, int which, const char *dir, pid_t keep);

/// Path of a per-sample file of the group (NULL when the controller is not used).
static const char *file_path(const cgroup_t *cg, int which, char *buf, size_t len) {
    const char *dir = NULL, *name = NULL;
    bool v1 = cg->version == 1;
    switch (which) {
    case CG_OOM: dir = cg->mem ? cg->mem_dir : NULL, name = v1 ? "memory.oom_control" : "memory.events"; break;
    case CG_FAILCNT: dir = cg->mem && v1 ? cg->mem_dir : NULL, name = "memory.failcnt"; break;
    case CG_PEAK: dir = cg->mem ? cg->mem_dir : NULL, name = v1 ? "memory.max_usage_in_bytes" : "memory.peak"; break;
    case CG_USAGE: dir = cg->mem ? cg->mem_dir : NULL, name = v1 ? "memory.usage_in_bytes" : "memory.current"; break;
    case CG_LIMIT: dir = cg->mem ? cg->mem_dir : NULL, name = v1 ? "memory.limit_in_bytes" : "memory.max"; break;
    case CG_PIDS_EVENTS: dir = cg->pids ? cg->pids_dir : NULL, name = "pids.events"; break;
    case CG_PROCS_MEM: dir = cg->mem_created ? cg->mem_dir : NULL, name = "cgroup.procs"; break;
    case CG_PROCS_PIDS:
        dir = cg->pids_created && strcmp(cg->pids_dir, cg->mem_dir) != 0 ? cg->pids_dir : NULL, name = "cgroup.procs";
        break;
    }
    if (!dir) return NULL;
    snprintf(buf, len, "%s/%s", dir, name);
    return buf;
}

/// Reads a group file from its start (kept descriptor or path). Returns the length or -1.
static ssize_t cg_read(const cgroup_t *cg, int which, char *buf, size_t size) {
    int fd = cg->files_open ? cg->fd[which] : -1;
    if (fd < 0) {
        char path[PATH_MAX + 64];
        if (!file_path(cg, which, path, sizeof path)) return -1;
        return read_file(path, buf, size);
    }
    size_t len = 0;
    while (len + 1 < size) {
        ssize_t n = pread(fd, buf + len, size - 1 - len, (off_t)len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) break;
        len += (size_t)n;
    }
    buf[len] = 0;
    return (ssize_t)len;
}

static int cg_write(const cgroup_t *cg, int which, const char *text) {
    int fd = cg->files_open ? cg->fd[which] : -1;
    if (fd < 0) {
        char path[PATH_MAX + 64];
        if (!file_path(cg, which, path, sizeof path)) return -1;
        return write_file(path, text);
    }
    size_t len = strlen(text);
    ssize_t n;
    do n = pwrite(fd, text, len, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    if ((size_t)n != len) {
        errno = EIO;
        return -1;
    }
    return 0;
}

static uint64_t cg_read_key(const cgroup_t *cg, int which, const char *key) {
    char text[4096];
    if (cg_read(cg, which, text, sizeof text) < 0) return 0;
    size_t klen = strlen(key);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        if (strncmp(line, key, klen) == 0 && line[klen] == ' ') return strtoull(line + klen + 1, NULL, 10);
    return 0;
}

static uint64_t cg_read_u64(const cgroup_t *cg, int which) {
    char text[64];
    if (cg_read(cg, which, text, sizeof text) <= 0) return 0;
    return strtoull(text, NULL, 10);
}

void cgroup_keep_open(cgroup_t *cg) {
    for (int i = 0; i < CG_NFILES; i++) {
        char path[PATH_MAX + 64];
        // Never cgroup.procs: cgroup v1 keeps the pid list it built for an open file (for about
        // a second) and serves it again on the next read from offset 0, so a sweep re-reading
        // a kept descriptor would miss the tasks forked since. It is opened per read.
        if (i == CG_PROCS_MEM || i == CG_PROCS_PIDS) {
            cg->fd[i] = -1;
            continue;
        }
        int flags = (i == CG_LIMIT ? O_WRONLY : i == CG_FAILCNT || i == CG_PEAK ? O_RDWR : O_RDONLY) | O_CLOEXEC;
        if (i == CG_PEAK && cg->version == 2) flags = O_RDWR | O_CLOEXEC;
        cg->fd[i] = file_path(cg, i, path, sizeof path) ? open(path, flags) : -1;
    }
    cg->files_open = true;
}

static void close_files(cgroup_t *cg) {
    if (!cg->files_open) return;
    for (int i = 0; i < CG_NFILES; i++)
        if (cg->fd[i] >= 0) close(cg->fd[i]);
    cg->files_open = false;
}

int cgroup_set_memory_limit(cgroup_t *cg, int64_t bytes) {
    char value[32];
    if (bytes < 0) snprintf(value, sizeof value, "%s", cg->version == 1 ? "-1" : "max");
    else snprintf(value, sizeof value, "%lld", (long long)bytes);
    return cg_write(cg, CG_LIMIT, value);
}

/// Groups of crashed supervisors ("assay-SLOT-PID-..."): kill what is left in them, remove them.
static void reap_stale_groups(const char *parent) {
    DIR *d = opendir(parent);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        int slot, pid;
        if (de->d_type != DT_DIR || sscanf(de->d_name, "assay-%d-%d-", &slot, &pid) != 2) continue;
        if (pid <= 1 || pid == (int)getpid() || !supervisor_gone((pid_t)pid)) continue;
        char path[PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", parent, de->d_name);
        for (int i = 0; i < 50 && rmdir(path) < 0 && errno == EBUSY; i++) {
            kill_listed(NULL, -1, path, 0);
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
    }
    closedir(d);
}

static bool make_group(const char *parent, const char *name, char *out, size_t len, char *reason, size_t rlen) {
    reap_stale_groups(parent);
    if ((size_t)snprintf(out, len, "%s/%s", parent, name) >= len) {
        snprintf(reason, rlen, "path too long");
        return false;
    }
    if (mkdir(out, 0755) < 0 && errno != EEXIST) {
        snprintf(reason, rlen, "cannot create %s: %s", out, strerror(errno));
        return false;
    }
    return true;
}

static void setup_v1(cgroup_t *cg, const char *name, bool want_mem, bool want_pids, int64_t mem_limit, int64_t pids_max) {
    char mnt[PATH_MAX], own[PATH_MAX], parent[PATH_MAX * 2];
    char value[64];
    if (want_mem) {
        if (!find_mount("memory", mnt, sizeof mnt) || !own_path("memory", own, sizeof own)) {
            snprintf(cg->mem_reason, sizeof cg->mem_reason, "no cgroup v1 memory hierarchy");
        } else {
            snprintf(parent, sizeof parent, "%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);
            if (make_group(parent, name, cg->mem_dir, sizeof cg->mem_dir, cg->mem_reason, sizeof cg->mem_reason)) {
                cg->mem_created = true;
                cg->mem = true;
                if (mem_limit > 0) {
                    snprintf(value, sizeof value, "%lld", (long long)mem_limit);
                    if (write_knob(cg->mem_dir, "memory.limit_in_bytes", value) < 0) {
                        snprintf(cg->mem_reason, sizeof cg->mem_reason, "cannot set memory.limit_in_bytes: %s", strerror(errno));
                        cg->mem = false;
                    } else {
                        write_knob(cg->mem_dir, "memory.memsw.limit_in_bytes", value); // absent without swap accounting
                    }
                }
            }
        }
    }
    if (want_pids) {
        if (!find_mount("pids", mnt, sizeof mnt) || !own_path("pids", own, sizeof own)) {
            snprintf(cg->pids_reason, sizeof cg->pids_reason, "no cgroup v1 pids hierarchy");
        } else {
            snprintf(parent, sizeof parent, "%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);
            if (make_group(parent, name, cg->pids_dir, sizeof cg->pids_dir, cg->pids_reason, sizeof cg->pids_reason)) {
                cg->pids_created = true;
                cg->pids = true;
                snprintf(value, sizeof value, "%lld", (long long)pids_max);
                if (write_knob(cg->pids_dir, "pids.max", value) < 0) {
                    snprintf(cg->pids_reason, sizeof cg->pids_reason, "cannot set pids.max: %s", strerror(errno));
                    cg->pids = false;
                }
            }
        }
    }
    if (cg->mem || cg->pids) cg->version = 1;
}

static void setup_v2(cgroup_t *cg, const char *name, bool want_mem, bool want_pids, int64_t mem_limit, int64_t pids_max) {
    char mnt[PATH_MAX], own[PATH_MAX], parent[PATH_MAX * 2], path[PATH_MAX * 2 + 32];
    const char *why = NULL;
    if (!find_mount(NULL, mnt, sizeof mnt) || !own_path(NULL, own, sizeof own)) why = "no cgroup2 mount";
    if (!why) {
        snprintf(parent, sizeof parent, "%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);
        snprintf(path, sizeof path, "%s/cgroup.subtree_control", parent);
        bool m = word_in_file(path, "memory"), p = word_in_file(path, "pids");
        if ((want_mem && !m) || (want_pids && !p)) {
            static char msg[PATH_MAX + 128];
            snprintf(msg, sizeof msg, "cgroup2: memory/pids not delegated in %s/cgroup.subtree_control", parent);
            why = msg;
        }
    }
    if (!why && !make_group(parent, name, cg->mem_dir, sizeof cg->mem_dir, cg->mem_reason, sizeof cg->mem_reason))
        why = cg->mem_reason;
    if (why) {
        if (want_mem && !cg->mem) snprintf(cg->mem_reason, sizeof cg->mem_reason, "%s", why);
        if (want_pids && !cg->pids) snprintf(cg->pids_reason, sizeof cg->pids_reason, "%s", why);
        return;
    }
    snprintf(cg->pids_dir, sizeof cg->pids_dir, "%s", cg->mem_dir);
    cg->mem_created = true;
    cg->version = 2;
    char value[64];
    if (want_mem) {
        cg->mem = true;
        if (mem_limit > 0) {
            snprintf(value, sizeof value, "%lld", (long long)mem_limit);
            if (write_knob(cg->mem_dir, "memory.max", value) < 0) {
                snprintf(cg->mem_reason, sizeof cg->mem_reason, "cannot set memory.max: %s", strerror(errno));
                cg->mem = false;
            }
            write_knob(cg->mem_dir, "memory.swap.max", "0");
        }
    }
    if (want_pids) {
        cg->pids = true;
        snprintf(value, sizeof value, "%lld", (long long)pids_max);
        if (write_knob(cg->pids_dir, "pids.max", value) < 0) {
            snprintf(cg->pids_reason, sizeof cg->pids_reason, "cannot set pids.max: %s", strerror(errno));
            cg->pids = false;
        }
    }
}

void cgroup_create(cgroup_t *cg, const char *name, bool want_mem, bool want_pids, int64_t mem_limit, int64_t pids_max) {
    memset(cg, 0, sizeof *cg);
    if (!want_mem) snprintf(cg->mem_reason, sizeof cg->mem_reason, "disabled");
    if (!want_pids) snprintf(cg->pids_reason, sizeof cg->pids_reason, "disabled");
    if (!want_mem && !want_pids) return;
    // v1 controllers first (where they exist, cgroup2 usually has none of them).
    setup_v1(cg, name, want_mem, want_pids, mem_limit, pids_max);
    if (cg->version == 0) {
        char v1mem[sizeof cg->mem_reason], v1pids[sizeof cg->pids_reason];
        memcpy(v1mem, cg->mem_reason, sizeof v1mem);
        memcpy(v1pids, cg->pids_reason, sizeof v1pids);
        char dummy[8];
        cgroup_destroy(cg, dummy, sizeof dummy);
        setup_v2(cg, name, want_mem, want_pids, mem_limit, pids_max);
        if (cg->version == 0) {
            // report both attempts
            char tmp[sizeof cg->mem_reason];
            if (want_mem) {
                snprintf(tmp, sizeof tmp, "%s; %s", v1mem, cg->mem_reason);
                memcpy(cg->mem_reason, tmp, sizeof tmp);
            }
            if (want_pids) {
                snprintf(tmp, sizeof tmp, "%s; %s", v1pids, cg->pids_reason);
                memcpy(cg->pids_reason, tmp, sizeof tmp);
            }
        }
    }
    cgroup_begin_sample(cg);
}

const char *cgroup_procs_path(const cgroup_t *cg, int which, char *buf, size_t len) {
    if (which == 0 && cg->mem) snprintf(buf, len, "%s/cgroup.procs", cg->mem_dir);
    else if (which == 1 && cg->pids && !(cg->version == 2 && cg->mem)) snprintf(buf, len, "%s/cgroup.procs", cg->pids_dir);
    else return NULL;
    return buf;
}

int cgroup_enter(const cgroup_t *cg, pid_t pid) {
    char value[32], path[PATH_MAX + 32];
    snprintf(value, sizeof value, "%d", (int)pid);
    for (int i = 0; i < 2; i++)
        if (cgroup_procs_path(cg, i, path, sizeof path) && write_file(path, value) < 0) return -1;
    return 0;
}

void cgroup_begin_sample(cgroup_t *cg) {
    if (cg->mem) {
        if (cg->version == 1) {
            cg->oom_kill0 = cg_read_key(cg, CG_OOM, "oom_kill");
            cg_write(cg, CG_PEAK, "0");
            cg_write(cg, CG_FAILCNT, "0");
        } else {
            cg->oom_kill0 = cg_read_key(cg, CG_OOM, "oom_kill");
            cg_write(cg, CG_PEAK, "reset"); // 6.12+; ignored elsewhere
        }
        cg->usage0 = cg_read_u64(cg, CG_USAGE);
    }
    if (cg->pids) cg->pids_max0 = cg_read_key(cg, CG_PIDS_EVENTS, "max");
}

void cgroup_read(const cgroup_t *cg, cgroup_stats *st) {
    memset(st, 0, sizeof *st);
    if (cg->mem) {
        st->have_memory = true;
        st->oom_kills = cg_read_key(cg, CG_OOM, "oom_kill") - cg->oom_kill0;
        if (cg->version == 1) st->failcnt = cg_read_u64(cg, CG_FAILCNT);
        st->peak_bytes = cg_read_u64(cg, CG_PEAK);
        st->peak_bytes = st->peak_bytes > cg->usage0 ? st->peak_bytes - cg->usage0 : 0;
    }
    if (cg->pids) {
        st->have_pids = true;
        st->pids_max_hits = cg_read_key(cg, CG_PIDS_EVENTS, "max") - cg->pids_max0;
    }
}

/// SIGKILLs (and SIGCONTs) every task listed in the group's cgroup.procs but `keep`. `which`
/// names a kept descriptor to read (or -1: read `dir`'s file by path).
static int kill_listed(const cgroup_t *cg, int which, const char *dir, pid_t keep) {
    char text[65536];
    ssize_t n;
    if (cg && which >= 0) {
        n = cg_read(cg, which, text, sizeof text);
    } else {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/cgroup.procs", dir);
        n = read_file(path, text, sizeof text);
    }
    if (n <= 0) return 0;
    int count = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        pid_t pid = (pid_t)atoi(line);
        if (pid > 1 && pid != keep) {
            kill(pid, SIGKILL);
            kill(pid, SIGCONT);
            count++;
        }
    }
    return count;
}

int cgroup_kill_all(const cgroup_t *cg) {
    int total = 0;
    if (cg->version == 2 && cg->keep <= 0) write_knob(cg->mem_dir, "cgroup.kill", "1");
    // Without cgroup.kill (v1): read, kill, repeat until empty (a fork bomb refills it for a while).
    for (int round = 0; round < 2000; round++) {
        int n = 0;
        if (cg->mem_created) n += kill_listed(cg, CG_PROCS_MEM, cg->mem_dir, cg->keep);
        if (cg->pids_created && strcmp(cg->pids_dir, cg->mem_dir) != 0) n += kill_listed(cg, CG_PROCS_PIDS, cg->pids_dir, cg->keep);
        total += n;
        if (n == 0) break;
        struct timespec ts = {0, 500000};
        nanosleep(&ts, NULL);
    }
    return total;
}

static int remove_group(const char *dir, char *err, size_t errlen) {
    // Tasks killed a moment ago may still be exiting: retry for up to ~2 s.
    for (int i = 0; i < 2000; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT) return 0;
        if (errno != EBUSY) break;
        kill_listed(NULL, -1, dir, 0);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    snprintf(err, errlen, "cannot remove cgroup %s: %s", dir, strerror(errno));
    return -1;
}

int cgroup_destroy(cgroup_t *cg, char *err, size_t errlen) {
    int rc = 0;
    if (errlen) err[0] = 0;
    cg->keep = 0;
    close_files(cg);
    if (cg->mem_created || cg->pids_created) cgroup_kill_all(cg);
    if (cg->mem_created && remove_group(cg->mem_dir, err, errlen) < 0) rc = -1;
    if (cg->pids_created && strcmp(cg->pids_dir, cg->mem_dir) != 0 && remove_group(cg->pids_dir, err, errlen) < 0) rc = -1;
    cg->mem_created = cg->pids_created = false;
    return rc;
}
