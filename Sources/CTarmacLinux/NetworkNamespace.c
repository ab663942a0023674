#define _GNU_SOURCE
#include "CTarmacLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

// A network namespace belongs to a thread, so a new one is made on a short-lived thread of
// its own: it unshares, pins the namespace with a bind mount at `path` (as `ip netns add`
// does) and opens a netlink socket in it, which stays in that namespace after the thread
// ends. The calling thread's namespace never changes.

struct netns_job {
    const char *path;
    int netlink_fd;
    int error;
};

static void *netns_thread(void *argument) {
    struct netns_job *job = argument;
    if (unshare(CLONE_NEWNET) != 0) {
        job->error = errno;
        return NULL;
    }
    char self[64];
    snprintf(self, sizeof self, "/proc/self/task/%ld/ns/net", (long)syscall(SYS_gettid));
    if (mount(self, job->path, "none", MS_BIND, NULL) != 0) {
        job->error = errno;
        return NULL;
    }
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) {
        job->error = errno;
        umount2(job->path, MNT_DETACH);
        return NULL;
    }
    job->netlink_fd = fd;
    return NULL;
}

int tarmac_netns_create(const char *run_dir, const char *path, int *netlink_fd) {
    if (mkdir(run_dir, 0755) != 0 && errno != EEXIST) return -errno;
    // Like iproute2: make the directory a shared mount so namespace mounts propagate to
    // other mount namespaces (bind-mounting it onto itself the first time).
    if (mount("", run_dir, "none", MS_SHARED | MS_REC, NULL) != 0) {
        if (errno != EINVAL) return -errno;
        if (mount(run_dir, run_dir, "none", MS_BIND | MS_REC, NULL) != 0) return -errno;
        if (mount("", run_dir, "none", MS_SHARED | MS_REC, NULL) != 0) return -errno;
    }
    int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0) return -errno;
    close(fd);
    struct netns_job job = {path, -1, 0};
    pthread_t thread;
    int started = pthread_create(&thread, NULL, netns_thread, &job);
    if (started != 0) {
        unlink(path);
        return -started;
    }
    pthread_join(thread, NULL);
    if (job.error != 0) {
        unlink(path);
        return -job.error;
    }
    *netlink_fd = job.netlink_fd;
    return 0;
}
