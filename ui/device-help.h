/* -device help / -device NAME,help. */
#ifndef KEMU_DEVICE_HELP_H
#define KEMU_DEVICE_HELP_H

/* 1: help was printed; 0: spec is not a help request; -1: error reported. */
int device_help(const char *spec);
/* Report -device SPEC naming a model kemu does not have: what is missing
 * for QEMU's storage models it lacks, QEMU's message for any other. */
void device_report_unknown(const char *spec, const char *name);

#endif
