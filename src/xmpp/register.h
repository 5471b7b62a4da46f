/*
 * register: XEP-0077 In-Band Registration, the part an account uses on
 * itself: <remove/> erases the account (src/xmpp/erase.h) unless
 * [server] account_removal is off, and <username/> with <password/>
 * changes its password, keeping its sealed data (§3.3). It also answers
 * the control socket's "passwd" for lethectl. Registering new accounts
 * is not implemented: [server] registration must stay false.
 */
#ifndef LETHE_REGISTER_H
#define LETHE_REGISTER_H

void register_module_init(void);

#endif
