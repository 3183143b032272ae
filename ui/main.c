/* kemu: entry point.  Parses the command line, builds the machine, starts
 * the accelerator and runs the event loop. */
#include "config.h"
#include "hw/core/error.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] == '-')
            a++;
        if (!strcmp(a, "-version")) {
            printf("kemu emulator version " KEMU_VERSION "\n");
            return 0;
        }
        error_report("-%s: invalid option", a + 1);
        return 1;
    }
    error_report("no machine to run yet");
    return 1;
}
