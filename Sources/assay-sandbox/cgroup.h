// Per-sample cgroups: memory and pids, cgroup v1 (this host) or v2 (delegated subtree).
#ifndef ASSAY_SANDBOX_CGROUP_H
#define ASSAY_SANDBOX_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/// Files of a pooled group kept open (see cgroup_keep_open).
enum { CG_OOM, CG_FAILCNT, CG_PEAK, CG_USAGE, CG_LIMIT, CG_PIDS_EVENTS, CG_PROCS_MEM, CG_PROCS_PIDS, CG_NFILES };

typedef struct {
    int version;                  // 1 or 2 (0: none usable)
    bool mem, pids;               // controller usable (and, once created, the group exists)
    char mem_reason[512], pids_reason[512];
    char mem_dir[PATH_MAX];       // v1: the memory group; v2: the group
    char pids_dir[PATH_MAX];      // v1: the pids group; v2: same as mem_dir
    bool mem_created, pids_created;
    // counters at the start of a sample (pooled groups are reused)
    uint64_t oom_kill0, pids_max0, usage0;
    pid_t keep;                   // a task the sweeps spare (serve: the warm worker lives here)
    // Pooled groups (serve): the files read or written per sample, opened once (cgroup_keep_open).
    bool files_open;
    int fd[CG_NFILES];
} cgroup_t;

typedef struct {
    uint64_t oom_kills;           // OOM kills during the sample
    uint64_t failcnt;             // v1 memory.failcnt (0 on v2)
    uint64_t peak_bytes;          // v1 memory.max_usage_in_bytes, v2 memory.peak (0 if unknown)
    uint64_t pids_max_hits;       // fork/clone refused at pids.max
    bool have_memory, have_pids;
} cgroup_stats;

/// Finds usable controllers (wanting only those flagged) and creates the group `name` below the
/// supervisor's own groups, with the given limits (memory: bytes, 0 = none; pids: count).
/// Controllers that cannot be used are left off with a reason.
void cgroup_create(cgroup_t *cg, const char *name, bool want_mem, bool want_pids, int64_t mem_limit, int64_t pids_max);
/// Moves pid into the group(s). Returns 0 or -1 (errno).
int cgroup_enter(const cgroup_t *cg, pid_t pid);
/// Records the counters' current values (and the memory usage) as the sample's baseline and
/// resets peak/failcnt.
void cgroup_begin_sample(cgroup_t *cg);
void cgroup_read(const cgroup_t *cg, cgroup_stats *st);
/// SIGKILLs every task in the group(s) but `keep` until only it is left (bounded wait). Returns
/// the number of tasks seen.
int cgroup_kill_all(const cgroup_t *cg);
/// Opens the files that cgroup_begin_sample, cgroup_read and cgroup_set_memory_limit use, once,
/// for a group reused by many samples: each later access is one pread/pwrite instead of a path
/// walk, open, read and close (these counter files regenerate their contents on every read from
/// offset 0). Not `cgroup.procs` (see cgroup.c). Files that cannot be opened stay accessed by path.
void cgroup_keep_open(cgroup_t *cg);
/// Sets the memory limit (bytes; < 0: none). Returns 0 or -1 (errno).
int cgroup_set_memory_limit(cgroup_t *cg, int64_t bytes);
/// Kills what is left and removes the group(s). Returns 0, or -1 with a message in err.
int cgroup_destroy(cgroup_t *cg, char *err, size_t errlen);
/// The `cgroup.procs` path of each controller's group (NULL when unused).
const char *cgroup_procs_path(const cgroup_t *cg, int which, char *buf, size_t len);

#endif
