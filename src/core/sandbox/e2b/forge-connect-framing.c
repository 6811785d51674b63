/* forge-connect-framing.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-e2b"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "forge-connect-framing.h"
#include "forge-util.h"

G_DEFINE_QUARK (forge-connect-error-quark, forge_connect_error)

/* Error texts from the other side end up in the log and in one-line
 * error messages: a hostile or broken server could send megabytes. */
#define ONE_LINE_MAX 300

/* envd's messages nest a few levels; json-glib's parser recurses once
 * per level, and a message of a few MiB of "[" would overflow the
 * reader's stack. */
#define MAX_JSON_DEPTH 32

GBytes *
forge_connect_envelope_encode (guint8      flags,
                               const void *payload,
                               gsize       length)
{
  guint8 *data;

  g_return_val_if_fail (payload != NULL || length == 0, NULL);
  g_return_val_if_fail (length <= G_MAXUINT32, NULL);

  data = g_malloc (FORGE_CONNECT_HEADER_SIZE + length);
  data[0] = flags;
  data[1] = (length >> 24) & 0xff;
  data[2] = (length >> 16) & 0xff;
  data[3] = (length >> 8) & 0xff;
  data[4] = length & 0xff;
  if (length > 0)
    memcpy (data + FORGE_CONNECT_HEADER_SIZE, payload, length);

  return g_bytes_new_take (data, FORGE_CONNECT_HEADER_SIZE + length);
}

GBytes *
forge_connect_envelope_encode_json (guint8    flags,
                                    JsonNode *node)
{
  g_autofree char *json = NULL;
  gsize length = 0;

  g_return_val_if_fail (node != NULL, NULL);

  json = json_to_string (node, FALSE);
  length = strlen (json);
  return forge_connect_envelope_encode (flags, json, length);
}

typedef struct
{
  guint8  flags;
  GBytes *payload;
} Envelope;

static void
envelope_free (gpointer data)
{
  Envelope *envelope = data;

  g_bytes_unref (envelope->payload);
  g_free (envelope);
}

struct _ForgeConnectDecoder
{
  gsize       max_message_size;
  GByteArray *buffer;     /* the incomplete envelope */
  GQueue      complete;   /* of Envelope */
  gboolean    saw_end;
  GError     *failure;    /* once set, every feed fails with it */
};

ForgeConnectDecoder *
forge_connect_decoder_new (gsize max_message_size)
{
  ForgeConnectDecoder *self = g_new0 (ForgeConnectDecoder, 1);

  self->max_message_size = MIN (max_message_size, (gsize) G_MAXUINT32);
  self->buffer = g_byte_array_new ();
  g_queue_init (&self->complete);
  return self;
}

void
forge_connect_decoder_free (ForgeConnectDecoder *self)
{
  if (self == NULL)
    return;

  g_byte_array_unref (self->buffer);
  g_queue_clear_full (&self->complete, envelope_free);
  g_clear_error (&self->failure);
  g_free (self);
}

static gboolean
fail (ForgeConnectDecoder  *self,
      GError              **error,
      ForgeConnectError     code,
      const char           *message)
{
  self->failure = g_error_new_literal (FORGE_CONNECT_ERROR, code, message);
  /* Nothing more will be read from it: free the memory now. */
  g_byte_array_set_size (self->buffer, 0);
  g_propagate_error (error, g_error_copy (self->failure));
  return FALSE;
}

/* Checks the header at the start of the buffer; FALSE when it is bad. */
static gboolean
check_header (ForgeConnectDecoder  *self,
              guint32              *length,
              GError              **error)
{
  const guint8 *h = self->buffer->data;
  guint8 flags = h[0];

  if (self->saw_end)
    return fail (self, error, FORGE_CONNECT_ERROR_AFTER_END,
                 _("The server sent data after the end of the stream"));

  if (flags & FORGE_CONNECT_FLAG_COMPRESSED)
    return fail (self, error, FORGE_CONNECT_ERROR_UNSUPPORTED,
                 _("The server sent a compressed message, which is not supported"));

  if ((flags & ~FORGE_CONNECT_FLAG_END_STREAM) != 0)
    return fail (self, error, FORGE_CONNECT_ERROR_UNSUPPORTED,
                 _("The server sent a message with unknown flags"));

  *length = ((guint32) h[1] << 24) | ((guint32) h[2] << 16) | ((guint32) h[3] << 8) | h[4];
  if (*length > self->max_message_size)
    return fail (self, error, FORGE_CONNECT_ERROR_TOO_LARGE,
                 _("The server sent a message larger than allowed"));

  return TRUE;
}

