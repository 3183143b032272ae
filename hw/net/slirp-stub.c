/* User-mode networking when kemu is built without libslirp. */
#include "hw/net/netdev.h"
#include "hw/core/error.h"

NetClient *net_user_new(const Opts *o, const char *name, const char *what)
{
    (void)o;
    (void)name;
    error_report("%s: user-mode networking needs libslirp, which this kemu was built "
                 "without (Debian package libslirp-dev)", what);
    return NULL;
}
