// See include/assay_unix_messages.h.
#include "assay_unix_messages.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/// One sendmsg of `len` bytes of `data` with `nfds` descriptors; what sendmsg returned.
static ssize_t send_with_fds(int sock, const void *data, size_t len, const int *fds, int nfds) {
    if (nfds < 0 || nfds > ASSAY_MSG_MAX_FDS) {
        errno = EINVAL;
        return -1;
    }
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    union {
        char buf[CMSG_SPACE(sizeof(int) * ASSAY_MSG_MAX_FDS)];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (nfds > 0) {
        msg.msg_control = u.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
    }
    ssize_t n;
    do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
}

int assay_msg_send_fd(int sock, int fd) {
    return send_with_fds(sock, "L", 1, &fd, 1) == 1 ? 0 : -1;
}

int assay_msg_send(int sock, const char *text, const int *fds, int nfds) {
    return send_with_fds(sock, text, strlen(text), fds, nfds) < 0 ? -1 : 0;
}

ssize_t assay_msg_recv(int sock, char *buf, size_t len, int *fds, int maxfds, int *nfds) {
    struct iovec iov = {.iov_base = buf, .iov_len = len - 1};
    union {
        char buf[CMSG_SPACE(sizeof(int) * ASSAY_MSG_MAX_FDS)];
        struct cmsghdr align;
    } u;
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    ssize_t n;
    do n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    *nfds = 0;
    if (n < 0) return -1;
    buf[n] = 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
            if (*nfds < maxfds) fds[(*nfds)++] = fd;
            else close(fd);
        }
    }
    return n;
}
