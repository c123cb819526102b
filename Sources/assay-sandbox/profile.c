#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sched.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

// ------------------------------------------------------------------------------------------
// Symbolic constants usable as values in conditions.

typedef struct {
    const char *name;
    uint64_t value;
} named_value;

#define NV(x) {#x, (uint64_t)(x)}
static const named_value constants[] = {
    // socket families and types
    NV(AF_UNIX), NV(AF_LOCAL), NV(AF_INET), NV(AF_INET6), NV(AF_NETLINK), NV(AF_PACKET),
    NV(SOCK_STREAM), NV(SOCK_DGRAM), NV(SOCK_RAW), NV(SOCK_SEQPACKET), NV(SOCK_CLOEXEC), NV(SOCK_NONBLOCK),
    // clone flags
    NV(CLONE_VM), NV(CLONE_FS), NV(CLONE_FILES), NV(CLONE_SIGHAND), NV(CLONE_THREAD), NV(CLONE_VFORK),
    NV(CLONE_PARENT), NV(CLONE_NEWNS), NV(CLONE_NEWUSER), NV(CLONE_NEWPID), NV(CLONE_NEWNET), NV(CLONE_NEWIPC),
    NV(CLONE_NEWUTS), NV(CLONE_NEWCGROUP), NV(CLONE_SYSVSEM), NV(CLONE_SETTLS), NV(CLONE_PARENT_SETTID),
    NV(CLONE_CHILD_CLEARTID), NV(CLONE_CHILD_SETTID), NV(CLONE_PTRACE), NV(CLONE_UNTRACED), NV(CLONE_IO),
    // signals
    NV(SIGHUP), NV(SIGINT), NV(SIGQUIT), NV(SIGILL), NV(SIGTRAP), NV(SIGABRT), NV(SIGBUS), NV(SIGFPE),
    NV(SIGKILL), NV(SIGUSR1), NV(SIGSEGV), NV(SIGUSR2), NV(SIGPIPE), NV(SIGALRM), NV(SIGTERM), NV(SIGCHLD),
    NV(SIGCONT), NV(SIGSTOP), NV(SIGTSTP), NV(SIGXCPU), NV(SIGXFSZ), NV(SIGVTALRM), NV(SIGPROF), NV(SIGSYS),
    // ioctl requests
    NV(TIOCSTI), NV(TIOCLINUX), NV(TCGETS), NV(TCSETS), NV(TIOCGWINSZ), NV(TIOCGPGRP), NV(FIONBIO), NV(FIOCLEX),
    NV(FIONCLEX), NV(FIONREAD), NV(FIOASYNC),
    // prctl options
    NV(PR_GET_DUMPABLE), NV(PR_SET_DUMPABLE), NV(PR_SET_NAME), NV(PR_GET_NAME), NV(PR_CAPBSET_READ),
    NV(PR_SET_THP_DISABLE), NV(PR_GET_THP_DISABLE), NV(PR_SET_PDEATHSIG), NV(PR_GET_PDEATHSIG),
    NV(PR_SET_NO_NEW_PRIVS), NV(PR_GET_NO_NEW_PRIVS), NV(PR_GET_SECCOMP), NV(PR_SET_SECCOMP), NV(PR_GET_TIMERSLACK),
    NV(PR_SET_VMA),
    // seccomp operations
    NV(SECCOMP_SET_MODE_STRICT), NV(SECCOMP_SET_MODE_FILTER), NV(SECCOMP_GET_ACTION_AVAIL),
    // mmap/mprotect protections and flags
    NV(PROT_READ), NV(PROT_WRITE), NV(PROT_EXEC), NV(MAP_SHARED), NV(MAP_PRIVATE), NV(MAP_ANONYMOUS),
    // open flags
    NV(O_RDONLY), NV(O_WRONLY), NV(O_RDWR), NV(O_ACCMODE), NV(O_CREAT), NV(O_TRUNC), NV(O_APPEND),
};
#undef NV

// ------------------------------------------------------------------------------------------

typedef struct {
    const char *path;
    int line;
    char *err;
    size_t errlen;
} parse_ctx;

static bool perr(parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool perr(parse_ctx *c, const char *fmt, ...) {
    int n = snprintf(c->err, c->errlen, "%s:%d: ", c->path, c->line);
    if (n < 0 || (size_t)n >= c->errlen) return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static bool parse_one_value(parse_ctx *c, const char *tok, uint64_t *out);

/// VALUE or VALUE|VALUE|... (bitwise or, no spaces).
static bool parse_value(parse_ctx *c, const char *tok, uint64_t *out) {
    if (!strchr(tok, '|')) return parse_one_value(c, tok, out);
    char part[128];
    uint64_t acc = 0;
    const char *p = tok;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == 0 || n >= sizeof part) return perr(c, "bad value '%s'", tok);
        memcpy(part, p, n);
        part[n] = 0;
        uint64_t v;
        if (!parse_one_value(c, part, &v)) return false;
        if (v == PROFILE_SELF_MAGIC) return perr(c, "$self cannot be combined with '|'");
        acc |= v;
        if (!bar) break;
        p = bar + 1;
    }
    *out = acc;
    return true;
}

