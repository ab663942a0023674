#ifndef CTARMACINIT_H
#define CTARMACINIT_H

// System calls and macros tarmac-init needs that Swift's Glibc module does not import
// (no glibc wrapper, C macros, or headers outside the module map), and the one piece of
// code that must run between fork and exec.

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

/// finit_module(2) with no parameters: loads the kernel module in the open file `fd`.
int tarmac_finit_module(int fd);

/// reboot(2) with LINUX_REBOOT_CMD_POWER_OFF.
int tarmac_power_off(void);

/// Disables Ctrl-Alt-Del rebooting (the kernel sends SIGINT to init instead).
int tarmac_disable_cad(void);

/// signalfd(2) for `mask` with SFD_CLOEXEC | SFD_NONBLOCK.
int tarmac_signalfd(const sigset_t *mask);

/// Reads one signalfd record; returns the signal number, 0 when none is pending, -1 on error.
int tarmac_signalfd_read(int fd);

/// makedev(3).
uint64_t tarmac_makedev(unsigned int major, unsigned int minor);

/// Starts `path` in a child: new session, signals unblocked and defaulted, `stdin_fd`,
/// `stdout_fd`, `stderr_fd` on 0/1/2 (-1: leave inherited), every other descriptor closed,
/// `directory` (may be NULL), supplementary groups, gid and uid (when `set_ids`), then
/// execve. Returns -1 with `*exec_errno` set if the fork failed; otherwise the child's pid,
/// with `*exec_errno` set (non-zero) if the program could not be executed: that child has
/// exited with status 127 and the caller must still reap it. With `controlling_tty`, the
/// new stdin (a terminal) becomes the session's controlling terminal (TIOCSCTTY).
pid_t tarmac_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                   int stdin_fd, int stdout_fd, int stderr_fd, int controlling_tty,
                   int set_ids, uid_t uid, gid_t gid, int group_count, const gid_t *groups,
                   int *exec_errno);


#endif
