/* AES-NI (AESENC/AESENCLAST/AESDEC/AESDECLAST/AESIMC/AESKEYGENASSIST) and
 * PCLMULQDQ, from FIPS-197 and the SDM's pseudocode.  The state is the XMM
 * register's 16 bytes in column order (byte 4*c + r is row r, column c). */
#include "cpu/sse.h"

#include <string.h>

static uint8_t sbox[256], inv_sbox[256];

static uint8_t xtime(uint8_t x)
{
    return (uint8_t)((x << 1) ^ ((x & 0x80) ? 0x1b : 0));
}

static uint8_t gmul(uint8_t a, uint8_t b)
{
    uint8_t p = 0;
    while (b) {
        if (b & 1)
            p ^= a;
        a = xtime(a);
        b >>= 1;
    }
    return p;
}

/* The S-box: multiplicative inverse in GF(2^8), then the affine map. */
static void __attribute__((constructor)) build_sbox(void)
{
    for (int x = 0; x < 256; x++) {
        uint8_t inv = 0;
        for (int y = 1; y < 256 && x; y++)
            if (gmul((uint8_t)x, (uint8_t)y) == 1) {
                inv = (uint8_t)y;
                break;
            }
        uint8_t s = inv;
        for (int i = 1; i < 5; i++)
            s ^= (uint8_t)((inv << i) | (inv >> (8 - i)));
        s ^= 0x63;
        sbox[x] = s;
        inv_sbox[s] = (uint8_t)x;
    }
}

static void sub_bytes(uint8_t *s, const uint8_t *box)
{
    for (int i = 0; i < 16; i++)
        s[i] = box[s[i]];
}

static void shift_rows(uint8_t *s, bool inverse)
{
    uint8_t t[16];
    for (int c = 0; c < 4; c++)
        for (int r = 0; r < 4; r++) {
            int from = 4 * ((c + r) % 4) + r;
            if (inverse)
                t[from] = s[4 * c + r];
            else
                t[4 * c + r] = s[from];
        }
    memcpy(s, t, 16);
}

static void mix_columns(uint8_t *s, bool inverse)
{
    static const uint8_t fwd[4] = { 2, 3, 1, 1 }, inv[4] = { 14, 11, 13, 9 };
    const uint8_t *m = inverse ? inv : fwd;
    for (int c = 0; c < 4; c++) {
        uint8_t a[4], *col = s + 4 * c;
        memcpy(a, col, 4);
        for (int r = 0; r < 4; r++)
            col[r] = (uint8_t)(gmul(a[0], m[(4 - r) % 4]) ^ gmul(a[1], m[(5 - r) % 4]) ^
                               gmul(a[2], m[(6 - r) % 4]) ^ gmul(a[3], m[(7 - r) % 4]));
    }
}

static void add_key(SseArgs *a)
{
    a->d.q[0] ^= a->s.q[0];
    a->d.q[1] ^= a->s.q[1];
}

static void aesenc(SseArgs *a)
{
    shift_rows(a->d.b, false);
    sub_bytes(a->d.b, sbox);
    mix_columns(a->d.b, false);
    add_key(a);
}

static void aesenclast(SseArgs *a)
{
    shift_rows(a->d.b, false);
    sub_bytes(a->d.b, sbox);
    add_key(a);
}

static void aesdec(SseArgs *a)
{
    shift_rows(a->d.b, true);
    sub_bytes(a->d.b, inv_sbox);
    mix_columns(a->d.b, true);
    add_key(a);
}

static void aesdeclast(SseArgs *a)
{
    shift_rows(a->d.b, true);
    sub_bytes(a->d.b, inv_sbox);
    add_key(a);
}

static void aesimc(SseArgs *a)
{
    a->d = a->s;
    mix_columns(a->d.b, true);
}

static uint32_t sub_word(uint32_t w)
{
    return (uint32_t)sbox[w & 0xff] | (uint32_t)sbox[(w >> 8) & 0xff] << 8 |
           (uint32_t)sbox[(w >> 16) & 0xff] << 16 | (uint32_t)sbox[w >> 24] << 24;
}

static void aeskeygenassist(SseArgs *a)
{
    uint32_t x1 = sub_word(a->s.d[1]), x3 = sub_word(a->s.d[3]);
    a->d.d[0] = x1;
    a->d.d[1] = ((x1 >> 8) | (x1 << 24)) ^ a->imm;
    a->d.d[2] = x3;
    a->d.d[3] = ((x3 >> 8) | (x3 << 24)) ^ a->imm;
}

static void pclmulqdq(SseArgs *a)
{
    uint64_t x = a->d.q[a->imm & 1], y = a->s.q[(a->imm >> 4) & 1], lo = 0, hi = 0;
    for (int i = 0; i < 64; i++)
        if ((y >> i) & 1) {
            lo ^= x << i;
            hi ^= i ? x >> (64 - i) : 0;
        }
    a->d.q[0] = lo;
    a->d.q[1] = hi;
}

static const SseOp ops[] = {
    { 2, 0xdb, 0x66, K_XX, 0, 16, aesimc },
    { 2, 0xdc, 0x66, K_XX, 0, 16, aesenc },
    { 2, 0xdd, 0x66, K_XX, 0, 16, aesenclast },
    { 2, 0xde, 0x66, K_XX, 0, 16, aesdec },
    { 2, 0xdf, 0x66, K_XX, 0, 16, aesdeclast },
    { 3, 0xdf, 0x66, K_XX, OPF_IMM8, 16, aeskeygenassist },
    { 3, 0x44, 0x66, K_XX, OPF_IMM8, 16, pclmulqdq },
};

const SseTable sse_aes_table = { ops, sizeof(ops) / sizeof(ops[0]) };
