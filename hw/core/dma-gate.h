/* dma_hold_off's side of the in-place transfer gate (dma-gate.c). */
#ifndef KEMU_DMA_GATE_H
#define KEMU_DMA_GATE_H

/* Wait until no in-place transfer runs; new ones wait until the matching
 * dma_gate_open.  Called with the machine lock held. */
void dma_gate_close(void);
void dma_gate_open(void);

#endif
