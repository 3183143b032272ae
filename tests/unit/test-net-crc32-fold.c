/* The Ethernet CRC's carry-less fold (net-crc32-fold.c): at every length
 * around its 16-byte steps and every alignment, and in parts, the FCS
 * agrees with the polynomial taken a bit at a time; the fold consumes a
 * multiple of 16 bytes, never more than it was given, and nothing below
 * its minimum. */
#include "nic-harness.h"
#include "unit.h"
#include "hw/core/net-checksum.h"

#include <string.h>

static void fill(uint8_t *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
}

TEST(net_crc32_fold, every_length_and_alignment)
{
    static uint8_t buf[9000 + 16];
    fill(buf, sizeof(buf), 777);
    for (size_t off = 0; off < 16; off++)
        for (size_t len = 0; len <= 300; len++)
            CHECK_EQ(net_crc32(buf + off, len), crc32_bitwise(buf + off, len));
    static const size_t big[] = { 1514, 1518, 4096, 9000 };
    for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
        CHECK_EQ(net_crc32(buf + i, big[i]), crc32_bitwise(buf + i, big[i]));
}

TEST(net_crc32_fold, in_parts)
{
    static uint8_t buf[1514];
    fill(buf, sizeof(buf), 4242);
    uint32_t want = crc32_bitwise(buf, sizeof(buf));
    for (size_t cut = 0; cut <= sizeof(buf); cut += 61)
        CHECK_EQ(net_crc32_more(net_crc32(buf, cut), buf + cut, sizeof(buf) - cut), want);
}

TEST(net_crc32_fold, consumes_whole_steps_only)
{
    static uint8_t buf[300];
    uint8_t state[16];
    fill(buf, sizeof(buf), 99);
    for (size_t len = 0; len <= sizeof(buf); len++) {
        size_t done = net_crc32_fold(0xffffffffu, buf, len, state);
        CHECK(done % 16 == 0 && done <= len);
        if (len < NET_CRC32_FOLD_MIN)
            CHECK_EQ(done, 0);
    }
}
