/* GDB remote protocol framing (GDB manual, "Remote Protocol" / "Overview"):
 * a packet is '$', the payload, '#' and two hex digits of the payload's
 * modulo-256 sum.  Binary data escapes '#', '$', '}' and '*' as '}' then
 * the byte XOR 0x20. */
#include "ui/gdbstub-int.h"

#include <string.h>

enum { ST_IDLE, ST_PAYLOAD, ST_CSUM1, ST_CSUM2 };

void gdb_rx_init(GdbRx *rx)
{
    memset(rx, 0, sizeof(*rx));
    rx->state = ST_IDLE;
}

int gdb_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static GdbRxEvent rx_idle(GdbRx *rx, uint8_t c)
{
    switch (c) {
    case '$':
        rx->state = ST_PAYLOAD;
        rx->len = 0;
        rx->sum = 0;
        rx->escape = false;
        rx->overflow = false;
        return GDB_RX_NONE;
    case 0x03:
        return GDB_RX_INTERRUPT;
    case '+':
        return GDB_RX_ACK;
    case '-':
        return GDB_RX_NACK;
    default:
        return GDB_RX_NONE;     /* noise between packets */
    }
}

static void rx_payload(GdbRx *rx, uint8_t c)
{
    if (c == '#') {
        rx->state = ST_CSUM1;
        return;
    }
    rx->sum = (uint8_t)(rx->sum + c);
    if (!rx->escape && c == '}') {
        rx->escape = true;
        return;
    }
    if (rx->escape) {
        c ^= 0x20;
        rx->escape = false;
    }
    if (rx->len >= GDB_PACKET_MAX) {
        rx->overflow = true;
        return;
    }
    rx->buf[rx->len++] = (char)c;
}

GdbRxEvent gdb_rx_byte(GdbRx *rx, uint8_t c)
{
    switch (rx->state) {
    case ST_IDLE:
        return rx_idle(rx, c);
    case ST_PAYLOAD:
        rx_payload(rx, c);
        return GDB_RX_NONE;
    case ST_CSUM1:
        rx->csum_hi = c;
        rx->state = ST_CSUM2;
        return GDB_RX_NONE;
    default: {
        rx->state = ST_IDLE;
        rx->buf[rx->len] = '\0';
        int hi = gdb_hexval(rx->csum_hi), lo = gdb_hexval(c);
        if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != rx->sum || rx->overflow)
            return GDB_RX_BAD_CHECKSUM;
        return GDB_RX_PACKET;
    }
    }
}

static bool needs_escape(uint8_t c)
{
    return c == '$' || c == '#' || c == '}' || c == '*';
}

size_t gdb_frame(const void *payload, size_t len, char *out, size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = payload;
    size_t o = 0;
    uint8_t sum = 0;
    if (out_size < 4)
        return 0;
    out[o++] = '$';
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (o + 2 + 3 > out_size)
            return 0;
        if (needs_escape(c)) {
            out[o++] = '}';
            sum = (uint8_t)(sum + '}');
            c ^= 0x20;
        }
        out[o++] = (char)c;
        sum = (uint8_t)(sum + c);
    }
    out[o++] = '#';
    out[o++] = hex[sum >> 4];
    out[o++] = hex[sum & 15];
    return o;
}

void gdb_tohex(char *out, const uint8_t *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[buf[i] >> 4];
        out[2 * i + 1] = hex[buf[i] & 15];
    }
    out[2 * len] = '\0';
}

bool gdb_fromhex(uint8_t *buf, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = gdb_hexval((unsigned char)s[2 * i]);
        int lo = hi < 0 ? -1 : gdb_hexval((unsigned char)s[2 * i + 1]);
        if (lo < 0)
            return false;
        buf[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool gdb_parse_hex(const char **s, uint64_t *v)
{
    const char *p = *s;
    uint64_t x = 0;
    int d, n = 0;
    while ((d = gdb_hexval((unsigned char)*p)) >= 0 && n < 16) {
        x = x << 4 | (uint64_t)d;
        p++;
        n++;
    }
    if (!n || gdb_hexval((unsigned char)*p) >= 0)
        return false;
    *s = p;
    *v = x;
    return true;
}
