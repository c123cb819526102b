#include "report.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "profile.h"

void notify_init(notify_t *n) {
    memset(n, 0, sizeof *n);
    n->sock = n->listener = -1;
}

int notify_take_listener(notify_t *n) {
    if (n->sock < 0) return 0;
    char text[512];
    struct iovec iov = {.iov_base = text, .iov_len = sizeof text - 1};
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    ssize_t r = recvmsg(n->sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return -1;
    if (r <= 0) {
        close(n->sock);
        n->sock = -1;
        return 0;
    }
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm), sizeof fd);
            if (n->listener < 0) n->listener = fd;
            else close(fd);
        }
    }
    text[r] = 0;
    if (text[0] == 'E') {
        snprintf(n->setup_error, sizeof n->setup_error, "%s", r > 2 ? text + 2 : "set-up failed");
    } else if (text[0] == 'L' && n->listener >= 0) {
        n->setup_done = true;
    } else if (text[0] == 'O') {
        n->setup_done = true;
    }
    // One message per sample: nothing else may arrive on this socket.
    close(n->sock);
    n->sock = -1;
    return n->listener >= 0 ? 1 : 0;
}

bool notify_read(notify_t *n, short revents) {
    if (n->listener < 0) return false;
    if (!(revents & POLLIN)) {
        if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
            close(n->listener);
            n->listener = -1;
        }
        return n->denied;
    }
    struct seccomp_notif req;
    memset(&req, 0, sizeof req);
    if (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
        if (errno != EINTR && errno != ENOENT) {
            // the filter's users are gone (POLLHUP)
            close(n->listener);
            n->listener = -1;
        }
        return n->denied;
    }
    if (!n->denied) {
        n->denied = true;
        snprintf(n->name, sizeof n->name, "%s", profile_syscall_name(req.data.nr));
    }
    return true;
}

void notify_close(notify_t *n) {
    if (n->sock >= 0) close(n->sock);
    if (n->listener >= 0) close(n->listener);
    n->sock = n->listener = -1;
}

void judge_outcome(outcome_t *o, const cgroup_stats *cst, const judge_t *j) {
    if (!o->killed_by) {
        if (cst->oom_kills > 0) {
            o->killed_by = "memory";
        } else if (o->signal == SIGSYS && j->seccomp_active) {
            o->killed_by = "seccomp"; // a `kill`/`sigsys` rule: the number is not known
        } else if (o->signal == SIGXCPU) {
            o->killed_by = "cpu";
        } else if (o->signal == SIGKILL && o->user_ms + o->sys_ms >= j->cpu_soft_s * 1000.0) {
            o->killed_by = "cpu";
        }
    } else if (strcmp(o->killed_by, "wall") == 0 && cst->pids_max_hits > 0) {
        o->killed_by = "pids";
    }
}

void cgroup_stats_json(buf_t *b, const cgroup_stats *st) {
    if (!st->have_memory && !st->have_pids) return;
    buf_puts(b, ",\"cgroup\":{");
    bool first = true;
    if (st->have_memory) {
        buf_printf(b, "\"oom_kills\":%llu,\"memory_failcnt\":%llu,\"memory_peak_bytes\":%llu",
                   (unsigned long long)st->oom_kills, (unsigned long long)st->failcnt,
                   (unsigned long long)st->peak_bytes);
        first = false;
    }
    if (st->have_pids) buf_printf(b, "%s\"pids_max_hits\":%llu", first ? "" : ",", (unsigned long long)st->pids_max_hits);
    buf_puts(b, "}");
}
