/*
 * e2ee: the end-to-end-encryption policy of each host ([host] e2ee and
 * e2ee_exempt), and the one test of "is this message plaintext" that the
 * archive and offline storage share for [server] store_plaintext.
 */
#ifndef LETHE_E2EE_H
#define LETHE_E2EE_H

struct jid;
struct xml_node;

/*
 * 1 if msg carries a <body/> and nothing that makes it end-to-end
 * encrypted: an OMEMO (legacy or urn:xmpp:omemo:2) <encrypted/>, an
 * OpenPGP (XEP-0373) <openpgp/>, a legacy XEP-0027 jabber:x:encrypted
 * <x/>, an OTR body (starting "?OTR"), or a payload in the namespace a
 * XEP-0380 <encryption/> tag announces. An <encryption/> tag without such
 * a payload does not count: the body it comes with is plaintext. 0 for a
 * message without a body (chat states, receipts).
 */
int e2ee_plaintext(const struct xml_node *msg);

enum e2ee_verdict { E2EE_PASS = 0, E2EE_WARN, E2EE_REFUSE };

/*
 * What the policies of from's and to's hosts (those that are local) say
 * about message st from `from` to `to`: the stricter one wins; a host's
 * policy is skipped when its e2ee_exempt list covers either party. Only
 * one-to-one messages (chat, or normal) with a plaintext body are
 * concerned. The router's outbound filter applies it to every message a
 * local session sends; a server-to-server receiver is to call it on
 * messages arriving for local accounts and bounce E2EE_REFUSE to the
 * remote sender the same way.
 */
enum e2ee_verdict e2ee_check(
    const struct jid *from, const struct jid *to, const struct xml_node *st);

/* Parses the exempt lists and registers the outbound filter. Must run
 * before the archive's and carbons' filters, so a refused message is
 * neither archived nor copied. */
void e2ee_module_init(void);

#endif
