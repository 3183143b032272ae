/* TCP receive coalescing (hw/core/net-coalesce.c): in-order full-sized
 * segments of one flow join into one with a correct IP header and TCP
 * checksum; a short or PSH segment ends the run; another flow, a gap in
 * the sequence, a different acknowledgment, SYN/FIN, a bad checksum, a
 * truncated or fragmented packet never join; nothing grows past an IPv4
 * packet's 64 KiB. */
#include "unit.h"
#include "hw/core/net-checksum.h"
#include "hw/core/net-coalesce.h"

#include <stdlib.h>
#include <string.h>

/* A data segment from 10.0.2.2:80 to 10.0.2.15:4000 at sequence seq with
 * n payload bytes (byte i of the stream is (seq + i) & 0xff). */
static size_t segment(uint8_t *f, uint32_t seq, size_t n, uint8_t flags)
{
    memset(f, 0, 54);
    memcpy(f, "\x52\x54\x00\x12\x34\x56\x52\x55\x0a\x00\x02\x02\x08\x00", 14);
    uint8_t *ip = f + 14, *tcp = ip + 20;
    ip[0] = 0x45;
    net_put16(ip + 2, (uint16_t)(40 + n));
    ip[6] = 0x40;                                       /* DF: not a fragment */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, "\x0a\x00\x02\x02\x0a\x00\x02\x0f", 8);
    net_put16(tcp, 80);
    net_put16(tcp + 2, 4000);
    net_put32(tcp + 4, seq);
    net_put32(tcp + 8, 12345);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    net_put16(tcp + 14, 8192);
    for (size_t i = 0; i < n; i++)
        f[54 + i] = (uint8_t)(seq + i);
    net_put16(ip + 10, net_csum_finish(net_csum_add(0, ip, 20)));
    net_put16(tcp + 16, net_ipv4_l4_csum(ip, 20, 20 + n));
    return 54 + n;
}

static void check_whole(const NetCoalesce *c, uint32_t seq, size_t n)
{
    CHECK_EQ(c->len, 54 + n);
    CHECK_EQ(net_get16(c->buf + 16), 40 + n);
    CHECK(net_frame_csum_ok(c->buf, c->len));
    bool same = true;
    for (size_t i = 0; i < n; i++)
        same &= c->buf[54 + i] == (uint8_t)(seq + i);
    CHECK(same);
}

TEST(net_coalesce, joins_a_run_and_ends_it)
{
    static NetCoalesce c;
    static uint8_t f[2048];
    memset(&c, 0, sizeof(c));
    REQUIRE(net_coalesce_start(&c, f, segment(f, 1000, 1460, 0x10)), "a data segment starts");
    CHECK(net_coalesce_append(&c, f, segment(f, 2460, 1460, 0x10)));
    CHECK(!net_coalesce_append(&c, f, segment(f, 5000, 1460, 0x10)));     /* a gap */
    CHECK(!net_coalesce_append(&c, f, segment(f, 3920, 1461, 0x10)));     /* above the MSS */
    CHECK(net_coalesce_append(&c, f, segment(f, 3920, 100, 0x18)));       /* short, PSH: last */
    CHECK(!net_coalesce_append(&c, f, segment(f, 4020, 1460, 0x10)));
    net_coalesce_finish(&c);
    CHECK_EQ(c.segs, 3);
    CHECK_EQ(c.mss, 1460);
    CHECK_EQ(c.hdr, 54);
    CHECK(c.buf[34 + 13] & 0x08);                       /* PSH carried */
    check_whole(&c, 1000, 3020);
}

TEST(net_coalesce, refuses_what_may_not_join)
{
    static NetCoalesce c;
    static uint8_t f[2048];
    memset(&c, 0, sizeof(c));
    CHECK(!net_coalesce_start(&c, f, segment(f, 1, 0, 0x10)));            /* a bare ACK */
    CHECK(!net_coalesce_start(&c, f, segment(f, 1, 100, 0x11)));          /* FIN */
    CHECK(!net_coalesce_start(&c, f, segment(f, 1, 100, 0x02)));          /* SYN */
    size_t n = segment(f, 1, 100, 0x10);
    f[60] ^= 1;
    CHECK(!net_coalesce_start(&c, f, n));                                  /* bad checksum */
    CHECK(!net_coalesce_start(&c, f, segment(f, 1, 100, 0x10) - 1));       /* truncated */
    n = segment(f, 1, 100, 0x10);
    f[20] = 0x20;                                                          /* MF */
    CHECK(!net_coalesce_start(&c, f, n));
    CHECK(!net_coalesce_start(&c, f, 20));
    REQUIRE(net_coalesce_start(&c, f, segment(f, 1, 1000, 0x10)), "start");
    n = segment(f, 1001, 1000, 0x10);
    net_put32(f + 42, 999);                                                /* another ack */
    net_put16(f + 50, 0);
    net_put16(f + 50, net_ipv4_l4_csum(f + 14, 20, 1020));
    CHECK(!net_coalesce_append(&c, f, n));
    n = segment(f, 1001, 1000, 0x10);
    net_put16(f + 36, 4001);                                               /* another port */
    net_put16(f + 50, 0);
    net_put16(f + 50, net_ipv4_l4_csum(f + 14, 20, 1020));
    CHECK(!net_coalesce_append(&c, f, n));
    CHECK_EQ(c.segs, 1);
}

TEST(net_coalesce, stops_at_64k)
{
    static NetCoalesce c;
    static uint8_t f[2048];
    memset(&c, 0, sizeof(c));
    uint32_t seq = 7;
    REQUIRE(net_coalesce_start(&c, f, segment(f, seq, 1460, 0x10)), "start");
    seq += 1460;
    unsigned joined = 1;
    while (joined < 100 && net_coalesce_append(&c, f, segment(f, seq, 1460, 0x10))) {
        seq += 1460;
        joined++;
    }
    CHECK_EQ(joined, (65535 - 40) / 1460);
    net_coalesce_finish(&c);
    CHECK(c.len - 14 <= 65535);
    check_whole(&c, 7, (size_t)joined * 1460);
}
