/* kemu-img: disk image tool, a drop-in for qemu-img. */
#include "config.h"
#include "hw/core/error.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    error_progname = "kemu-img";
    if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
        printf("kemu-img version " KEMU_VERSION "\n");
        return 0;
    }
    error_report("Not enough arguments");
    return 1;
}
