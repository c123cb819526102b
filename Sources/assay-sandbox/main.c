// assay-sandbox: the single-threaded C supervisor that confines untrusted samples.
// Contract: Sandboxes/PROTOCOL.md. Design and measurements: Sandboxes/README.md.
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "run.h"
#include "util.h"

#define MAX_REQUEST (256u << 20)

static void usage(FILE *f) {
    fprintf(f,
            "usage: " PROG " exec --runner /abs/runner.py [--python /usr/bin/python3]\n"
            "           [--wall-ms N] [--cpu-ms N] [--memory BYTES] [--output-bytes N] [--fsize BYTES]\n"
            "           [--nofile N] [--workdir-root DIR] [--capture-bytes N] [--profile FILE.seccomp]\n"
            "Reads one request line (Sandboxes/PROTOCOL.md) on stdin, writes one response line on stdout.\n"
            "Sizes accept K/M/G suffixes (powers of 1024).\n");
}

enum { OPT_PYTHON = 1000, OPT_RUNNER, OPT_WALL, OPT_CPU, OPT_MEMORY, OPT_OUTPUT, OPT_FSIZE, OPT_NOFILE, OPT_WORKDIR,
       OPT_PROFILE, OPT_CAPTURE, OPT_HELP };

static const struct option long_options[] = {
    {"python", required_argument, NULL, OPT_PYTHON},
    {"runner", required_argument, NULL, OPT_RUNNER},
    {"wall-ms", required_argument, NULL, OPT_WALL},
    {"cpu-ms", required_argument, NULL, OPT_CPU},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"output-bytes", required_argument, NULL, OPT_OUTPUT},
    {"fsize", required_argument, NULL, OPT_FSIZE},
    {"nofile", required_argument, NULL, OPT_NOFILE},
    {"workdir-root", required_argument, NULL, OPT_WORKDIR},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"capture-bytes", required_argument, NULL, OPT_CAPTURE},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int bad_value(const char *opt, const char *value) {
    fprintf(stderr, PROG ": invalid value for --%s: '%s'\n", opt, value);
    return 2;
}

static int cmd_exec(int argc, char **argv) {
    exec_config cfg = {.python = "/usr/bin/python3", .runner = NULL, .workdir_root = "/tmp", .capture = 8192};
    limits_t limits = {.wall_ms = 3000, .cpu_ms = LIMIT_UNSET, .memory_bytes = 1LL << 30, .output_bytes = 1 << 20,
                       .fsize_bytes = 16 << 20, .nofile = 64};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        int64_t v = 0;
        switch (c) {
        case OPT_PYTHON: cfg.python = optarg; break;
        case OPT_RUNNER: cfg.runner = optarg; break;
        case OPT_WORKDIR: cfg.workdir_root = optarg; break;
        case OPT_PROFILE: break; // stage 2
        case OPT_WALL: if (!parse_size(optarg, &v) || v == 0) return bad_value("wall-ms", optarg); limits.wall_ms = v; break;
        case OPT_CPU: if (!parse_size(optarg, &v) || v == 0) return bad_value("cpu-ms", optarg); limits.cpu_ms = v; break;
        case OPT_MEMORY: if (!parse_size(optarg, &v)) return bad_value("memory", optarg); limits.memory_bytes = v; break;
        case OPT_OUTPUT: if (!parse_size(optarg, &v)) return bad_value("output-bytes", optarg); limits.output_bytes = v; break;
        case OPT_FSIZE: if (!parse_size(optarg, &v)) return bad_value("fsize", optarg); limits.fsize_bytes = v; break;
        case OPT_NOFILE: if (!parse_size(optarg, &v) || v < 8) return bad_value("nofile", optarg); limits.nofile = v; break;
        case OPT_CAPTURE: if (!parse_size(optarg, &v) || v > (64 << 20)) return bad_value("capture-bytes", optarg); cfg.capture = v; break;
        case OPT_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!cfg.runner) {
        fprintf(stderr, PROG ": --runner is required\n");
        return 2;
    }
    static char runner_abs[PATH_MAX];
    if (cfg.python[0] != '/') {
        fprintf(stderr, PROG ": --python must be an absolute path\n");
        return 2;
    }
    if (!realpath(cfg.runner, runner_abs)) {
        fprintf(stderr, PROG ": --runner %s: %s\n", cfg.runner, strerror(errno));
        return 2;
    }
    cfg.runner = runner_abs;

    exec_setup_signals();

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
        if (!limits_from_request(req.data, req.len, &limits, &id, &idlen, &err))
            outcome_fail(&o, "invalid request: %s", err);
        else
            run_exec(&cfg, &limits, req.data, req.len, &o);
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
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "exec") == 0) return cmd_exec(argc - 1, argv + 1);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, PROG ": unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