static bool parse_one_value(parse_ctx *c, const char *tok, uint64_t *out) {
    if (strcmp(tok, "$self") == 0) {
        *out = PROFILE_SELF_MAGIC;
        return true;
    }
    if ((tok[0] >= '0' && tok[0] <= '9') || tok[0] == '-') {
        char *end;
        errno = 0;
        if (tok[0] == '-') {
            long long v = strtoll(tok, &end, 0);
            if (errno || *end) return perr(c, "bad number '%s'", tok);
            *out = (uint64_t)v;
        } else {
            unsigned long long v = strtoull(tok, &end, 0);
            if (errno || *end) return perr(c, "bad number '%s'", tok);
            *out = v;
        }
        return true;
    }
    for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++)
        if (strcmp(constants[i].name, tok) == 0) {
            *out = constants[i].value;
            return true;
        }
    return perr(c, "unknown constant '%s'", tok);
}

static bool parse_errno(parse_ctx *c, const char *tok, int *out) {
    static const named_value errnos[] = {
        {"EPERM", EPERM}, {"ENOENT", ENOENT}, {"EACCES", EACCES}, {"ENOSYS", ENOSYS}, {"EINVAL", EINVAL},
        {"EAGAIN", EAGAIN}, {"ENOMEM", ENOMEM}, {"EAFNOSUPPORT", EAFNOSUPPORT}, {"ENOTSUP", ENOTSUP},
        {"EOPNOTSUPP", EOPNOTSUPP}, {"EROFS", EROFS}, {"ENETUNREACH", ENETUNREACH}, {"EBADF", EBADF},
        {"ENOTTY", ENOTTY}, {"ESRCH", ESRCH},
    };
    for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
        if (strcmp(errnos[i].name, tok) == 0) {
            *out = (int)errnos[i].value;
            return true;
        }
    char *end;
    long v = strtol(tok, &end, 10);
    if (*tok && !*end && v > 0 && v < 4096) {
        *out = (int)v;
        return true;
    }
    return perr(c, "unknown errno '%s'", tok);
}

/// Parses an action at tokens[*i]; advances *i.
static bool parse_action(parse_ctx *c, char **tok, int ntok, int *i, uint32_t *action) {
    const char *a = tok[*i];
    (*i)++;
    if (strcmp(a, "allow") == 0) *action = SCMP_ACT_ALLOW;
    else if (strcmp(a, "deny") == 0) *action = SCMP_ACT_NOTIFY;
    else if (strcmp(a, "sigsys") == 0) *action = SCMP_ACT_TRAP;
    else if (strcmp(a, "kill") == 0) *action = SCMP_ACT_KILL_PROCESS;
    else if (strcmp(a, "kill_thread") == 0) *action = SCMP_ACT_KILL_THREAD;
    else if (strcmp(a, "log") == 0) *action = SCMP_ACT_LOG;
    else if (strcmp(a, "errno") == 0) {
        if (*i >= ntok) return perr(c, "errno needs an error name, e.g. 'errno EPERM'");
        int e;
        if (!parse_errno(c, tok[*i], &e)) return false;
        (*i)++;
        *action = SCMP_ACT_ERRNO(e);
    } else
        return perr(c, "unknown action '%s' (allow, deny, kill, kill_thread, sigsys, log, errno NAME)", a);
    return true;
}

/// argN [& MASK] OP VALUE
static bool parse_cond(parse_ctx *c, char **tok, int ntok, int *i, struct scmp_arg_cmp *cmp) {
    if (*i >= ntok) return perr(c, "expected a condition after 'if'/'and'");
    const char *a = tok[*i];
    if (strncmp(a, "arg", 3) != 0 || a[3] < '0' || a[3] > '5' || a[4]) return perr(c, "expected arg0..arg5, got '%s'", a);
    cmp->arg = (unsigned)(a[3] - '0');
    (*i)++;
    bool masked = false;
    uint64_t mask = 0;
    if (*i < ntok && strcmp(tok[*i], "&") == 0) {
        if (*i + 1 >= ntok) return perr(c, "expected a mask after '&'");
        if (!parse_value(c, tok[*i + 1], &mask)) return false;
        masked = true;
        *i += 2;
    }
    if (*i + 1 >= ntok) return perr(c, "incomplete condition for %s", a);
    const char *op = tok[*i];
    uint64_t value;
    if (!parse_value(c, tok[*i + 1], &value)) return false;
    *i += 2;
    if (masked) {
        if (strcmp(op, "==") != 0) return perr(c, "a masked comparison must use '=='");
        cmp->op = SCMP_CMP_MASKED_EQ;
        cmp->datum_a = mask;
        cmp->datum_b = value;
        return true;
    }
    if (strcmp(op, "==") == 0) cmp->op = SCMP_CMP_EQ;
    else if (strcmp(op, "!=") == 0) cmp->op = SCMP_CMP_NE;
    else if (strcmp(op, "<") == 0) cmp->op = SCMP_CMP_LT;
    else if (strcmp(op, "<=") == 0) cmp->op = SCMP_CMP_LE;
    else if (strcmp(op, ">") == 0) cmp->op = SCMP_CMP_GT;
    else if (strcmp(op, ">=") == 0) cmp->op = SCMP_CMP_GE;
    else return perr(c, "unknown operator '%s' (==, !=, <, <=, >, >=, or '& MASK ==')", op);
    cmp->datum_a = value;
    cmp->datum_b = 0;
    return true;
}

