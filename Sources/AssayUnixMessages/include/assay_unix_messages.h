// Messages with descriptors (SCM_RIGHTS) over a Unix socket: the one implementation that the
// supervisor (`assay-sandbox`) and libAssaySandboxChild share. SwiftPM links it statically into
// both; in the library its symbols stay hidden, so libAssaySandboxChild.so exports no more than
// its own API.
//
// Each call makes one system call (sendmsg or recvmsg), retried on EINTR, and nothing else:
// `assay_msg_send_fd` runs under a freshly loaded seccomp filter, where only sendmsg on the
// notify socket and close are guaranteed to pass.
#ifndef ASSAY_UNIX_MESSAGES_H
#define ASSAY_UNIX_MESSAGES_H

#include <sys/types.h>

#define ASSAY_MSG_HIDDEN __attribute__((visibility("hidden")))

/// The most descriptors one message carries (sent or received).
#define ASSAY_MSG_MAX_FDS 8

/// Sends the one byte "L" with `fd` (the seccomp listener to the supervisor); MSG_NOSIGNAL.
/// Returns 0 when the byte went, -1 (errno set) otherwise.
ASSAY_MSG_HIDDEN int assay_msg_send_fd(int sock, int fd);

/// Sends `text` (without its NUL) with `nfds` descriptors (0 to ASSAY_MSG_MAX_FDS; none: no
/// control message) as one message; MSG_NOSIGNAL. Returns 0, or -1 with errno (EINVAL for more
/// than ASSAY_MSG_MAX_FDS descriptors).
ASSAY_MSG_HIDDEN int assay_msg_send(int sock, const char *text, const int *fds, int nfds);

/// Receives one message of at most `len` - 1 bytes into `buf` and NUL-terminates it; the
/// descriptors it carries (close-on-exec, MSG_CMSG_CLOEXEC) go to `fds` up to `maxfds`, any
/// beyond that are closed. `*nfds` is how many were stored. Returns the byte count (0: the peer
/// closed the socket), or -1 with errno (and `*nfds` 0). At most ASSAY_MSG_MAX_FDS descriptors
/// of a message are received (the kernel truncates the rest).
ASSAY_MSG_HIDDEN ssize_t assay_msg_recv(int sock, char *buf, size_t len, int *fds, int maxfds, int *nfds);

#endif
