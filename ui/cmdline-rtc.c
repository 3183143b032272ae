/* -rtc [base=utc|localtime|DATE][,clock=host|rt|vm][,driftfix=none|slew]:
 * kemu's RTC runs on the host's UTC clock, which is what the defaults
 * mean; other choices are refused by name until the RTC offers them. */
#include "ui/cmdline-int.h"
#include "hw/core/error.h"

#include <string.h>

static int rtc_value(const Opts *o, const char *arg, const char *key, const char *ok,
                     const char *const *known)
{
    const char *v = opts_get(o, key);
    if (!v || !strcmp(v, ok))
        return 0;
    for (const char *const *k = known; *k; k++) {
        if (!strcmp(v, *k)) {
            error_report("-rtc %s: %s=%s is not supported yet", arg, key, v);
            return -1;
        }
    }
    if (!strcmp(key, "base"))     /* a start date */
        error_report("-rtc %s: base=DATE is not supported yet", arg);
    else
        error_report("-rtc %s: Parameter '%s' does not accept value '%s'", arg, key, v);
    return -1;
}

int cmdline_parse_rtc(const char *arg)
{
    static const char *const keys[] = { "base", "clock", "driftfix", NULL };
    static const char *const bases[] = { "localtime", NULL };
    static const char *const clocks[] = { "rt", "vm", NULL };
    static const char *const drifts[] = { "slew", NULL };
    Opts o;
    if (cl_opts(&o, "-rtc", arg, NULL, keys))
        return -1;
    int ret = -1;
    if (!rtc_value(&o, arg, "base", "utc", bases) && !rtc_value(&o, arg, "clock", "host", clocks) &&
        !rtc_value(&o, arg, "driftfix", "none", drifts))
        ret = 0;
    opts_free(&o);
    return ret;
}
