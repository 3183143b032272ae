/* VNC authentication without a DES library: password=on is refused when
 * the server is configured, so this never answers a client. */
#include "ui/vnc-int.h"

bool vnc_auth_available(void)
{
    return false;
}

bool vnc_auth_check(const char *password, const uint8_t challenge[16],
                    const uint8_t response[16])
{
    return false;
}
