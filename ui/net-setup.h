/* Building the network from -net, -netdev and -nic (ui/net-setup.c). */
#ifndef KEMU_UI_NET_SETUP_H
#define KEMU_UI_NET_SETUP_H

#include "ui/cmdline.h"

/* After the board, before -device: backends, hubs and the cards of -net
 * and -nic (or the default card).  Returns 0 or -1 after error_report(). */
int net_setup(Machine *m, const KemuOptions *o);
/* At exit: backends close, tap down-scripts run. */
void net_cleanup(void);

#endif
