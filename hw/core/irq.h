/* IRQ lines: a device drives a line; whoever was wired to it at board build
 * time (PIC, IOAPIC, KVM's in-kernel irqchip, a test) gets the level.
 * A device never calls an interrupt controller directly. */
#ifndef KEMU_IRQ_H
#define KEMU_IRQ_H

typedef void (*IrqHandler)(void *opaque, int n, int level);

typedef struct IrqLine {
    IrqHandler handler;   /* NULL: an unconnected line, levels are dropped */
    void *opaque;
    int n;                /* passed back to the handler (pin number) */
    int level;            /* last level driven, for tests and `info` */
} IrqLine;

void irq_init(IrqLine *line, IrqHandler handler, void *opaque, int n);
/* Point an existing line at a new sink (board wiring). */
void irq_connect(IrqLine *line, IrqHandler handler, void *opaque, int n);
void irq_set(IrqLine *line, int level);
static inline void irq_raise(IrqLine *line) { irq_set(line, 1); }
static inline void irq_lower(IrqLine *line) { irq_set(line, 0); }
/* Edge for edge-triggered sinks: raise then lower. */
void irq_pulse(IrqLine *line);

#endif
