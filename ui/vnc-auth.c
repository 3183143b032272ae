/* VNC authentication (RFC 6143 7.2.2): the client encrypts the 16-byte
 * challenge with DES in ECB mode, keyed by the password (8 bytes, zero
 * padded, each byte's bits reversed as VNC has always done).  DES is
 * nettle's. */
#include "ui/vnc-int.h"

#include <nettle/des.h>
#include <string.h>

bool vnc_auth_available(void)
{
    return true;
}

static uint8_t reverse_bits(uint8_t b)
{
    uint8_t r = 0;
    for (int i = 0; i < 8; i++)
        r = (uint8_t)(r | ((b >> i) & 1) << (7 - i));
    return r;
}

bool vnc_auth_check(const char *password, const uint8_t challenge[16],
                    const uint8_t response[16])
{
    uint8_t key[DES_KEY_SIZE] = { 0 }, expect[16];
    struct des_ctx ctx;
    size_t len = strlen(password);
    for (size_t i = 0; i < DES_KEY_SIZE && i < len; i++)
        key[i] = reverse_bits((uint8_t)password[i]);
    des_set_key(&ctx, key);         /* a weak key still encrypts: the answer decides */
    des_encrypt(&ctx, sizeof(expect), expect, challenge);
    uint8_t diff = 0;               /* compare in constant time */
    for (size_t i = 0; i < sizeof(expect); i++)
        diff |= (uint8_t)(expect[i] ^ response[i]);
    memset(key, 0, sizeof(key));
    memset(&ctx, 0, sizeof(ctx));
    return diff == 0;
}
