#include "CTarmacLinux.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int tarmac_open_pty(unsigned short rows, unsigned short columns, int *slave) {
    int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (master < 0) master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (master < 0) return -1;
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) != 0) goto fail;
    // The slave by descriptor (TIOCGPTPEER): no path lookup, right devpts instance.
    int peer = -1;
#ifdef TIOCGPTPEER
    peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
#endif
    if (peer < 0) {
        unsigned int number = 0;
        char path[64];
        if (ioctl(master, TIOCGPTN, &number) != 0) goto fail;
        snprintf(path, sizeof path, "/dev/pts/%u", number);
        peer = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (peer < 0) goto fail;
    }
    struct winsize size = { .ws_row = rows ? rows : 24, .ws_col = columns ? columns : 80 };
    (void)ioctl(master, TIOCSWINSZ, &size);
    *slave = peer;
    return master;
fail:;
    int saved = errno;
    close(master);
    errno = saved;
    return -1;
}

int tarmac_set_window_size(int fd, unsigned short rows, unsigned short columns) {
    struct winsize size = { .ws_row = rows, .ws_col = columns };
    return ioctl(fd, TIOCSWINSZ, &size);
}

int tarmac_get_window_size(int fd, unsigned short *rows, unsigned short *columns) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return -1;
    *rows = size.ws_row;
    *columns = size.ws_col;
    return 0;
}
