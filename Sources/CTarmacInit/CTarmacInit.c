#define _GNU_SOURCE
#include "CTarmacInit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <grp.h>
#include <linux/reboot.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

// Runs before the Swift runtime's static initializers (priority 101 sorts ahead of the
// default). The runtime looks up its own path at start-up, and in a static executable
// dladdr() cannot tell, so it reads /proc/self/exe and aborts ("Unable to obtain Swift
// runtime path") when that fails, as it does for PID 1 before anything is mounted. So
// /proc is mounted here, first thing. The backtracer is switched off too: the guest has no
// swift-backtrace to run. And hashing is made deterministic: the runtime seeds its hasher
// from getrandom() in a static initializer, which blocks until the kernel's CRNG is ready,
// about a second into an early TCG boot unless the CPU offers RDRAND (QEMU `-cpu
// qemu64,+rdrand`). Init hashes only what the host sends it, so a fixed seed is fine; the
// programs it starts get their own environment and are unaffected.
__attribute__((constructor(101))) static void tarmac_prepare_runtime(void) {
    setenv("SWIFT_BACKTRACE", "enable=no", 1);
    setenv("SWIFT_DETERMINISTIC_HASHING", "1", 1);
    if (access("/proc/self/exe", F_OK) != 0) {
        (void)mkdir("/proc", 0555);
        (void)mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    }
}

int tarmac_finit_module(int fd) {
    return (int)syscall(SYS_finit_module, fd, "", 0);
}

int tarmac_power_off(void) {
    return reboot(LINUX_REBOOT_CMD_POWER_OFF);
}

int tarmac_disable_cad(void) {
    return reboot(LINUX_REBOOT_CMD_CAD_OFF);
}

int tarmac_signalfd(const sigset_t *mask) {
    return signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

int tarmac_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    for (;;) {
        ssize_t count = read(fd, &info, sizeof info);
        if (count == (ssize_t)sizeof info) return (int)info.ssi_signo;
        if (count < 0 && errno == EINTR) continue;
        if (count < 0 && errno == EAGAIN) return 0;
        return -1;
    }
}

uint64_t tarmac_makedev(unsigned int major, unsigned int minor) {
    return makedev(major, minor);
}

static void child_fail(int report, int code) {
    ssize_t ignored = write(report, &code, sizeof code);
    (void)ignored;
    _exit(127);
}

pid_t tarmac_spawn(const char *path, char *const argv[], char *const envp[], const char *directory,
                   int stdin_fd, int stdout_fd, int stderr_fd, int controlling_tty,
                   int set_ids, uid_t uid, gid_t gid, int group_count, const gid_t *groups,
                   int *exec_errno) {
    int report[2];
    *exec_errno = 0;
    if (pipe2(report, O_CLOEXEC) != 0) {
        *exec_errno = errno;
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        *exec_errno = errno;
        close(report[0]);
        close(report[1]);
        return -1;
    }
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        for (int signal = 1; signal < NSIG; signal++) {
            if (signal != SIGKILL && signal != SIGSTOP) (void)sigaction(signal, &(struct sigaction){ .sa_handler = SIG_DFL }, NULL);
        }
        sigprocmask(SIG_SETMASK, &none, NULL);
        setsid();
        // Move the wanted descriptors above the standard ones before placing them, so a
        // source that is itself 0, 1 or 2 is not clobbered by an earlier dup2.
        int wanted[3] = { stdin_fd, stdout_fd, stderr_fd };
        for (int i = 0; i < 3; i++) {
            if (wanted[i] >= 0 && wanted[i] <= 2) {
                int moved = fcntl(wanted[i], F_DUPFD_CLOEXEC, 3);
                if (moved < 0) child_fail(report[1], errno);
                wanted[i] = moved;
            }
        }
        for (int i = 0; i < 3; i++) {
            if (wanted[i] >= 0 && dup2(wanted[i], i) < 0) child_fail(report[1], errno);
        }
        if (controlling_tty && ioctl(0, TIOCSCTTY, 0) != 0) child_fail(report[1], errno);
        // Close everything else except the report pipe (close-on-exec, so exec closes it).
        if (report[1] > 3) (void)syscall(SYS_close_range, 3, report[1] - 1, 0);
        (void)syscall(SYS_close_range, report[1] + 1, ~0U, 0);
        if (set_ids) {
            if (setgroups((size_t)group_count, groups) != 0) child_fail(report[1], errno);
            if (setgid(gid) != 0) child_fail(report[1], errno);
            if (setuid(uid) != 0) child_fail(report[1], errno);
        }
        if (directory != NULL && chdir(directory) != 0) child_fail(report[1], errno);
        execve(path, argv, envp);
        child_fail(report[1], errno);
    }
    close(report[1]);
    int code = 0;
    ssize_t count;
    do {
        count = read(report[0], &code, sizeof code);
    } while (count < 0 && errno == EINTR);
    close(report[0]);
    if (count == (ssize_t)sizeof code) *exec_errno = code;
    return pid;
}
