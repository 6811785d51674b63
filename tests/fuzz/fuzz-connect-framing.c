/* fuzz-connect-framing.c
 *
 * A response body from envd (a process stream: Connect envelopes of
 * JSON events), as hostile as the sandbox it comes from. The first input
 * byte picks how the body is cut into chunks and the decoder's size
 * limit; the rest is the body. Fed in chunks it yields the same
 * envelopes as fed at once, the envelopes re-encode to the bytes they
 * came from, and every payload parses to an object or fails with an
 * error. Never a critical or a crash.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "forge-connect-framing.h"
#include "fuzz-common.h"

/* Members envd's process events have (see forge-e2b-envd.c). */
static const char * const member_names[] = {
  "event", "start", "data", "end", "keepalive", "pid", "stdout", "stderr",
  "pty", "exitCode", "exited", "status", "error", "code", "message",
};

typedef struct
{
  GPtrArray *envelopes;   /* of GBytes, each re-encoded */
  gboolean   fed;
  gboolean   finished;
  gboolean   saw_end;
} Outcome;

static void
check_payload (guint8  flags,
               GBytes *payload)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  if (!fuzz_json_single_value (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload)))
    return;

  object = forge_connect_parse_object (payload, &error);
  if (object == NULL)
    g_assert (g_error_matches (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_INVALID));
  else
    {
      for (guint i = 0; i < G_N_ELEMENTS (member_names); i++)
        {
          JsonObject *inner = forge_connect_json_get_object (object, member_names[i]);
          const char *text = forge_connect_json_get_string (object, member_names[i]);
          gint64 value;

          forge_connect_json_get_int (object, member_names[i], &value);
          for (guint j = 0; inner != NULL && j < G_N_ELEMENTS (member_names); j++)
            {
              forge_connect_json_get_string (inner, member_names[j]);
              forge_connect_json_get_int (inner, member_names[j], &value);
            }
          if (text != NULL)
            {
              g_autofree char *line = forge_connect_one_line (text);

              g_assert (strchr (line, '\n') == NULL);
            }
        }
    }
  g_clear_error (&error);

  if (flags & FORGE_CONNECT_FLAG_END_STREAM)
    {
      if (!forge_connect_parse_end_stream (payload, &code, &error))
        fuzz_assert_one_line (error->message);
    }
}

static Outcome
decode (const guint8 *body,
        gsize         length,
        gsize         chunk,
        gsize         limit)
{
  g_autoptr(ForgeConnectDecoder) decoder = forge_connect_decoder_new (limit);
  Outcome outcome = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref), TRUE, FALSE, FALSE };
  guint8 flags;
  GBytes *payload;

  for (gsize offset = 0; offset < length && outcome.fed; offset += chunk)
    {
      g_autoptr(GError) error = NULL;

      outcome.fed = forge_connect_decoder_feed (decoder, body + offset, MIN (chunk, length - offset), &error);
      if (!outcome.fed)
        g_assert (error != NULL && error->domain == FORGE_CONNECT_ERROR);

      while (forge_connect_decoder_pop (decoder, &flags, &payload))
        {
          gsize size;
          gconstpointer data = g_bytes_get_data (payload, &size);

          g_assert_cmpuint (size, <=, limit);
          g_ptr_array_add (outcome.envelopes, forge_connect_envelope_encode (flags, data, size));
          check_payload (flags, payload);
          g_bytes_unref (payload);
        }
    }

  outcome.saw_end = forge_connect_decoder_saw_end (decoder);
  {
    g_autoptr(GError) error = NULL;

    outcome.finished = forge_connect_decoder_finish (decoder, &error);
    if (!outcome.finished)
      g_assert (error != NULL && error->domain == FORGE_CONNECT_ERROR);
  }

  return outcome;
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  Outcome chunked;
  Outcome whole;
  gsize chunk;
  gsize limit;
  gsize offset = 0;

  fuzz_setup ();

  if (size == 0)
    return 0;

  chunk = (data[0] >> 1) + 1;
  limit = (data[0] & 1) ? 64 : FORGE_CONNECT_MAX_MESSAGE_SIZE;
  data++;
  size--;

  chunked = decode (data, size, chunk, limit);
  whole = decode (data, size, size > 0 ? size : 1, limit);

  /* How the body arrives must not change what it says. */
  g_assert_cmpint (chunked.fed, ==, whole.fed);
  g_assert_cmpint (chunked.finished, ==, whole.finished);
  g_assert_cmpint (chunked.saw_end, ==, whole.saw_end);
  g_assert_cmpuint (chunked.envelopes->len, ==, whole.envelopes->len);

  /* Each envelope is exactly the bytes it was read from, in order. */
  for (guint i = 0; i < whole.envelopes->len; i++)
    {
      gsize length;
      const guint8 *encoded = g_bytes_get_data (whole.envelopes->pdata[i], &length);

      g_assert (g_bytes_equal (whole.envelopes->pdata[i], chunked.envelopes->pdata[i]));
      g_assert_cmpuint (offset + length, <=, size);
      g_assert (memcmp (data + offset, encoded, length) == 0);
      offset += length;
    }
  if (whole.fed && whole.finished)
    g_assert_cmpuint (offset, ==, size);

  g_ptr_array_unref (chunked.envelopes);
  g_ptr_array_unref (whole.envelopes);
  return 0;
}
