/*
 * stream: a client-to-server XML stream (RFC 6120): the state machine
 * from TCP accept through STARTTLS (or direct TLS), SASL and resource
 * binding to an established session, plus stream errors.
 */
#ifndef LETHE_STREAM_H
#define LETHE_STREAM_H

#include <stddef.h>

struct conf_listen;
struct xml_node;
struct stream;

/* Listener callback: a new client connection on fd. */
void stream_accept(int fd, const struct conf_listen *li, void *arg);
/* Serializes and queues a stanza (counted and kept for XEP-0198, held
 * for an inactive client by XEP-0352). */
void stream_send(struct stream *s, const struct xml_node *n);
/* The same for a stanza already serialized into p[0..len) (one
 * serialization for many recipients); n is the stanza itself. */
void stream_send_stanza(
    struct stream *s, const struct xml_node *n, const char *p, size_t len);
/* Queues bytes that are not a stanza (stream-level elements). */
void stream_send_raw(struct stream *s, const char *p, size_t n);
void stream_send_str(struct stream *s, const char *str);
/* Sends a stream error (RFC 6120 §4.9) and closes; text may be NULL. */
void stream_error(struct stream *s, const char *cond, const char *text);
/* The random id naming this stream in logs (links nothing else). */
const char *stream_log_id(const struct stream *s);
/* Closes every stream with <system-shutdown/>. */
void stream_shutdown_all(void);
size_t stream_count(void);

#endif
