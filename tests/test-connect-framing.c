/* test-connect-framing.c
 *
 * Connect envelopes from a server that may be broken or hostile: every
 * way of cutting, oversizing or garbling them gives an error, never a
 * crash, and nothing is buffered beyond one envelope's bound.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "forge-connect-framing.h"

static GBytes *
concat (GBytes *first,
        ...)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();
  va_list args;

  va_start (args, first);
  for (GBytes *b = first; b != NULL; b = va_arg (args, GBytes *))
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (b, &len);

      g_byte_array_append (all, data, len);
      g_bytes_unref (b);
    }
  va_end (args);

  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

static GBytes *
json_envelope (guint8      flags,
               const char *json)
{
  return forge_connect_envelope_encode (flags, json, strlen (json));
}

static void
test_encode (void)
{
  g_autoptr(GBytes) bytes = json_envelope (0, "{\"a\":1}");
  const guint8 *data;
  gsize len;
  g_autoptr(JsonNode) node = json_from_string ("{\"b\":\"x\"}", NULL);
  g_autoptr(GBytes) from_json = forge_connect_envelope_encode_json (FORGE_CONNECT_FLAG_END_STREAM, node);

  data = g_bytes_get_data (bytes, &len);
  g_assert_cmpuint (len, ==, 5 + 7);
  g_assert_cmpuint (data[0], ==, 0);
  g_assert_cmpuint (data[1], ==, 0);
  g_assert_cmpuint (data[2], ==, 0);
  g_assert_cmpuint (data[3], ==, 0);
  g_assert_cmpuint (data[4], ==, 7);
  g_assert_cmpmem (data + 5, 7, "{\"a\":1}", 7);

  data = g_bytes_get_data (from_json, &len);
  g_assert_cmpuint (data[0], ==, 2);
  g_assert_cmpuint (data[4], ==, len - 5);
  g_assert_cmpmem (data + 5, len - 5, "{\"b\":\"x\"}", len - 5);
}

/* Feeds @stream in pieces of @step bytes; returns the envelopes'
 * payloads joined by "|" with a "#" after an end-of-stream one. */
