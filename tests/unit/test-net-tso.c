/* TCP/IPv4 segmentation (net-tso.c): a large send is cut into MSS-sized
 * segments whose IP length, ID, sequence numbers, flags and checksums are
 * right and whose payloads put back together are the original; a bare
 * header goes out once; frames that are not sane TCP/IPv4, or have no
 * MSS, are dropped whole; every header length comes from the frame and is
 * bounded by it. */
#include "nic-harness.h"
#include "unit.h"
#include "hw/core/net-checksum.h"
#include "hw/core/net-tso.h"
#include "hw/core/net.h"

#include <string.h>

#define PAY_MAX 60000

static void collect(void *opaque, const uint8_t *f, size_t len)
{
    (void)opaque;
    wire_record(f, len);
}

/* Ethernet + IPv4 (ID 0x1234) + TCP (seq 1000, flags as given) + n bytes. */
static size_t large_send(uint8_t *f, size_t n, uint8_t flags)
{
    eth_ipv4(f, "\x52\x54\x00\x12\x34\x56\x52\x54\x00\x00\x00\x02",
             "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 6, 0x1234, 20 + n);
    tcp_header(f, 4000, 80, 1000, flags, 8192);
    for (size_t i = 0; i < n; i++)
        f[54 + i] = (uint8_t)(i * 7);
    return 54 + n;
}

static int segment(const uint8_t *f, size_t len, unsigned mss)
{
    wire_forget();
    return net_tso4_segment(f, len, mss, collect, NULL);
}

TEST(net_tso, segments_fixed_up)
{
    static uint8_t f[54 + 3000];
    size_t len = large_send(f, 2500, 0x80 | 0x18 | 0x01);  /* CWR, PSH ACK, FIN */
    CHECK_EQ(segment(f, len, 1000), 3);
    REQUIRE(wire.n == 3, "three segments");
    size_t pay = 0;
    for (int i = 0; i < 3; i++) {
        const uint8_t *s = wire.frame[i];
        size_t n = i < 2 ? 1000 : 500;
        CHECK_EQ(wire.len[i], 54 + n);
        CHECK_EQ(net_get16(s + 16), 40 + n);                    /* IP total length */
        CHECK_EQ(net_get16(s + 18), 0x1234 + i);                /* IP ID */
        CHECK_EQ(net_get32(s + 38), 1000 + pay);                /* sequence */
        CHECK_EQ(s[47], i == 0 ? 0x90 : i == 1 ? 0x10 : 0x19);  /* CWR first, PSH FIN last */
        CHECK(net_frame_csum_ok(s, wire.len[i]));               /* IP and TCP checksums */
        CHECK(!memcmp(s + 54, f + 54 + pay, n));
        pay += n;
    }
    CHECK_EQ(pay, 2500);
}

TEST(net_tso, edges)
{
    static uint8_t f[54 + PAY_MAX];
    size_t len = large_send(f, 0, 0x10);
    CHECK_EQ(segment(f, len, 1460), 1);                 /* a bare header: once */
    CHECK_EQ(wire.len[0], 54);
    CHECK(net_frame_csum_ok(wire.frame[0], 54));
    len = large_send(f, 1400, 0x10);
    CHECK_EQ(segment(f, len, 65535), 1);                /* an MSS larger than the send */
    CHECK_EQ(wire.len[0], len);
    len = large_send(f, PAY_MAX, 0x10);
    CHECK_EQ(segment(f, len, 1), PAY_MAX);              /* a tiny MSS: many, all bounded */
    CHECK_EQ(segment(f, NET_MAX_FRAME + 1, 1460), -1);  /* longer than any frame */
}

TEST(net_tso, bogus_dropped)
{
    static uint8_t f[54 + 2000];
    size_t len = large_send(f, 2000, 0x10);
    CHECK_EQ(segment(f, len, 0), -1);                   /* no MSS */
    CHECK_EQ(wire.n, 0);
    f[47 - 1] = 15 << 4;                                /* TCP header of 60 bytes */
    CHECK_EQ(segment(f, 60, 1000), -1);                 /* longer than the frame */
    f[46] = 4 << 4;                                     /* shorter than 20 */
    CHECK_EQ(segment(f, len, 1000), -1);
    f[46] = 5 << 4;
    f[14] = 0x44;                                       /* IHL 16 */
    CHECK_EQ(segment(f, len, 1000), -1);
    f[14] = 0x4f;                                       /* IHL 60: TCP past a short frame */
    CHECK_EQ(segment(f, 80, 1000), -1);
    f[14] = 0x45;
    f[23] = 17;                                         /* UDP */
    CHECK_EQ(segment(f, len, 1000), -1);
    f[23] = 6;
    net_put16(f + 20, 0x2000);                          /* a fragment */
    CHECK_EQ(segment(f, len, 1000), -1);
    net_put16(f + 20, 0);
    net_put16(f + 12, 0x86dd);                          /* IPv6 */
    CHECK_EQ(segment(f, len, 1000), -1);
    CHECK_EQ(segment(f, 10, 1000), -1);                 /* shorter than Ethernet */
    CHECK_EQ(wire.n, 0);
}
