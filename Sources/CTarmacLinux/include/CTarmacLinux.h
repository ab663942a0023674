#ifndef CTARMACLINUX_H
#define CTARMACLINUX_H

// Linux calls the host-side programs need that Swift's Glibc module does not import: the
// variadic prctl(2) and syscall(2), system calls without a glibc wrapper on older C
// libraries, and epoll(7), whose packed `struct epoll_event` Swift cannot lay out reliably.

#include <stdint.h>
#include <sys/types.h>

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are reparented to this process.
int tarmac_set_child_subreaper(void);

/// Frees the blocks of bytes [offset, offset + length) of a file, keeping its size
/// (fallocate PUNCH_HOLE | KEEP_SIZE); 0 or -1 with errno.
int tarmac_punch_hole(int fd, long long offset, long long length);

/// prctl(PR_SET_NAME): names the calling thread (its `comm`, 15 bytes at most).
int tarmac_set_thread_name(const char *name);

/// close_range(first, ~0, CLOSE_RANGE_CLOEXEC) (Linux ≥ 5.11): marks every descriptor from
/// `first` upwards close-on-exec. -1 with errno set when the kernel lacks it.
int tarmac_close_range_cloexec(unsigned int first);

/// pidfd_open(2) (Linux ≥ 5.3), close-on-exec by definition. -1 with errno (ENOSYS on an
/// older kernel, ESRCH when the process does not exist).
int tarmac_pidfd_open(pid_t pid);

/// waitid(P_PIDFD, pidfd, WEXITED | WNOHANG) (Linux ≥ 5.4): reaps the process if it is an
/// ended child of the caller. Returns 1 and a waitpid(2)-style status word in `*status`
/// when it was reaped, 0 when it has not ended, -1 with errno (ECHILD: not our child).
int tarmac_pidfd_reap(int pidfd, int *status);

/// epoll_create1(EPOLL_CLOEXEC).
int tarmac_epoll_create(void);

/// Watches `fd` for readability, once (EPOLLIN | EPOLLONESHOT); events carry `token`.
int tarmac_epoll_add(int epoll_fd, int fd, uint64_t token);

/// Stops watching `fd`.
int tarmac_epoll_remove(int epoll_fd, int fd);

/// epoll_wait(2): stores the tokens of up to `capacity` ready descriptors in `tokens` and
/// returns their number (-1 with errno on error, EINTR included).
int tarmac_epoll_wait(int epoll_fd, uint64_t *tokens, int capacity, int timeout_ms);

/// Creates a network namespace pinned at `path` (a new file in `run_dir`, normally
/// /var/run/netns, made a shared mount as `ip netns add` does) without changing the caller's
/// namespace, and stores a netlink (NETLINK_ROUTE) socket bound to the new namespace in
/// `*netlink_fd`. Returns 0, or -errno (EEXIST when `path` exists).
int tarmac_netns_create(const char *run_dir, const char *path, int *netlink_fd);

/// Opens a new pseudo-terminal of `rows` × `columns`: returns the master (non-blocking,
/// close-on-exec) and stores the open slave (close-on-exec) in `*slave`; -1 with errno set.
int tarmac_open_pty(unsigned short rows, unsigned short columns, int *slave);

/// Sets a terminal's window size (the session's foreground group gets SIGWINCH).
int tarmac_set_window_size(int fd, unsigned short rows, unsigned short columns);

/// A terminal's window size; -1 with errno when `fd` is not a terminal.
int tarmac_get_window_size(int fd, unsigned short *rows, unsigned short *columns);

#endif