static const char *known_layers[] = {"seccomp", "user_ns", "pid_ns", "net_ns", "mount_ns", "ipc_ns", "uts_ns",
                                     "cgroup_ns", "cgroup_memory", "cgroup_pids", "uid_drop", NULL};

static bool parse_line(parse_ctx *c, scmp_filter_ctx *ctx, char *line, profile_t *p, bool *have_default,
                       uint32_t *default_action) {
    char *tok[256];
    int ntok = 0;
    char *hash = strchr(line, '#');
    if (hash) *hash = 0;
    for (char *s = strtok(line, " \t\r\n"); s; s = strtok(NULL, " \t\r\n")) {
        if (ntok == 256) return perr(c, "too many tokens");
        tok[ntok++] = s;
    }
    if (ntok == 0) return true;
    int i = 0;
    if (strcmp(tok[0], "default") == 0) {
        if (*have_default) return perr(c, "second 'default' line");
        if (*ctx) return perr(c, "'default' must come before the first rule");
        i = 1;
        if (ntok < 2) return perr(c, "'default' needs an action");
        if (!parse_action(c, tok, ntok, &i, default_action)) return false;
        if (i != ntok) return perr(c, "unexpected '%s' after the default action", tok[i]);
        if (*default_action == SCMP_ACT_ALLOW) return perr(c, "'default allow' is not accepted: list what is allowed");
        *have_default = true;
        return true;
    }
    if (strcmp(tok[0], "require") == 0) {
        if (ntok < 2) return perr(c, "'require' needs at least one layer name");
        for (i = 1; i < ntok; i++) {
            bool known = false;
            for (int k = 0; known_layers[k]; k++) known |= strcmp(known_layers[k], tok[i]) == 0;
            if (!known) return perr(c, "unknown layer '%s' in 'require'", tok[i]);
            if (p->nrequires == PROFILE_MAX_REQUIRES) return perr(c, "too many required layers");
            snprintf(p->requires[p->nrequires++], sizeof p->requires[0], "%s", tok[i]);
        }
        return true;
    }
    if (!*have_default) return perr(c, "the first line must be 'default ACTION'");
    if (!*ctx) {
        *ctx = seccomp_init(*default_action);
        if (!*ctx) return perr(c, "seccomp_init failed");
        seccomp_attr_set(*ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        seccomp_attr_set(*ctx, SCMP_FLTATR_CTL_NNP, 0);
    }
    uint32_t action;
    if (!parse_action(c, tok, ntok, &i, &action)) return false;
    int first = i;
    while (i < ntok && strcmp(tok[i], "if") != 0) i++;
    int last = i;
    if (first == last) return perr(c, "a rule needs at least one syscall name");
    struct scmp_arg_cmp cmps[6];
    unsigned ncmp = 0;
    if (i < ntok) { // "if"
        i++;
        for (;;) {
            if (ncmp == 6) return perr(c, "at most 6 conditions per rule");
            if (!parse_cond(c, tok, ntok, &i, &cmps[ncmp])) return false;
            ncmp++;
            if (i == ntok) break;
            if (strcmp(tok[i], "and") != 0) return perr(c, "expected 'and' or end of line, got '%s'", tok[i]);
            i++;
        }
    }
    if (action == *default_action) return perr(c, "the rule repeats the default action");
    for (int k = first; k < last; k++) {
        int nr = seccomp_syscall_resolve_name(tok[k]);
        if (nr == __NR_SCMP_ERROR) return perr(c, "unknown syscall '%s'", tok[k]);
        if (strcmp(tok[k], "execve") == 0 || strcmp(tok[k], "execveat") == 0) p->mentions_execve = true;
        if (strcmp(tok[k], "sendmsg") == 0) p->mentions_sendmsg = true;
        if (strcmp(tok[k], "close") == 0) p->mentions_close = true;
        int rc = seccomp_rule_add_array(*ctx, action, nr, ncmp, ncmp ? cmps : NULL);
        if (rc < 0) return perr(c, "cannot add the rule for '%s': %s", tok[k], strerror(-rc));
    }
    p->rules++;
    return true;
}

bool profile_compile(const char *path, const profile_extras *extras, profile_t *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    parse_ctx c = {path, 0, err, errlen};
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    scmp_filter_ctx ctx = NULL;
    bool have_default = false, ok = true;
    uint32_t default_action = 0;
    char *line = NULL;
    size_t cap = 0;
    while (ok && getline(&line, &cap, f) >= 0) {
        c.line++;
        ok = parse_line(&c, &ctx, line, out, &have_default, &default_action);
    }
    free(line);
    fclose(f);
    if (ok && !ctx) {
        c.line++;
        ok = perr(&c, "no rules (a profile needs 'default ACTION' and at least one rule)");
    }
    if (ok && extras) {
        int rc = 0;
        if (extras->execve_pointer && !out->mentions_execve)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(execve), 1, SCMP_A0(SCMP_CMP_EQ, extras->execve_pointer));
        // The confined process hands its listener to the supervisor right after loading the
        // filter: sendmsg on the notify socket and close must pass.
        if (rc == 0 && extras->notify_fd >= 0 && !out->mentions_sendmsg)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmsg), 1, SCMP_A0(SCMP_CMP_EQ, (uint64_t)extras->notify_fd));
        if (rc == 0 && extras->notify_fd >= 0 && !out->mentions_close)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(close), 0);
        if (rc < 0) {
            snprintf(err, errlen, "%s: cannot add the supervisor's rules: %s", path, strerror(-rc));
            ok = false;
        }
    }
    if (ok && extras && extras->pfc_fd > 0) seccomp_export_pfc(ctx, extras->pfc_fd);
    if (ok) {
        int fd = memfd_create("assay-bpf", MFD_CLOEXEC);
        int rc = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
        if (rc < 0) {
            snprintf(err, errlen, "%s: cannot export the BPF program: %s", path, strerror(-rc));
            ok = false;
        } else {
            buf_t b = {0};
            if (lseek(fd, 0, SEEK_SET) < 0 || read_all(fd, &b, 1 << 20) != 0 || b.len % sizeof(struct sock_filter)) {
                snprintf(err, errlen, "%s: cannot read the exported BPF program back", path);
                ok = false;
                buf_free(&b);
            } else {
                out->insns = (struct sock_filter *)b.data;
                out->count = b.len / sizeof(struct sock_filter);
                if (out->count > BPF_MAXINSNS) {
                    snprintf(err, errlen, "%s: the BPF program has %zu instructions (kernel limit %d)", path,
                             out->count, BPF_MAXINSNS);
                    ok = false;
                }
                for (size_t k = 0; k < out->count; k++)
                    if (out->insns[k].k == PROFILE_SELF_MAGIC) out->self_sites++;
            }
        }
        if (fd >= 0) close(fd);
    }
    if (ctx) seccomp_release(ctx);
    if (!ok) profile_free(out);
    return ok;
}

