// Streaming decompressors for image layers, used in-process by TarmacImage:
// gzip through ISA-L's igzip (Debian libisal-dev; about twice as fast as zlib),
// zstd through libzstd (libzstd-dev). Installed by scripts/install-deps.sh.
#include <isa-l/igzip_lib.h>
#include <zstd.h>
