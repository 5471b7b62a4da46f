/*
 * disco: service discovery (XEP-0030). Modules add the features they
 * implement, for the server and/or for accounts; disco#info answers from
 * that list, so what we advertise is what is registered.
 */
#ifndef LETHE_DISCO_H
#define LETHE_DISCO_H

int disco_add_feature(const char *var, unsigned where /* IQ_SERVER... */);
void disco_module_init(void);

#endif
