// assay-sandbox: the single-threaded C supervisor that confines untrusted samples.
// Contract: Sandboxes/PROTOCOL.md. Design, flags and measurements: Sandboxes/README.md.
#include <sys/syscall.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "profile.h"
#include "run.h"
#include "serve.h"
#include "util.h"

#define MAX_REQUEST (256u << 20)

static void usage(FILE *f) {
    fprintf(f,
            "usage: " PROG " exec  --runner /abs/runner.py [options]   one request on stdin, one response on stdout\n"
            "       " PROG " serve --runner /abs/runner.py [options]   request lines in, response lines out (warm worker)\n"
            "       " PROG " --check FILE.seccomp...                   validate seccomp profiles\n"
            "       " PROG " --dump FILE.seccomp                       validate and print libseccomp's pseudo code\n"
            "options:\n"
            "  --python PATH          interpreter (default /usr/bin/python3)\n"
            "  --wall-ms N --cpu-ms N --memory BYTES --output-bytes N --fsize BYTES --nofile N\n"
            "                         default limits (a request's `limits` member overrides them)\n"
            "  --capture-bytes N      bytes of stdout/stderr returned (default 8192)\n"
            "  --workdir-root DIR     where per-sample dirs are created (default /tmp)\n"
            "  --profile FILE         seccomp profile (default: python-default.seccomp next to the runner)\n"
            "  --worker FILE          warm worker script (serve; default: worker.py next to the runner)\n"
            "  --child-lib FILE       libAssaySandboxChild.so (default: next to this executable)\n"
            "  --slot N               worker slot; the sandbox uid/gid is --uid-base + N (default 60000 + 0)\n"
            "  --uid-base N\n"
            "  --tmpfs-bytes BYTES    size of the private /box and /tmp (default 64M each)\n"
            "  --pids N               pids.max of the sample's cgroup (default 64)\n"
            "  --cg-memory BYTES      memory limit of the sample's cgroup (default: the memory limit)\n"
            "  --ro-bind PATH         expose a host path read-only at the same place (repeatable)\n"
            "  --no-seccomp --no-userns --no-pidns --no-netns --no-mountns --no-ipcns --no-utsns\n"
            "  --no-cgroupns --no-cgroup-memory --no-cgroup-pids --no-cgroups --no-uid-drop --no-namespaces\n"
            "                         turn layers off (to measure their cost); the response's `layers` says so\n"
            "Sizes accept K/M/G suffixes (powers of 1024).\n");
}

enum {
    OPT_PYTHON = 1000, OPT_RUNNER, OPT_WALL, OPT_CPU, OPT_MEMORY, OPT_OUTPUT, OPT_FSIZE, OPT_NOFILE, OPT_WORKDIR,
    OPT_PROFILE, OPT_CAPTURE, OPT_HELP, OPT_CHILD_LIB, OPT_SLOT, OPT_UID_BASE, OPT_TMPFS, OPT_PIDS, OPT_CG_MEMORY,
    OPT_RO_BIND, OPT_WORKER, OPT_NO_CGROUPS, OPT_NO_NAMESPACES, OPT_NO_LAYER_BASE = 2000,
};

static int bad_value(const char *opt, const char *value) {
    fprintf(stderr, PROG ": invalid value for --%s: '%s'\n", opt, value);
    return 2;
}