static char *
decode_in_steps (GBytes  *stream,
                 gsize    step,
                 GError **error)
{
  g_autoptr(ForgeConnectDecoder) decoder = forge_connect_decoder_new (1024);
  g_autoptr(GString) out = g_string_new (NULL);
  gsize len;
  const guint8 *data = g_bytes_get_data (stream, &len);

  for (gsize offset = 0; offset < len; offset += step)
    {
      guint8 flags;
      GBytes *payload;

      if (!forge_connect_decoder_feed (decoder, data + offset, MIN (step, len - offset), error))
        return NULL;
      while (forge_connect_decoder_pop (decoder, &flags, &payload))
        {
          gsize plen;
          const char *p = g_bytes_get_data (payload, &plen);

          g_string_append_len (out, p, plen);
          g_string_append (out, (flags & FORGE_CONNECT_FLAG_END_STREAM) ? "#" : "|");
          g_bytes_unref (payload);
        }
    }

  if (!forge_connect_decoder_finish (decoder, error))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_split_everywhere (void)
{
  g_autoptr(GBytes) stream = concat (json_envelope (0, "{\"event\":{\"start\":{\"pid\":7}}}"),
                                     json_envelope (0, ""),
                                     json_envelope (0, "{\"event\":{\"keepalive\":{}}}"),
                                     json_envelope (FORGE_CONNECT_FLAG_END_STREAM, "{}"),
                                     NULL);

  for (gsize step = 1; step <= g_bytes_get_size (stream); step++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = decode_in_steps (stream, step, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (out, ==, "{\"event\":{\"start\":{\"pid\":7}}}||{\"event\":{\"keepalive\":{}}}|{}#");
    }
}

static void
test_truncated (void)
{
  g_autoptr(GBytes) stream = concat (json_envelope (0, "{\"x\":1}"),
                                     json_envelope (0, "{\"y\":2}"),
                                     NULL);
  gsize len;
  const guint8 *data = g_bytes_get_data (stream, &len);

  /* Cut at every place but an envelope's end. */
  for (gsize cut = 1; cut < len; cut++)
    {
      g_autoptr(GBytes) partial = g_bytes_new (data, cut);
      g_autoptr(GError) error = NULL;
      g_autofree char *out = decode_in_steps (partial, 3, &error);

      if (cut == 12)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (out, ==, "{\"x\":1}|");
          continue;
        }
      g_assert_error (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_TRUNCATED);
      g_assert_null (out);
    }
}

static void
test_oversized (void)
{
  g_autoptr(ForgeConnectDecoder) decoder = forge_connect_decoder_new (FORGE_CONNECT_MAX_MESSAGE_SIZE);
  g_autoptr(GError) error = NULL;
  /* Declares 4 GiB - 1: refused from the header, nothing allocated. */
  const guint8 header[] = { 0x00, 0xff, 0xff, 0xff, 0xff, 'a', 'b' };
  const guint8 just_above[] = { 0x00, 0x00, 0x40, 0x00, 0x01 };

  g_assert_false (forge_connect_decoder_feed (decoder, header, sizeof header, &error));
  g_assert_error (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_TOO_LARGE);
  g_clear_error (&error);
  /* Failed for good. */
  g_assert_false (forge_connect_decoder_feed (decoder, "x", 1, &error));
  g_assert_error (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_assert_false (forge_connect_decoder_finish (decoder, &error));
  g_clear_error (&error);

  g_clear_pointer (&decoder, forge_connect_decoder_free);
  decoder = forge_connect_decoder_new (FORGE_CONNECT_MAX_MESSAGE_SIZE);
  g_assert_false (forge_connect_decoder_feed (decoder, just_above, sizeof just_above, &error));
  g_assert_error (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_TOO_LARGE);
}

static void
test_flags (void)
{
  const guint8 compressed[] = { 0x01, 0, 0, 0, 2, '{', '}' };
  const guint8 unknown[] = { 0x80, 0, 0, 0, 2, '{', '}' };
  const guint8 after_end[] = { 0x02, 0, 0, 0, 2, '{', '}', 0x00, 0, 0, 0, 0 };
  g_autoptr(ForgeConnectDecoder) decoder = NULL;
  g_autoptr(GError) error = NULL;

  decoder = forge_connect_decoder_new (1024);
  g_assert_false (forge_connect_decoder_feed (decoder, compressed, sizeof compressed, &error));
  g_assert_error (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_clear_pointer (&decoder, forge_connect_decoder_free);

  decoder = forge_connect_decoder_new (1024);
  g_assert_false (forge_connect_decoder_feed (decoder, unknown, sizeof unknown, &error));
  g_assert_error (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_clear_pointer (&decoder, forge_connect_decoder_free);

  decoder = forge_connect_decoder_new (1024);
  g_assert_false (forge_connect_decoder_feed (decoder, after_end, sizeof after_end, &error));
  g_assert_error (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_AFTER_END);
  g_assert_true (forge_connect_decoder_saw_end (decoder));
}

static void
test_end_stream (void)
{
  struct {
    const char *json;
    gboolean    ok;
    int         code;
    const char *error_code;
    const char *contains;
  } cases[] = {
    { "", TRUE, 0, NULL, NULL },
    { "{}", TRUE, 0, NULL, NULL },
    { "{\"metadata\":{}}", TRUE, 0, NULL, NULL },
    { "{\"error\":{\"code\":\"not_found\",\"message\":\"no such\\nprocess\"}}", FALSE,
      FORGE_CONNECT_ERROR_REMOTE, "not_found", "no such process" },
    { "{\"error\":{\"code\":\"internal\"}}", FALSE, FORGE_CONNECT_ERROR_REMOTE, "internal", "internal" },
    { "{\"error\":{\"code\":5,\"message\":[1]}}", FALSE, FORGE_CONNECT_ERROR_REMOTE, "unknown", "unknown" },
    { "{\"error\":\"boom\"}", FALSE, FORGE_CONNECT_ERROR_REMOTE, "unknown", NULL },
    { "{\"error\":", FALSE, FORGE_CONNECT_ERROR_INVALID, NULL, NULL },
    { "[1,2]", FALSE, FORGE_CONNECT_ERROR_INVALID, NULL, NULL },
    { "\"x\"", FALSE, FORGE_CONNECT_ERROR_INVALID, NULL, NULL },
    { "{}\0{\"error\":{}}", FALSE, FORGE_CONNECT_ERROR_INVALID, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* The NUL case is 15 bytes; others their length. */
      gsize len = i == G_N_ELEMENTS (cases) - 1 ? 15 : strlen (cases[i].json);
      g_autoptr(GBytes) payload = g_bytes_new (cases[i].json, len);
      g_autoptr(GError) error = NULL;
      g_autofree char *code = NULL;
      gboolean ok = forge_connect_parse_end_stream (payload, &code, &error);

      g_test_message ("case %u: %s", i, cases[i].json);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        {
          g_assert_no_error (error);
          continue;
        }
      g_assert_error (error, FORGE_CONNECT_ERROR, cases[i].code);
      g_assert_null (strchr (error->message, '\n'));
      if (cases[i].error_code != NULL)
        g_assert_cmpstr (code, ==, cases[i].error_code);
      if (cases[i].contains != NULL)
        g_assert_nonnull (strstr (error->message, cases[i].contains));
    }
}

static void
test_json_members (void)
{
  g_autoptr(JsonNode) node = json_from_string ("{\"n\":3,\"s\":\"42\",\"neg\":\"-1\",\"big\":\"99999999999999999999\","
                                               "\"f\":1.5,\"o\":{},\"a\":[],\"z\":null,\"b\":true,\"str\":\"x\"}", NULL);
  JsonObject *object = json_node_get_object (node);
  gint64 value;

  g_assert_true (forge_connect_json_get_int (object, "n", &value));
  g_assert_cmpint (value, ==, 3);
  g_assert_true (forge_connect_json_get_int (object, "s", &value));
  g_assert_cmpint (value, ==, 42);
  g_assert_true (forge_connect_json_get_int (object, "neg", &value));
  g_assert_cmpint (value, ==, -1);
  g_assert_true (forge_connect_json_get_int (object, "missing", &value));
  g_assert_cmpint (value, ==, 0);
  g_assert_true (forge_connect_json_get_int (object, "z", &value));
  g_assert_false (forge_connect_json_get_int (object, "big", &value));
  g_assert_false (forge_connect_json_get_int (object, "f", &value));
  g_assert_false (forge_connect_json_get_int (object, "o", &value));
  g_assert_false (forge_connect_json_get_int (object, "a", &value));
  g_assert_false (forge_connect_json_get_int (object, "b", &value));
  g_assert_false (forge_connect_json_get_int (object, "str", &value));

  g_assert_cmpstr (forge_connect_json_get_string (object, "str"), ==, "x");
  g_assert_null (forge_connect_json_get_string (object, "n"));
  g_assert_null (forge_connect_json_get_string (object, "o"));
  g_assert_null (forge_connect_json_get_string (object, "a"));
  g_assert_null (forge_connect_json_get_string (object, "z"));
  g_assert_nonnull (forge_connect_json_get_object (object, "o"));
  g_assert_null (forge_connect_json_get_object (object, "a"));
  g_assert_null (forge_connect_json_get_object (object, "str"));
}

/* Random bytes, fed in random pieces: errors are fine, crashes and
 * criticals (fatal in the tests) are not. */
static void
test_garbage (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);

  for (guint round = 0; round < 2000; round++)
    {
      g_autoptr(ForgeConnectDecoder) decoder = forge_connect_decoder_new (256);
      guint8 data[600];
      gsize len = g_rand_int_range (rand, 0, sizeof data);
      gsize offset = 0;

      for (gsize i = 0; i < len; i++)
        {
          data[i] = g_rand_int_range (rand, 0, 256);
          /* Plausible headers now and then, so payloads get parsed. */
          if (g_rand_int_range (rand, 0, 8) == 0)
            data[i] = g_rand_boolean (rand) ? 0x00 : 0x02;
        }

      while (offset < len)
        {
          gsize step = g_rand_int_range (rand, 1, 64);
          g_autoptr(GError) error = NULL;
          guint8 flags;
          GBytes *payload;

          step = MIN (step, len - offset);
          if (!forge_connect_decoder_feed (decoder, data + offset, step, &error))
            break;
          offset += step;
          while (forge_connect_decoder_pop (decoder, &flags, &payload))
            {
              g_autoptr(GError) parse_error = NULL;
              g_autoptr(JsonObject) object = forge_connect_parse_object (payload, &parse_error);

              if (flags & FORGE_CONNECT_FLAG_END_STREAM)
                forge_connect_parse_end_stream (payload, NULL, NULL);
              g_assert_true ((object == NULL) == (parse_error != NULL));
              g_bytes_unref (payload);
            }
        }
      forge_connect_decoder_finish (decoder, NULL);
    }
}

/* A message within the size limit that is only brackets: json-glib's
 * parser recursed once per bracket and overflowed the stack (found while
 * writing the fuzz target, whose inputs are too short to reach it). */
static void
test_deep_nesting (void)
{
  gsize depth = FORGE_CONNECT_MAX_MESSAGE_SIZE / 4;
  g_autofree char *brackets = g_malloc (depth);
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) shallow = NULL;
  g_autoptr(GError) error = NULL;

  memset (brackets, '[', depth);
  payload = g_bytes_new (brackets, depth);
  object = forge_connect_parse_object (payload, &error);
  g_assert_null (object);
  g_assert_error (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (forge_connect_parse_end_stream (payload, NULL, &error));
  g_assert_error (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_INVALID);
  g_clear_error (&error);

  /* What envd sends still parses. */
  g_clear_pointer (&payload, g_bytes_unref);
  payload = g_bytes_new_static ("{\"event\":{\"data\":{\"stdout\":\"aGkK\"}}}", 36);
  shallow = forge_connect_parse_object (payload, &error);
  g_assert_no_error (error);
  g_assert_nonnull (forge_connect_json_get_object (shallow, "event"));
}

static void
test_one_line (void)
{
  g_autofree char *cut = NULL;
  g_autofree char *lines = forge_connect_one_line ("a\nb\r\tc\x01 ");
  g_autofree char *invalid = forge_connect_one_line ("\xff\xfe ok");
  g_autofree char *long_text = g_strnfill (10000, 'x');

  g_assert_cmpstr (lines, ==, "a b  c");
  g_assert_true (g_utf8_validate (invalid, -1, NULL));
  cut = forge_connect_one_line (long_text);
  g_assert_cmpuint (strlen (cut), <, 400);
  g_assert_true (g_str_has_suffix (cut, "…"));
}

/* json-glib keeps the last of several values and leaks the others: a
 * server sending "{}{}…" must not leak a little with every message. */
static void
test_several_values (void)
{
  static const char * const refused[] = { "{}{}", "{\"a\":1} {\"b\":2}", "{} 1", "\"x\" {}", "[][]" };
  static const char * const accepted[] = { "{}", " {\"a\": \"}{\"} ", "{\"a\":[{},{}]}" };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GBytes) payload = g_bytes_new_static (refused[i], strlen (refused[i]));
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) object = forge_connect_parse_object (payload, &error);

      g_assert_null (object);
      g_assert_error (error, FORGE_CONNECT_ERROR, FORGE_CONNECT_ERROR_INVALID);
    }

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(GBytes) payload = g_bytes_new_static (accepted[i], strlen (accepted[i]));
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) object = forge_connect_parse_object (payload, &error);

      g_assert_no_error (error);
      g_assert_nonnull (object);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/connect-framing/encode", test_encode);
  g_test_add_func ("/connect-framing/split-everywhere", test_split_everywhere);
  g_test_add_func ("/connect-framing/truncated", test_truncated);
  g_test_add_func ("/connect-framing/oversized", test_oversized);
  g_test_add_func ("/connect-framing/flags", test_flags);
  g_test_add_func ("/connect-framing/end-stream", test_end_stream);
  g_test_add_func ("/connect-framing/json-members", test_json_members);
  g_test_add_func ("/connect-framing/garbage", test_garbage);
  g_test_add_func ("/connect-framing/deep-nesting", test_deep_nesting);
  g_test_add_func ("/connect-framing/several-values", test_several_values);
  g_test_add_func ("/connect-framing/one-line", test_one_line);

  return g_test_run ();
}