void profile_free(profile_t *p) {
    free(p->insns);
    p->insns = NULL;
    p->count = 0;
}

void profile_patch_self(struct sock_filter *insns, size_t count, uint32_t pid) {
    for (size_t i = 0; i < count; i++)
        if (insns[i].k == PROFILE_SELF_MAGIC && BPF_CLASS(insns[i].code) == BPF_JMP) insns[i].k = pid;
}

const char *profile_syscall_name(int nr) {
    static char name[64];
    char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (s) {
        snprintf(name, sizeof name, "%s", s);
        free(s);
    } else {
        snprintf(name, sizeof name, "syscall_%d", nr);
    }
    return name;
}

int profile_check_main(int argc, char **argv, bool dump) {
    int rc = 0;
    if (argc == 0) {
        fprintf(stderr, PROG ": --check needs at least one profile file\n");
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        profile_t p;
        char err[1024];
        if (dump) fflush(stdout);
        profile_extras extras = {.pfc_fd = dump ? 1 : 0, .notify_fd = -1};
        if (!profile_compile(argv[i], &extras, &p, err, sizeof err)) {
            fflush(stdout);
            fprintf(stderr, "%s\n", err);
            rc = 1;
            continue;
        }
        printf("%s: ok: %d rules, %zu BPF instructions", argv[i], p.rules, p.count);
        if (p.self_sites) printf(", %d $self sites", p.self_sites);
        if (p.nrequires) {
            printf(", requires");
            for (int k = 0; k < p.nrequires; k++) printf(" %s", p.requires[k]);
        }
        printf("\n");
        profile_free(&p);
    }
    return rc;
}