/// Parses the options shared by exec and serve. Returns -1 to go on, else an exit status.
static int parse_options(int argc, char **argv, sandbox_config *cfg, limits_t *limits) {
    static struct option opts[64];
    static char names[L_COUNT][32];
    int n = 0;
#define OPT(name, id) opts[n++] = (struct option){name, required_argument, NULL, id}
    OPT("python", OPT_PYTHON);
    OPT("runner", OPT_RUNNER);
    OPT("wall-ms", OPT_WALL);
    OPT("cpu-ms", OPT_CPU);
    OPT("memory", OPT_MEMORY);
    OPT("output-bytes", OPT_OUTPUT);
    OPT("fsize", OPT_FSIZE);
    OPT("nofile", OPT_NOFILE);
    OPT("workdir-root", OPT_WORKDIR);
    OPT("profile", OPT_PROFILE);
    OPT("capture-bytes", OPT_CAPTURE);
    OPT("child-lib", OPT_CHILD_LIB);
    OPT("slot", OPT_SLOT);
    OPT("uid-base", OPT_UID_BASE);
    OPT("tmpfs-bytes", OPT_TMPFS);
    OPT("pids", OPT_PIDS);
    OPT("cg-memory", OPT_CG_MEMORY);
    OPT("ro-bind", OPT_RO_BIND);
    OPT("worker", OPT_WORKER);
#undef OPT
    opts[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
    opts[n++] = (struct option){"no-cgroups", no_argument, NULL, OPT_NO_CGROUPS};
    opts[n++] = (struct option){"no-namespaces", no_argument, NULL, OPT_NO_NAMESPACES};
    for (int i = 0; i < L_COUNT; i++) {
        snprintf(names[i], sizeof names[i], "%s", layer_flags[i]);
        opts[n++] = (struct option){names[i], no_argument, NULL, OPT_NO_LAYER_BASE + i};
    }
    opts[n] = (struct option){NULL, 0, NULL, 0};

    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int64_t v = 0;
        if (c >= OPT_NO_LAYER_BASE && c < OPT_NO_LAYER_BASE + L_COUNT) {
            cfg->layers.wanted[c - OPT_NO_LAYER_BASE] = false;
            continue;
        }
        switch (c) {
        case OPT_PYTHON: cfg->python = optarg; break;
        case OPT_RUNNER: cfg->runner = optarg; break;
        case OPT_WORKER: cfg->worker = optarg; break;
        case OPT_WORKDIR: cfg->workdir_root = optarg; break;
        case OPT_PROFILE: cfg->profile = optarg; break;
        case OPT_CHILD_LIB: cfg->child_lib = optarg; break;
        case OPT_RO_BIND:
            if (optarg[0] != '/' || cfg->nbinds == MAX_RO_BINDS) return bad_value("ro-bind", optarg);
            cfg->ro_binds[cfg->nbinds++] = optarg;
            break;
        case OPT_WALL: if (!parse_size(optarg, &v) || v == 0) return bad_value("wall-ms", optarg); limits->wall_ms = v; break;
        case OPT_CPU: if (!parse_size(optarg, &v) || v == 0) return bad_value("cpu-ms", optarg); limits->cpu_ms = v; break;
        case OPT_MEMORY: if (!parse_size(optarg, &v)) return bad_value("memory", optarg); limits->memory_bytes = v; break;
        case OPT_OUTPUT: if (!parse_size(optarg, &v)) return bad_value("output-bytes", optarg); limits->output_bytes = v; break;
        case OPT_FSIZE: if (!parse_size(optarg, &v)) return bad_value("fsize", optarg); limits->fsize_bytes = v; break;
        case OPT_NOFILE: if (!parse_size(optarg, &v) || v < 8) return bad_value("nofile", optarg); limits->nofile = v; break;
        case OPT_CAPTURE: if (!parse_size(optarg, &v) || v > (64 << 20)) return bad_value("capture-bytes", optarg); cfg->capture = v; break;
        case OPT_SLOT: if (!parse_size(optarg, &v) || v > 4095) return bad_value("slot", optarg); cfg->slot = (int)v; break;
        case OPT_UID_BASE: if (!parse_size(optarg, &v) || v < 1000 || v > 2000000000) return bad_value("uid-base", optarg); cfg->uid_base = v; break;
        case OPT_TMPFS: if (!parse_size(optarg, &v) || v < 4096) return bad_value("tmpfs-bytes", optarg); cfg->tmpfs_bytes = v; break;
        case OPT_PIDS: if (!parse_size(optarg, &v) || v < 1) return bad_value("pids", optarg); cfg->pids_max = v; break;
        case OPT_CG_MEMORY: if (!parse_size(optarg, &v)) return bad_value("cg-memory", optarg); cfg->cg_memory = v; break;
        case OPT_NO_CGROUPS: cfg->layers.wanted[L_CG_MEMORY] = cfg->layers.wanted[L_CG_PIDS] = false; break;
        case OPT_NO_NAMESPACES:
            for (int id = L_USER_NS; id <= L_CGROUP_NS; id++) cfg->layers.wanted[id] = false;
            break;
        case OPT_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!cfg->runner) {
        fprintf(stderr, PROG ": --runner is required\n");
        return 2;
    }
    if (cfg->python[0] != '/') {
        fprintf(stderr, PROG ": --python must be an absolute path\n");
        return 2;
    }
    if (access(cfg->python, X_OK) < 0) {
        fprintf(stderr, PROG ": --python %s: %s\n", cfg->python, strerror(errno));
        return 2;
    }
    static char runner_abs[PATH_MAX], profile_abs[PATH_MAX], lib_abs[PATH_MAX], worker_abs[PATH_MAX];
    if (!realpath(cfg->runner, runner_abs)) {
        fprintf(stderr, PROG ": --runner %s: %s\n", cfg->runner, strerror(errno));
        return 2;
    }
    cfg->runner = runner_abs;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", runner_abs);
    dirname(dir);
    if (!cfg->profile) {
        snprintf(profile_abs, sizeof profile_abs, "%s/python-default.seccomp", dir);
        cfg->profile = profile_abs;
    }
    if (!cfg->worker) {
        snprintf(worker_abs, sizeof worker_abs, "%s/worker.py", dir);
        cfg->worker = worker_abs;
    } else if (realpath(cfg->worker, worker_abs)) {
        cfg->worker = worker_abs;
    }
    if (!cfg->child_lib) {
        char exe[PATH_MAX];
        ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (len <= 0) {
            fprintf(stderr, PROG ": cannot read /proc/self/exe: %s\n", strerror(errno));
            return 2;
        }
        exe[len] = 0;
        snprintf(lib_abs, sizeof lib_abs, "%s/libAssaySandboxChild.so", dirname(exe));
        cfg->child_lib = lib_abs;
    } else if (realpath(cfg->child_lib, lib_abs)) {
        cfg->child_lib = lib_abs;
    }
    return -1;
}

static void default_config(sandbox_config *cfg, limits_t *limits) {
    memset(cfg, 0, sizeof *cfg);
    cfg->python = "/usr/bin/python3";
    cfg->workdir_root = "/tmp";
    cfg->capture = 8192;
    cfg->uid_base = 60000;
    cfg->tmpfs_bytes = 64 << 20;
    cfg->pids_max = 64;
    layers_init(&cfg->layers);
    *limits = (limits_t){.wall_ms = 3000, .cpu_ms = LIMIT_UNSET, .memory_bytes = 1LL << 30, .output_bytes = 1 << 20,
                         .fsize_bytes = 16 << 20, .nofile = 64};
}

/// `exec`: one request on stdin, one response line on stdout.
static int cmd_exec(const sandbox_config *cfg, limits_t *limits) {
    buf_t req = {0};
    outcome_t o;
    outcome_init(&o);
    char *id = NULL;
    size_t idlen = 0;
    int rr = read_all(0, &req, MAX_REQUEST);
    if (rr == -2) {
        outcome_fail(&o, "the request is larger than %u bytes", MAX_REQUEST);
    } else if (rr < 0) {
        outcome_fail(&o, "cannot read the request: %s", strerror(errno));
    } else {
        const char *err = NULL;
        if (!limits_from_request(req.data, req.len, limits, &id, &idlen, &err))
            outcome_fail(&o, "invalid request: %s", err);
        else
            run_exec(cfg, limits, req.data, req.len, &o);
    }
    buf_t line = {0};
    response_json(&line, id, idlen, &o);
    buf_append(&line, "\n", 1);
    int rc = write_all(1, line.data, line.len) < 0 ? 1 : 0;
    if (rc) fprintf(stderr, PROG ": cannot write the response: %s\n", strerror(errno));
    buf_free(&line);
    buf_free(&req);
    free(id);
    outcome_free(&o);
    return rc;
}

int main(int argc, char **argv) {
    // Nothing but stdin, stdout and stderr is meant to reach the supervisor: descriptors the
    // launching process opened without O_CLOEXEC (a model client's sockets) are closed here.
    syscall(SYS_close_range, 3U, ~0U, 0U);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    bool is_exec = strcmp(argv[1], "exec") == 0;
    if (is_exec || strcmp(argv[1], "serve") == 0) {
        sandbox_config cfg;
        limits_t limits;
        default_config(&cfg, &limits);
        int rc = parse_options(argc - 1, argv + 1, &cfg, &limits);
        if (rc >= 0) return rc;
        exec_setup_signals();
        return is_exec ? cmd_exec(&cfg, &limits) : run_serve(&cfg, &limits);
    }
    if (strcmp(argv[1], "--check") == 0) return profile_check_main(argc - 2, argv + 2, false);
    if (strcmp(argv[1], "--dump") == 0) return profile_check_main(argc - 2, argv + 2, true);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, PROG ": unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
