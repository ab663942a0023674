// C libraries used in-process by TarmacImage (installed by scripts/install-deps.sh):
// gzip through ISA-L's igzip (Debian libisal-dev; about twice as fast as zlib) and zstd
// through libzstd (libzstd-dev) to decompress layers as they stream.
#include <isa-l/igzip_lib.h>
#include <zstd.h>
#include <sys/syscall.h>
#include <unistd.h>

// Starts writeback of a file range without waiting for it: sync_file_range(2) with
// SYNC_FILE_RANGE_WRITE (2), which Glibc declares only under _GNU_SOURCE.
static inline int tarmac_start_writeback(int fd, long long offset, long long length) {
    return (int)syscall(SYS_sync_file_range, fd, offset, length, 2);
}
