/* The Ethernet CRC (reflected 0x04C11DB7) folded 16 bytes per step with
 * carry-less multiplication, where the host CPU has it (PCLMULQDQ).  The
 * FCS of every received frame is computed for the NICs that deliver it;
 * slicing by eight still took about 4% of kemu's CPU in an e1000
 * download.  Folding keeps the running remainder as 128 bits congruent,
 * modulo the polynomial, to everything consumed so far; the caller
 * finishes by running those 16 bytes through its byte-wise CRC from a
 * zero register, so no reduction step is needed here.
 *
 * The fold constants are x^(128+32) and x^(128-32) modulo P, bit-reflected
 * and shifted left by one as the reflected domain requires (Intel, "Fast
 * CRC Computation for Generic Polynomials Using PCLMULQDQ"). */
#include "hw/core/net-checksum.h"

#include <string.h>

#if defined(__x86_64__)
#include <wmmintrin.h>

#define K_LO 0x1751997d0ull     /* multiplies the earlier 8 bytes */
#define K_HI 0x0ccaa009eull     /* the later 8 */

__attribute__((target("pclmul,sse2")))
static size_t fold(uint32_t reg, const uint8_t *buf, size_t len, uint8_t state[16])
{
    const __m128i k = _mm_set_epi64x((long long)K_HI, (long long)K_LO);
    __m128i x = _mm_loadu_si128((const __m128i *)buf);
    x = _mm_xor_si128(x, _mm_cvtsi32_si128((int)reg));
    size_t i = 16;
    for (; i + 16 <= len; i += 16) {
        __m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
        __m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
        x = _mm_xor_si128(_mm_xor_si128(lo, hi), _mm_loadu_si128((const __m128i *)(buf + i)));
    }
    _mm_storeu_si128((__m128i *)state, x);
    return i;
}

static bool have_clmul(void)
{
    static int known = -1;
    if (known < 0)
        known = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
    return known;
}

size_t net_crc32_fold(uint32_t reg, const uint8_t *buf, size_t len, uint8_t state[16])
{
    if (len < NET_CRC32_FOLD_MIN || !have_clmul())
        return 0;
    return fold(reg, buf, len, state);
}
#else
size_t net_crc32_fold(uint32_t reg, const uint8_t *buf, size_t len, uint8_t state[16])
{
    (void)reg; (void)buf; (void)len; (void)state;
    return 0;
}
#endif
