#include "hw/core/irq.h"

#include <stddef.h>

void irq_init(IrqLine *line, IrqHandler handler, void *opaque, int n)
{
    line->handler = handler;
    line->opaque = opaque;
    line->n = n;
    line->level = 0;
}

void irq_connect(IrqLine *line, IrqHandler handler, void *opaque, int n)
{
    line->handler = handler;
    line->opaque = opaque;
    line->n = n;
}

void irq_set(IrqLine *line, int level)
{
    line->level = level;
    if (line->handler)
        line->handler(line->opaque, line->n, level);
}

void irq_pulse(IrqLine *line)
{
    irq_set(line, 1);
    irq_set(line, 0);
}
