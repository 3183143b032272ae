/* Unit tests of convert -c's check for clusters deflate cannot shrink: only
 * bytes that look random and have no repeats are stored without deflating;
 * a run of zeros between the sampled pieces, text, or repeats within the
 * window still go through deflate and decompress to the same bytes. */
#include "tests/unit/unit.h"
#include "hw/block/qcow2.h"

#include <string.h>

#define CL 65536

static uint64_t seed = 0x2545f4914f6cdd1dULL;
static void fill_random(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        b[i] = (uint8_t)(seed >> 24);
    }
}

/* Deflated as convert -c does (into one byte less than a cluster): 0 when
 * stored as it is, else the length, checked to decompress to in. */
static size_t compressed_len(const uint8_t *in, size_t n)
{
    static uint8_t out[CL], back[CL];
    size_t len = qcow2_compress(in, n, out, n - 1);
    if (len) {
        CHECK_EQ(qcow2_decompress(out, len, back, n), 0);
        CHECK(memcmp(back, in, n) == 0);
    }
    return len;
}

TEST(qcow2_probe, random_cluster_stored_as_is)
{
    static uint8_t b[CL], scratch[CL];
    fill_random(b, CL);
    CHECK(qcow2_deflate_pointless(b, CL, scratch, CL - 1));
    CHECK_EQ(compressed_len(b, CL), 0);
}

TEST(qcow2_probe, zero_run_between_pieces_deflated)
{
    static uint8_t b[CL], scratch[CL];
    fill_random(b, CL);
    memset(b + 10 * 1024, 0, 1024); /* the pieces start at 0, 20, 40 and 60 KiB */
    CHECK(!qcow2_deflate_pointless(b, CL, scratch, CL - 1));
    size_t len = compressed_len(b, CL);
    CHECK(len > 0 && len < CL - 512);
}

TEST(qcow2_probe, repeats_within_window_deflated)
{
    static uint8_t b[CL], scratch[CL];
    fill_random(b, 2048);
    for (size_t k = 2048; k < CL; k += 2048) {
        memcpy(b + k, b, 2048);
    }
    CHECK(!qcow2_deflate_pointless(b, CL, scratch, CL - 1));
    CHECK(compressed_len(b, CL) < CL / 4);
}

TEST(qcow2_probe, text_deflated)
{
    static uint8_t b[CL], scratch[CL];
    fill_random(b, CL);
    for (size_t i = 0; i < CL; i++) {
        b[i] = (uint8_t)('a' + b[i] % 26);
    }
    CHECK(!qcow2_deflate_pointless(b, CL, scratch, CL - 1));
    CHECK(compressed_len(b, CL) > 0);
}

TEST(qcow2_probe, small_clusters_always_deflated)
{
    static uint8_t b[4096], scratch[4096];
    fill_random(b, sizeof(b));
    CHECK(!qcow2_deflate_pointless(b, sizeof(b), scratch, sizeof(b) - 1));
}
