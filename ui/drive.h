/* The command line's drives as block backends and devices (ui/drive.c). */
#ifndef KEMU_UI_DRIVE_H
#define KEMU_UI_DRIVE_H

#include "ui/cmdline.h"

/* Open every drive and register it by name (before the board is built). */
int drives_open(const KemuOptions *o);
/* The default device of each if=ide|virtio drive (after the board). */
int drives_create_devices(Machine *m, const KemuOptions *o);
/* Wait for requests in flight and flush (at exit). */
void drives_close(void);

#endif
