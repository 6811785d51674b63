/* forge-connect-framing.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Connect RPC envelopes, as envd's streaming calls use them: a flags
 * byte, the payload's length as 4 bytes big-endian, then the payload
 * (JSON with application/connect+json). */
#define FORGE_CONNECT_FLAG_COMPRESSED  0x01
#define FORGE_CONNECT_FLAG_END_STREAM  0x02
#define FORGE_CONNECT_HEADER_SIZE      5

/* envd's events are small (a data event carries at most a few tens of
 * KiB of output); anything near this is not envd talking. */
#define FORGE_CONNECT_MAX_MESSAGE_SIZE ((gsize) 4 * 1024 * 1024)

#define FORGE_CONNECT_ERROR (forge_connect_error_quark ())

typedef enum
{
  FORGE_CONNECT_ERROR_TOO_LARGE,     /* a declared length above the limit */
  FORGE_CONNECT_ERROR_TRUNCATED,     /* the stream ended inside an envelope */
  FORGE_CONNECT_ERROR_UNSUPPORTED,   /* compressed, or flags we do not know */
  FORGE_CONNECT_ERROR_INVALID,       /* not JSON, or not the shape expected */
  FORGE_CONNECT_ERROR_AFTER_END,     /* data after the end-of-stream envelope */
  FORGE_CONNECT_ERROR_REMOTE,        /* the end-of-stream envelope carried an error */
} ForgeConnectError;

GQuark   forge_connect_error_quark         (void);

/* One envelope around @payload. */
GBytes  *forge_connect_envelope_encode     (guint8         flags,
                                            const void    *payload,
                                            gsize          length);
/* One envelope around @node serialised as compact JSON. */
GBytes  *forge_connect_envelope_encode_json (guint8        flags,
                                             JsonNode     *node);

/* Turns arbitrary chunks of a response body into envelopes. It only ever
 * buffers one incomplete envelope (at most the limit plus the header),
 * whatever is fed: a declared length above the limit is refused as soon
 * as its header is complete. Once it failed, it stays failed. Not
 * thread-safe: one reader feeds it. */
typedef struct _ForgeConnectDecoder ForgeConnectDecoder;

ForgeConnectDecoder *forge_connect_decoder_new   (gsize                 max_message_size);
void                 forge_connect_decoder_free  (ForgeConnectDecoder  *self);
/* Appends @length bytes; FALSE (and @error) on a malformed header. */
gboolean             forge_connect_decoder_feed  (ForgeConnectDecoder  *self,
                                                  const void           *data,
                                                  gsize                 length,
                                                  GError              **error);
/* The next complete envelope, in order: TRUE with its flags and payload,
 * FALSE when none is complete yet. */
gboolean             forge_connect_decoder_pop   (ForgeConnectDecoder  *self,
                                                  guint8               *flags,
                                                  GBytes              **payload);
/* Whether the end-of-stream envelope was seen (it may still be queued). */
gboolean             forge_connect_decoder_saw_end (ForgeConnectDecoder *self);
/* At the end of the body: FALSE with FORGE_CONNECT_ERROR_TRUNCATED when
 * part of an envelope is left. */
gboolean             forge_connect_decoder_finish (ForgeConnectDecoder *self,
                                                   GError             **error);

/* @payload as a JSON object (an empty payload is "{}"). */
JsonObject *forge_connect_parse_object     (GBytes        *payload,
                                            GError       **error);
/* An end-of-stream payload: TRUE for "{}" (or empty), FALSE with
 * FORGE_CONNECT_ERROR_REMOTE for {"error":{"code","message"}}, its code
 * ("unavailable", "not_found"…) in @code when wanted. Its message is
 * cut to one line. */
gboolean    forge_connect_parse_end_stream (GBytes        *payload,
                                            char         **code,
                                            GError       **error);
/* Typed members of hostile JSON, never a critical for a wrong type:
 * NULL when @name is missing or not of the type. */
const char *forge_connect_json_get_string  (JsonObject    *object,
                                            const char    *name);
JsonObject *forge_connect_json_get_object  (JsonObject    *object,
                                            const char    *name);
/* An integer member, as a number or (proto3 JSON's 64-bit form) a
 * string; missing or null is 0, as proto3 omits zero values. FALSE
 * when it is something else. */
gboolean    forge_connect_json_get_int     (JsonObject    *object,
                                            const char    *name,
                                            gint64        *value);
/* A one-line, bounded version of an error text from the other side. */
char       *forge_connect_one_line         (const char    *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForgeConnectDecoder, forge_connect_decoder_free)

G_END_DECLS
