/* qcow2 compressed clusters with zstd (compression type 1): each one is a
 * single zstd frame; what follows the frame up to the end of the stored
 * sectors is ignored.  Without libzstd such images cannot be read. */
#include "config.h"
#include "hw/block/qcow2.h"

#include <errno.h>

#ifdef CONFIG_ZSTD
#include <zstd.h>

bool qcow2_zstd_available(void)
{
    return true;
}

int qcow2_zstd_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len)
{
    size_t frame = ZSTD_findFrameCompressedSize(in, in_len);
    if (ZSTD_isError(frame)) {
        return -EIO;
    }
    size_t n = ZSTD_decompress(out, out_len, in, frame);
    return ZSTD_isError(n) || n != out_len ? -EIO : 0;
}

size_t qcow2_zstd_compress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap)
{
    size_t n = ZSTD_compress(out, out_cap, in, in_len, ZSTD_CLEVEL_DEFAULT);
    return ZSTD_isError(n) || n >= in_len ? 0 : n;
}

#else

bool qcow2_zstd_available(void)
{
    return false;
}

int qcow2_zstd_decompress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_len)
{
    return -ENOTSUP;
}

size_t qcow2_zstd_compress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap)
{
    return 0;
}

#endif