gboolean
forge_connect_decoder_feed (ForgeConnectDecoder  *self,
                            const void           *data,
                            gsize                 length,
                            GError              **error)
{
  const guint8 *p = data;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (self->failure != NULL)
    {
      g_propagate_error (error, g_error_copy (self->failure));
      return FALSE;
    }

  /* Take only what the current envelope still needs at each turn, so the
   * buffer never holds more than one envelope even for a huge chunk. */
  while (length > 0)
    {
      gsize want;
      gsize take;

      if (self->buffer->len < FORGE_CONNECT_HEADER_SIZE)
        want = FORGE_CONNECT_HEADER_SIZE - self->buffer->len;
      else
        {
          guint32 declared = ((guint32) self->buffer->data[1] << 24) |
                             ((guint32) self->buffer->data[2] << 16) |
                             ((guint32) self->buffer->data[3] << 8) |
                             self->buffer->data[4];
          want = FORGE_CONNECT_HEADER_SIZE + declared - self->buffer->len;
        }

      take = MIN (want, length);
      g_byte_array_append (self->buffer, p, take);
      p += take;
      length -= take;

      if (self->buffer->len == FORGE_CONNECT_HEADER_SIZE && take == want)
        {
          guint32 declared;

          if (!check_header (self, &declared, error))
            return FALSE;
          if (declared > 0)
            continue;
        }
      else if (take < want)
        break;

      /* A complete envelope. */
      {
        Envelope *envelope = g_new0 (Envelope, 1);

        envelope->flags = self->buffer->data[0];
        envelope->payload = g_bytes_new (self->buffer->data + FORGE_CONNECT_HEADER_SIZE,
                                         self->buffer->len - FORGE_CONNECT_HEADER_SIZE);
        if (envelope->flags & FORGE_CONNECT_FLAG_END_STREAM)
          self->saw_end = TRUE;
        g_queue_push_tail (&self->complete, envelope);
        g_byte_array_set_size (self->buffer, 0);
      }
    }

  return TRUE;
}

gboolean
forge_connect_decoder_pop (ForgeConnectDecoder  *self,
                           guint8               *flags,
                           GBytes              **payload)
{
  Envelope *envelope;

  g_return_val_if_fail (self != NULL, FALSE);

  envelope = g_queue_pop_head (&self->complete);
  if (envelope == NULL)
    return FALSE;

  if (flags != NULL)
    *flags = envelope->flags;
  if (payload != NULL)
    *payload = g_bytes_ref (envelope->payload);
  envelope_free (envelope);
  return TRUE;
}

gboolean
forge_connect_decoder_saw_end (ForgeConnectDecoder *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->saw_end;
}

gboolean
forge_connect_decoder_finish (ForgeConnectDecoder  *self,
                              GError              **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->failure != NULL)
    {
      g_propagate_error (error, g_error_copy (self->failure));
      return FALSE;
    }

  if (self->buffer->len > 0)
    return fail (self, error, FORGE_CONNECT_ERROR_TRUNCATED,
                 _("The connection ended in the middle of a message"));

  return TRUE;
}

JsonObject *
forge_connect_parse_object (GBytes  *payload,
                            GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize length = 0;
  JsonNode *root;

  g_return_val_if_fail (payload != NULL, NULL);

  data = g_bytes_get_data (payload, &length);
  if (length == 0)
    return json_object_new ();

  /* json-glib reads up to a NUL: one inside would hide the rest. */
  if (memchr (data, '\0', length) != NULL ||
      !forge_json_depth_within (data, length, MAX_JSON_DEPTH) ||
      !forge_json_single_value (data, length) ||
      !json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error_literal (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_INVALID,
                           _("The server sent a message that is not valid JSON"));
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_INVALID,
                           _("The server sent a message that is not a JSON object"));
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

const char *
forge_connect_json_get_string (JsonObject *object,
                               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

JsonObject *
forge_connect_json_get_object (JsonObject *object,
                               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

gboolean
forge_connect_json_get_int (JsonObject *object,
                            const char *name,
                            gint64     *value)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;
  GType type;

  *value = 0;
  /* proto3 JSON leaves zero values out. */
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *value = json_node_get_int (node);
  else if (type == G_TYPE_STRING)
    {
      /* 64-bit integers are strings in proto3 JSON. */
      const char *text = json_node_get_string (node);
      guint64 dummy;

      if (text[0] == '-' ? !g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, value, NULL)
                         : !g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &dummy, NULL))
        return FALSE;
      if (text[0] != '-')
        *value = (gint64) dummy;
    }
  else if (type == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      if (!(d >= -9.0e15 && d <= 9.0e15) || d != (double) (gint64) d)
        return FALSE;
      *value = (gint64) d;
    }
  else
    return FALSE;

  return TRUE;
}

char *
forge_connect_one_line (const char *text)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (text == NULL || *text == '\0')
    return g_strdup ("");

  valid = g_utf8_make_valid (text, -1);
  out = g_string_new (NULL);
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (out->len >= ONE_LINE_MAX)
        {
          g_string_append (out, "…");
          break;
        }
      if (c == '\n' || c == '\r' || c == '\t')
        c = ' ';
      else if (g_unichar_iscntrl (c))
        continue;
      g_string_append_unichar (out, c);
    }

  g_strstrip (out->str);
  out->len = strlen (out->str);
  return g_string_free (out, FALSE);
}

gboolean
forge_connect_parse_end_stream (GBytes  *payload,
                                char   **code,
                                GError **error)
{
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *message = NULL;
  JsonNode *error_node;
  JsonObject *error_object;
  const char *error_code = NULL;
  const char *error_message = NULL;

  object = forge_connect_parse_object (payload, error);
  if (object == NULL)
    return FALSE;

  error_node = json_object_get_member (object, "error");
  if (error_node == NULL || JSON_NODE_HOLDS_NULL (error_node))
    return TRUE;

  if (JSON_NODE_HOLDS_OBJECT (error_node))
    {
      error_object = json_node_get_object (error_node);
      error_code = forge_connect_json_get_string (error_object, "code");
      error_message = forge_connect_json_get_string (error_object, "message");
    }

  if (code != NULL)
    *code = g_strdup (error_code != NULL ? error_code : "unknown");

  message = forge_connect_one_line (error_message != NULL && *error_message != '\0'
                                    ? error_message
                                    : (error_code != NULL ? error_code : "unknown"));
  g_set_error (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_REMOTE,
               _("The server ended the stream with an error: %s"), message);
  return FALSE;
}
