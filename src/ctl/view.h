/*
 * view: the live in-memory trace an operator opens with `lethectl view
 * [JID]`. While at least one view is open, each stanza a local session
 * sends is described to it in one line (from, to, kind, type, size):
 * never a body or payload, never written anywhere, nothing kept after
 * the line is queued. With no view open the router filter returns at
 * once. Opening and closing a view are logged (not what it showed).
 */
#ifndef LETHE_VIEW_H
#define LETHE_VIEW_H

/* Registers the "view" control command and the router filter. Call after
 * modules_init(), so the view sees what other filters let through. */
void view_init(void);

#endif
