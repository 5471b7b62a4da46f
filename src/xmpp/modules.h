/*
 * modules: the list of XEP modules; each has one *_module_init() that
 * registers its IQ handlers, hooks, disco features and stores.
 */
#ifndef LETHE_MODULES_H
#define LETHE_MODULES_H

void modules_init(void);

void ping_module_init(void);
void session_module_init(void);
void vcard_module_init(void);
void private_module_init(void);
void contact_module_init(void);
void time_module_init(void);
void version_module_init(void);
void last_module_init(void);

#endif
