/* convert -c: telling a qcow2 cluster that deflate cannot shrink before
 * deflating it. */
#include "hw/block/qcow2.h"
#include "hw/core/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <zlib.h>

/* Random or already-compressed data is most of what convert -c of such data
 * spends its time on: deflate works as hard on a cluster that does not
 * shrink as on text, only for the cluster to be stored uncompressed.  So a
 * large cluster is checked first, in two steps that both err towards
 * deflating it:
 * - how evenly its byte values occur: text, code, tables and any run of
 *   zeros of 1 KiB or more make them uneven beyond UNEVEN_MAX (a byte
 *   entropy under 7.99 bits in a 64 KiB cluster), and the cluster goes
 *   through deflate at once (the count costs about 1% of deflating text);
 * - bytes as even as random data's can still shrink by repeats within
 *   deflate's window: SAMPLES pieces of one window each, spread from the
 *   cluster's start to its end, are deflated at the fastest level, and only
 *   when they do not shrink at all is the cluster stored as it is.
 * What can be missed is a compressible run too short to make the bytes
 * uneven and outside the pieces: under 1 KiB of a 64 KiB cluster. */
#define UNEVEN_MAX 1024
#define SAMPLES 4
#define SAMPLE 4096

static void count_bytes(uint32_t c[4][256], const uint8_t *in, size_t len)
{
    size_t i = 0;
    for (; i + 4 <= len; i += 4) { /* four tables: no store-to-load stall on runs */
        c[0][in[i]]++;
        c[1][in[i + 1]]++;
        c[2][in[i + 2]]++;
        c[3][in[i + 3]]++;
    }
    for (; i < len; i++) {
        c[0][in[i]]++;
    }
}

/* How far the byte counts are from even: Pearson's chi-square against 256
 * equally likely values, sum (c - n/256)^2 / (n/256).  Random bytes give
 * about 255 (standard deviation 23); a byte entropy of 8 - d bits gives
 * about 2 n d ln 2. */
static uint64_t unevenness(uint32_t c[4][256], size_t len)
{
    uint64_t sq = 0;
    for (int b = 0; b < 256; b++) {
        uint64_t k = (uint64_t)c[0][b] + c[1][b] + c[2][b] + c[3][b];
        sq += k * k;
    }
    return sq * 256 / len - len;
}

/* The first quarter is counted on its own: text and code are told from it
 * (over EARLY_MAX, where a quarter cluster of random data measures about
 * 255) for a quarter of the count. */
#define EARLY_MAX 4096

static bool bytes_look_random(const uint8_t *in, size_t len)
{
    uint32_t c[4][256] = { { 0 } };
    size_t q = len / 4;
    count_bytes(c, in, q);
    if (unevenness(c, q) > EARLY_MAX) {
        return false;
    }
    count_bytes(c, in + q, len - q);
    return unevenness(c, len) <= UNEVEN_MAX;
}

/* The pieces' stream, one per thread and reset per cluster (setting one up
 * allocates and clears about 270 KiB); the fastest level: it only has to
 * tell whether they shrink. */
static pthread_key_t sample_key;
static pthread_once_t sample_once = PTHREAD_ONCE_INIT;

static void sample_free(void *z)
{
    deflateEnd(z);
    free(z);
}

static void sample_key_init(void)
{
    pthread_key_create(&sample_key, sample_free);
}

static z_stream *sample_stream(void)
{
    pthread_once(&sample_once, sample_key_init);
    z_stream *z = pthread_getspecific(sample_key);
    if (z) {
        return deflateReset(z) == Z_OK ? z : NULL;
    }
    z = xzalloc(sizeof(*z));
    if (deflateInit2(z, 1, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(z);
        return NULL;
    }
    if (pthread_setspecific(sample_key, z)) {
        sample_free(z);
        return NULL;
    }
    return z;
}

static bool samples_shrink(const uint8_t *in, size_t in_len, uint8_t *out)
{
    z_stream *z = sample_stream();
    if (!z) {
        return true;
    }
    size_t gap = (in_len - SAMPLE) / (SAMPLES - 1);
    z->next_out = out;
    z->avail_out = SAMPLES * SAMPLE;
    int r = Z_OK;
    for (int i = 0; i < SAMPLES && r == Z_OK; i++) {
        z->next_in = (Bytef *)(uintptr_t)(in + i * gap);
        z->avail_in = SAMPLE;
        r = deflate(z, i == SAMPLES - 1 ? Z_FINISH : Z_NO_FLUSH);
    }
    return r == Z_STREAM_END && z->avail_out > 0;
}

bool qcow2_deflate_pointless(const uint8_t *in, size_t in_len, uint8_t *scratch, size_t cap)
{
    return in_len >= 4 * SAMPLES * SAMPLE && cap >= SAMPLES * SAMPLE &&
           bytes_look_random(in, in_len) && !samples_shrink(in, in_len, scratch);
}

