/* The executable code cache of the native backend.
 *
 * Never writable and executable at once (W^X): one memfd is mapped twice,
 * read-write where the backend writes code and read-execute where it
 * runs.  A buffer address plus codebuf_exec_delta() is the address the
 * same byte runs at.  Memory is handed out linearly and reclaimed all at
 * once by codebuf_reset (with the TB cache flush).  The writable view of
 * code already written is unmapped now and then (codebuf.c) so that the
 * resident set counts the code once. */
#ifndef KEMU_TRANSLATE_CODEBUF_H
#define KEMU_TRANSLATE_CODEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Map the cache (size bytes); false (with errno) if the host refuses. */
bool codebuf_init(size_t size);
bool codebuf_ready(void);
/* Writable room from the current position to the end. */
uint8_t *codebuf_cursor(size_t *room);
/* The caller wrote n bytes at the cursor: keep them (16-aligned). */
void codebuf_commit(size_t n);
intptr_t codebuf_exec_delta(void);
/* Forget everything after the first `keep` bytes (the permanent
 * prologue/epilogue stay). */
void codebuf_reset(size_t keep);
size_t codebuf_used(void);

#endif
