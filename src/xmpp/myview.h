/*
 * myview: the ad-hoc command (node urn:lethe:myview:0) that shows an
 * account what the server holds about it, store by store.
 */
#ifndef LETHE_MYVIEW_H
#define LETHE_MYVIEW_H

void myview_module_init(void);

#endif
