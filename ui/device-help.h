/* -device help / -device NAME,help. */
#ifndef KEMU_DEVICE_HELP_H
#define KEMU_DEVICE_HELP_H

/* 1: help was printed; 0: spec is not a help request; -1: error reported. */
int device_help(const char *spec);

#endif
