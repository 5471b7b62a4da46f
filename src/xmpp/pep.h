/*
 * pep: personal eventing (XEP-0163), the subset of publish-subscribe
 * (XEP-0060) every account's bare JID offers: nodes made on first
 * publish, items kept per node, access models, publish-options, and
 * notifications to the account's own resources and its contacts by
 * entity capabilities (caps.h) or explicit subscription.
 */
#ifndef LETHE_PEP_H
#define LETHE_PEP_H

void pep_module_init(void);

#endif
