/* test-e2b-envd.c
 *
 * The envd client against a SoupServer on loopback that speaks envd's
 * real framing and replays scripted event streams, written a chunk at a
 * time (chunks that split lines and envelopes), so that nothing runs:
 * starts, exits, keepalives, end-of-stream errors, streams cut in the
 * middle, a sandbox gone (502), files and signals. The server runs on a
 * thread of its own: the client blocks the test's thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "forge-connect-framing.h"
#include "forge-e2b-envd.h"
#include "forge-test-server.h"
#include "forge-util.h"

#define TOKEN "tok-3f9c1a7e55d04b2a"

/* {{{ Logs: the token never appears in one */

static GMutex log_mutex;
static GString *log_text;

static GLogWriterOutput
capture_log (GLogLevelFlags   level,
             const GLogField *fields,
             gsize            n_fields,
             gpointer         user_data)
{
  g_mutex_lock (&log_mutex);
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
      {
        g_string_append (log_text, fields[i].value);
        g_string_append_c (log_text, '\n');
      }
  g_mutex_unlock (&log_mutex);

  if (level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, user_data);
}

static void
assert_no_token (const GError *error)
{
  if (error != NULL)
    g_assert_null (strstr (error->message, TOKEN));

  g_mutex_lock (&log_mutex);
  g_assert_null (strstr (log_text->str, TOKEN));
  g_mutex_unlock (&log_mutex);
}

/* }}} */

/* {{{ The scripted server */

typedef enum
{
  STEP_BYTES,      /* write these bytes */
  STEP_COMPLETE,   /* end the body */
  STEP_CUT,        /* drop the connection */
  STEP_HANG,       /* write nothing more, ever */
} StepType;

typedef struct
{
  StepType  type;
  GBytes   *bytes;
} Step;

typedef struct
{
  ForgeTestServer *server;
  GMutex        mutex;
  char         *base;

  /* Under mutex. */
  GPtrArray    *steps;          /* of Step: what the next Start or Connect answers */
  guint         status;         /* non-zero: answer every call with it */
  char         *status_body;
  GPtrArray    *requests;       /* of char*: "PATH HEADERS…\nBODY" */
  GHashTable   *headers;        /* of the last request */
  GBytes       *last_body;
  char         *last_query;
  GBytes       *download;       /* what GET /files answers */
  gboolean      signal_not_found;
  guint         signals;        /* SendSignal calls */
  char         *last_signal;
} Fixture;

static void
step_free (gpointer data)
{
  Step *step = data;

  g_clear_pointer (&step->bytes, g_bytes_unref);
  g_free (step);
}

static void
add_step (Fixture  *fixture,
          StepType  type,
          GBytes   *bytes)
{
  Step *step = g_new0 (Step, 1);

  step->type = type;
  step->bytes = bytes;
  g_mutex_lock (&fixture->mutex);
  g_ptr_array_add (fixture->steps, step);
  g_mutex_unlock (&fixture->mutex);
}

static void
add_envelope (Fixture    *fixture,
              guint8      flags,
              const char *json)
{
  add_step (fixture, STEP_BYTES, forge_connect_envelope_encode (flags, json, strlen (json)));
}

/* Several envelopes in one buffer, to be split at arbitrary places. */
static GBytes *
envelopes (const char *first,
           ...)
{
  g_autoptr(GByteArray) all = g_byte_array_new ();
  va_list args;

  va_start (args, first);
  for (const char *json = first; json != NULL; json = va_arg (args, const char *))
    {
      gboolean end = g_str_has_prefix (json, "END:");
      const char *payload = end ? json + 4 : json;
      g_autoptr(GBytes) b = forge_connect_envelope_encode (end ? FORGE_CONNECT_FLAG_END_STREAM : 0,
                                                           payload, strlen (payload));
      g_byte_array_append (all, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
    }
  va_end (args);

  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

static void
add_split (Fixture *fixture,
           GBytes  *bytes,
           gsize    piece)
{
  gsize len = g_bytes_get_size (bytes);

  for (gsize offset = 0; offset < len; offset += piece)
    add_step (fixture, STEP_BYTES, g_bytes_new_from_bytes (bytes, offset, MIN (piece, len - offset)));
  g_bytes_unref (bytes);
}

static char *
data_event (const char *stream,
            const char *text)
{
  g_autofree char *encoded = g_base64_encode ((const guchar *) text, strlen (text));

  return g_strdup_printf ("{\"event\":{\"data\":{\"%s\":\"%s\"}}}", stream, encoded);
}

typedef struct
{
  Fixture           *fixture;
  SoupServerMessage *msg;
  GPtrArray         *steps;
  guint              next;
  gboolean           gone;
} Playback;

static void
playback_free (Playback *playback)
{
  g_ptr_array_unref (playback->steps);
  g_object_unref (playback->msg);
  g_free (playback);
}

static void
playback_disconnected (SoupServerMessage *msg,
                       Playback          *playback)
{
  playback->gone = TRUE;
}

static gboolean
play_next (gpointer data)
{
  Playback *playback = data;
  Step *step;

  if (playback->gone || playback->next >= playback->steps->len)
    {
      g_signal_handlers_disconnect_by_data (playback->msg, playback);
      playback_free (playback);
      return G_SOURCE_REMOVE;
    }

  step = g_ptr_array_index (playback->steps, playback->next++);
  switch (step->type)
    {
    case STEP_BYTES:
      soup_message_body_append_bytes (soup_server_message_get_response_body (playback->msg), step->bytes);
      soup_server_message_unpause (playback->msg);
      return G_SOURCE_CONTINUE;

    case STEP_COMPLETE:
      soup_message_body_complete (soup_server_message_get_response_body (playback->msg));
      soup_server_message_unpause (playback->msg);
      break;

    case STEP_CUT:
      {
        /* What a sandbox killed mid-stream looks like from here. */
        GSocket *socket = soup_server_message_get_socket (playback->msg);

        g_socket_shutdown (socket, TRUE, TRUE, NULL);
      }
      break;

    case STEP_HANG:
      /* Keep it open, silent, until the client goes. */
      return playback->gone ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
    }

  g_signal_handlers_disconnect_by_data (playback->msg, playback);
  playback_free (playback);
  return G_SOURCE_REMOVE;
}

static void
record_request (Fixture           *fixture,
                SoupServerMessage *msg,
                const char        *path)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  g_hash_table_remove_all (fixture->headers);
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_hash_table_insert (fixture->headers, g_ascii_strdown (name, -1), g_strdup (value));
  g_clear_pointer (&fixture->last_body, g_bytes_unref);
  fixture->last_body = soup_message_body_flatten (body);
  g_clear_pointer (&fixture->last_query, g_free);
  fixture->last_query = g_strdup (g_uri_get_query (soup_server_message_get_uri (msg)));
  g_ptr_array_add (fixture->requests, g_strdup (path));
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Fixture *fixture = user_data;

  g_mutex_lock (&fixture->mutex);
  record_request (fixture, msg, path);

  if (fixture->status != 0)
    {
      soup_server_message_set_status (msg, fixture->status, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                        fixture->status_body, strlen (fixture->status_body));
    }
  else if (g_str_equal (path, "/process.Process/Start") ||
           g_str_equal (path, "/process.Process/Connect"))
    {
      Playback *playback = g_new0 (Playback, 1);
      g_autoptr(GSource) source = g_timeout_source_new (5);

      playback->fixture = fixture;
      playback->msg = g_object_ref (msg);
      playback->steps = g_steal_pointer (&fixture->steps);
      fixture->steps = g_ptr_array_new_with_free_func (step_free);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                             "application/connect+json", NULL);
      soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                         SOUP_ENCODING_CHUNKED);
      g_signal_connect (msg, "disconnected", G_CALLBACK (playback_disconnected), playback);
      soup_server_message_pause (msg);
      g_source_set_callback (source, play_next, playback, NULL);
      g_source_attach (source, forge_test_server_get_context (fixture->server));
    }
  else if (g_str_equal (path, "/process.Process/SendSignal"))
    {
      fixture->signals++;
      g_free (fixture->last_signal);
      fixture->last_signal = g_strndup (g_bytes_get_data (fixture->last_body, NULL),
                                        g_bytes_get_size (fixture->last_body));
      if (fixture->signal_not_found)
        {
          const char *answer = "{\"code\":\"not_found\",\"message\":\"process with pid 42 not found\"}";

          soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
          soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, answer, strlen (answer));
        }
      else
        {
          soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
          soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "{}", 2);
        }
    }
  else if (g_str_equal (path, "/files") && soup_server_message_get_method (msg) == SOUP_METHOD_POST)
    {
      const char *answer = "[{\"path\":\"/home/user/a.tar\",\"name\":\"a.tar\",\"type\":\"file\"}]";

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, answer, strlen (answer));
    }
  else if (g_str_equal (path, "/files") && fixture->download != NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (fixture->download, NULL),
                                        g_bytes_get_size (fixture->download));
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);

  g_mutex_unlock (&fixture->mutex);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_mutex_init (&fixture->mutex);
  fixture->steps = g_ptr_array_new_with_free_func (step_free);
  fixture->requests = g_ptr_array_new_with_free_func (g_free);
  fixture->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fixture->server = forge_test_server_new ("forge-test-envd", handle_request, fixture);
  fixture->base = g_strdup (forge_test_server_get_base (fixture->server));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->server, forge_test_server_free);
  g_ptr_array_unref (fixture->steps);
  g_ptr_array_unref (fixture->requests);
  g_hash_table_unref (fixture->headers);
  g_clear_pointer (&fixture->last_body, g_bytes_unref);
  g_clear_pointer (&fixture->download, g_bytes_unref);
  g_free (fixture->last_query);
  g_free (fixture->last_signal);
  g_free (fixture->status_body);
  g_free (fixture->base);
  g_mutex_clear (&fixture->mutex);
}

static const char *
header (Fixture    *fixture,
        const char *name)
{
  return g_hash_table_lookup (fixture->headers, name);
}

/* }}} */

/* {{{ Lines and events */

typedef struct
{
  GMutex     mutex;
  GPtrArray *lines;    /* "out:…" / "err:…" */
  GPtrArray *events;   /* "started 42", "exited 3", "closed", "closed: error" */
  GError    *closed_error;
  gboolean   destroyed;
} Collector;

static void
collector_init (Collector *c)
{
  memset (c, 0, sizeof *c);
  g_mutex_init (&c->mutex);
  c->lines = g_ptr_array_new_with_free_func (g_free);
  c->events = g_ptr_array_new_with_free_func (g_free);
}

static void
collector_clear (Collector *c)
{
  g_ptr_array_unref (c->lines);
  g_ptr_array_unref (c->events);
  g_clear_error (&c->closed_error);
  g_mutex_clear (&c->mutex);
}

static void
collect_line (ForgeSandboxStream  stream,
              const char         *line,
              gpointer            user_data)
{
  Collector *c = user_data;

  g_mutex_lock (&c->mutex);
  g_ptr_array_add (c->lines, g_strconcat (stream == FORGE_SANDBOX_STREAM_STDOUT ? "out:" : "err:", line, NULL));
  g_mutex_unlock (&c->mutex);
}

static void
collect_event (const ForgeEnvdEvent *event,
               gpointer              user_data)
{
  Collector *c = user_data;

  switch (event->type)
    {
    case FORGE_ENVD_EVENT_STARTED:
      g_mutex_lock (&c->mutex);
      g_ptr_array_add (c->events, g_strdup_printf ("started %u", event->pid));
      g_mutex_unlock (&c->mutex);
      break;
    case FORGE_ENVD_EVENT_LINE:
      collect_line (event->stream, event->line, c);
      break;
    case FORGE_ENVD_EVENT_EXITED:
      g_mutex_lock (&c->mutex);
      g_ptr_array_add (c->events, g_strdup_printf ("exited %d", event->exit_code));
      g_mutex_unlock (&c->mutex);
      break;
    case FORGE_ENVD_EVENT_CLOSED:
      g_mutex_lock (&c->mutex);
      g_ptr_array_add (c->events, g_strdup (event->error != NULL ? "closed: error" : "closed"));
      c->closed_error = event->error != NULL ? g_error_copy (event->error) : NULL;
      g_mutex_unlock (&c->mutex);
      break;
    }
}

static void
collector_destroyed (gpointer user_data)
{
  Collector *c = user_data;

  g_mutex_lock (&c->mutex);
  c->destroyed = TRUE;
  g_mutex_unlock (&c->mutex);
}

static char *
joined (GPtrArray *array)
{
  g_ptr_array_add (array, NULL);
  g_ptr_array_set_size (array, array->len - 1);
  return g_strjoinv ("|", (char **) array->pdata);
}

/* }}} */

static void
script_typical (Fixture *fixture)
{
  g_autofree char *d1 = data_event ("stdout", "hel");
  g_autofree char *d2 = data_event ("stdout", "lo\nwor");
  g_autofree char *d3 = data_event ("stderr", "oops\r\n");
  g_autofree char *d4 = data_event ("stdout", "ld\nno newline");

  /* Pieces of 7 bytes: every envelope split, some headers too. */
  add_split (fixture, envelopes ("{\"event\":{\"start\":{\"pid\":42}}}",
                                 d1, "{\"event\":{\"keepalive\":{}}}", d2, d3, NULL), 7);
  add_envelope (fixture, 0, d4);
  add_envelope (fixture, 0, "{\"event\":{\"end\":{\"exitCode\":3,\"exited\":true,\"status\":\"exit status 3\"}}}");
  add_envelope (fixture, FORGE_CONNECT_FLAG_END_STREAM, "{}");
  add_step (fixture, STEP_COMPLETE, NULL);
}

static void
test_run (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  const char *env[] = { "NODE_ENV=development", "PORT=3000", "bogus", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autoptr(ForgeConnectDecoder) decoder = forge_connect_decoder_new (1 << 20);
  g_autoptr(GBytes) payload = NULL;
  g_autofree char *lines = NULL;
  JsonObject *process;
  JsonArray *args;
  Collector c;
  int exit_code = -1;
  guint8 flags = 0xff;

  collector_init (&c);
  script_typical (fixture);

  g_assert_true (forge_e2b_envd_run (envd, "npm install", env, "/home/user/repo", 0,
                                     collect_line, &c, &exit_code, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (exit_code, ==, 3);
  lines = joined (c.lines);
  g_assert_cmpstr (lines, ==, "out:hello|err:oops|out:world|out:no newline");

  /* What envd was sent. */
  g_assert_cmpstr (header (fixture, "content-type"), ==, "application/connect+json");
  g_assert_cmpstr (header (fixture, "x-access-token"), ==, TOKEN);
  g_assert_cmpstr (header (fixture, "connect-timeout-ms"), ==, "0");
  g_assert_nonnull (header (fixture, "keepalive-ping-interval"));
  g_assert_true (forge_connect_decoder_feed (decoder, g_bytes_get_data (fixture->last_body, NULL),
                                             g_bytes_get_size (fixture->last_body), &error));
  g_assert_true (forge_connect_decoder_finish (decoder, &error));
  g_assert_true (forge_connect_decoder_pop (decoder, &flags, &payload));
  g_assert_cmpuint (flags, ==, 0);
  g_assert_false (forge_connect_decoder_pop (decoder, NULL, NULL));
  request = forge_connect_parse_object (payload, &error);
  g_assert_no_error (error);
  process = json_object_get_object_member (request, "process");
  g_assert_cmpstr (json_object_get_string_member (process, "cmd"), ==, "/bin/bash");
  args = json_object_get_array_member (process, "args");
  g_assert_cmpuint (json_array_get_length (args), ==, 3);
  g_assert_cmpstr (json_array_get_string_element (args, 0), ==, "-l");
  g_assert_cmpstr (json_array_get_string_element (args, 1), ==, "-c");
  g_assert_cmpstr (json_array_get_string_element (args, 2), ==, "npm install");
  g_assert_cmpstr (json_object_get_string_member (process, "cwd"), ==, "/home/user/repo");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (process, "envs"), "PORT"), ==, "3000");
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (process, "envs")), ==, 2);
  g_assert_false (json_object_get_boolean_member (request, "stdin"));

  assert_no_token (NULL);
  collector_clear (&c);
}

static void
test_start_process (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  g_autoptr(ForgeEnvdProcess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *lines = NULL;
  g_autofree char *events = NULL;
  Collector c;

  collector_init (&c);
  script_typical (fixture);

  process = forge_e2b_envd_start_process (envd, "npm run dev", NULL, NULL, 0,
                                          collect_event, &c, collector_destroyed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (process);
  g_assert_cmpuint (forge_envd_process_get_pid (process), ==, 42);
  g_assert_true (forge_envd_process_wait_closed (process, 10000));

  g_mutex_lock (&c.mutex);
  lines = joined (c.lines);
  events = joined (c.events);
  g_assert_true (c.destroyed);
  g_mutex_unlock (&c.mutex);
  g_assert_cmpstr (lines, ==, "out:hello|err:oops|out:world|out:no newline");
  g_assert_cmpstr (events, ==, "started 42|exited 3|closed");
  g_assert_null (c.closed_error);
  collector_clear (&c);
}

/* A dev server's stream ends when the sandbox goes: the reader says so,
 * with an error, at once. */
static void
test_start_process_cut (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  g_autoptr(ForgeEnvdProcess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) end = envelopes ("{\"event\":{\"end\":{\"exitCode\":0}}}", NULL);
  g_autofree char *d1 = data_event ("stdout", "ready in 300 ms\n");
  g_autofree char *events = NULL;
  Collector c;

  collector_init (&c);
  add_envelope (fixture, 0, "{\"event\":{\"start\":{\"pid\":7}}}");
  add_envelope (fixture, 0, d1);
  /* Half an envelope, then the connection drops. */
  add_step (fixture, STEP_BYTES, g_bytes_new_from_bytes (end, 0, 9));
  add_step (fixture, STEP_CUT, NULL);

  process = forge_e2b_envd_start_process (envd, "npm run dev", NULL, NULL, 0,
                                          collect_event, &c, collector_destroyed, &error);
  g_assert_no_error (error);
  g_assert_true (forge_envd_process_wait_closed (process, 10000));
  events = joined (c.events);
  g_assert_cmpstr (events, ==, "started 7|closed: error");
  g_assert_nonnull (c.closed_error);
  g_assert_true (c.closed_error->domain == FORGE_ENVD_ERROR);
  g_assert_cmpint (c.lines->len, ==, 1);
  g_assert_true (c.destroyed);
  collector_clear (&c);
}

/* Connect follows a running process with Start's events: a start with
 * its pid first, then its output and its end; an unknown pid is an
 * end-of-stream not_found. */
static void
test_connect_process (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  g_autoptr(ForgeEnvdProcess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeConnectDecoder) decoder = forge_connect_decoder_new (1 << 20);
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(JsonObject) request = NULL;
  g_autofree char *d1 = data_event ("stdout", "GET /after-resume\n");
  g_autofree char *lines = NULL;
  g_autofree char *events = NULL;
  g_autofree char *path = NULL;
  JsonObject *selector;
  guint8 flags = 0xff;
  Collector c;

  collector_init (&c);
  add_envelope (fixture, 0, "{\"event\":{\"start\":{\"pid\":42}}}");
  add_envelope (fixture, 0, "{\"event\":{\"keepalive\":{}}}");
  add_envelope (fixture, 0, d1);
  add_envelope (fixture, 0, "{\"event\":{\"end\":{\"exitCode\":-1,\"status\":\"signal: killed\"}}}");
  add_envelope (fixture, FORGE_CONNECT_FLAG_END_STREAM, "{}");
  add_step (fixture, STEP_COMPLETE, NULL);

  process = forge_e2b_envd_connect_process (envd, 42, collect_event, &c, collector_destroyed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (process);
  g_assert_cmpuint (forge_envd_process_get_pid (process), ==, 42);
  g_assert_true (forge_envd_process_wait_closed (process, 10000));

  g_mutex_lock (&c.mutex);
  lines = joined (c.lines);
  events = joined (c.events);
  g_assert_true (c.destroyed);
  g_mutex_unlock (&c.mutex);
  g_assert_cmpstr (lines, ==, "out:GET /after-resume");
  g_assert_cmpstr (events, ==, "started 42|exited 137|closed");

  /* What envd was sent: one envelope with the pid, no deadline. */
  g_mutex_lock (&fixture->mutex);
  path = g_strdup (g_ptr_array_index (fixture->requests, fixture->requests->len - 1));
  g_assert_cmpstr (path, ==, "/process.Process/Connect");
  g_assert_cmpstr (header (fixture, "content-type"), ==, "application/connect+json");
  g_assert_cmpstr (header (fixture, "x-access-token"), ==, TOKEN);
  g_assert_cmpstr (header (fixture, "connect-timeout-ms"), ==, "0");
  g_assert_true (forge_connect_decoder_feed (decoder, g_bytes_get_data (fixture->last_body, NULL),
                                             g_bytes_get_size (fixture->last_body), &error));
  g_mutex_unlock (&fixture->mutex);
  g_assert_true (forge_connect_decoder_finish (decoder, &error));
  g_assert_true (forge_connect_decoder_pop (decoder, &flags, &payload));
  g_assert_cmpuint (flags, ==, 0);
  g_assert_false (forge_connect_decoder_pop (decoder, NULL, NULL));
  request = forge_connect_parse_object (payload, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_object_get_size (request), ==, 1);
  selector = json_object_get_object_member (request, "process");
  g_assert_cmpint (json_object_get_int_member (selector, "pid"), ==, 42);
  collector_clear (&c);
  g_clear_pointer (&process, forge_envd_process_unref);

  /* A pid that is no more: NOT_FOUND, no event but @destroy. */
  collector_init (&c);
  add_envelope (fixture, FORGE_CONNECT_FLAG_END_STREAM,
                "{\"error\":{\"code\":\"not_found\",\"message\":\"process with pid 43 not found\"}}");
  add_step (fixture, STEP_COMPLETE, NULL);
  process = forge_e2b_envd_connect_process (envd, 43, collect_event, &c, collector_destroyed, &error);
  g_assert_null (process);
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "43"));
  g_assert_true (c.destroyed);
  g_assert_cmpuint (c.events->len, ==, 0);
  g_clear_error (&error);
  collector_clear (&c);

  /* Its stream cut when the sandbox goes: CLOSED with an error. */
  collector_init (&c);
  add_envelope (fixture, 0, "{\"event\":{\"start\":{\"pid\":42}}}");
  add_step (fixture, STEP_CUT, NULL);
  process = forge_e2b_envd_connect_process (envd, 42, collect_event, &c, collector_destroyed, &error);
  g_assert_no_error (error);
  g_assert_true (forge_envd_process_wait_closed (process, 10000));
  g_clear_pointer (&events, g_free);
  events = joined (c.events);
  g_assert_cmpstr (events, ==, "started 42|closed: error");
  g_assert_true (c.closed_error->domain == FORGE_ENVD_ERROR);
  collector_clear (&c);

  assert_no_token (NULL);
}

static void
test_run_cut (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) start = envelopes ("{\"event\":{\"start\":{\"pid\":7}}}", NULL);
  int exit_code = -1;

  /* The stream ends, cleanly for HTTP, in the middle of an envelope. */
  add_step (fixture, STEP_BYTES, g_bytes_new_from_bytes (start, 0, 12));
  add_step (fixture, STEP_COMPLETE, NULL);
  g_assert_false (forge_e2b_envd_run (envd, "true", NULL, NULL, 60000, NULL, NULL, &exit_code, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_PROTOCOL);
  g_clear_error (&error);

  /* Or between envelopes, before the process's end. */
  add_envelope (fixture, 0, "{\"event\":{\"start\":{\"pid\":7}}}");
  add_step (fixture, STEP_COMPLETE, NULL);
  g_assert_false (forge_e2b_envd_run (envd, "true", NULL, NULL, 60000, NULL, NULL, &exit_code, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_PROTOCOL);
  g_clear_error (&error);

  /* An end-of-stream envelope and no end event. */
  add_envelope (fixture, 0, "{\"event\":{\"start\":{\"pid\":7}}}");
  add_envelope (fixture, FORGE_CONNECT_FLAG_END_STREAM, "{}");
  add_step (fixture, STEP_COMPLETE, NULL);
  g_assert_false (forge_e2b_envd_run (envd, "true", NULL, NULL, 60000, NULL, NULL, &exit_code, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_PROTOCOL);
  g_clear_error (&error);

  /* Garbage, and a compressed envelope. */
  add_step (fixture, STEP_BYTES, g_bytes_new_static ("\x00\x00\x00\x00\x03{x}", 8));
  add_step (fixture, STEP_COMPLETE, NULL);
  g_assert_false (forge_e2b_envd_run (envd, "true", NULL, NULL, 60000, NULL, NULL, &exit_code, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_PROTOCOL);
  g_clear_error (&error);

  add_step (fixture, STEP_BYTES, g_bytes_new_static ("\x01\x00\x00\x00\x02{}", 7));
  add_step (fixture, STEP_COMPLETE, NULL);
  g_assert_false (forge_e2b_envd_run (envd, "true", NULL, NULL, 60000, NULL, NULL, &exit_code, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_PROTOCOL);
  g_clear_error (&error);

  /* A declared length of 2 GiB. */
  add_step (fixture, STEP_BYTES, g_bytes_new_static ("\x00\x80\x00\x00\x00{", 6));
  add_step (fixture, STEP_COMPLETE, NULL);
  g_assert_false (forge_e2b_envd_run (envd, "true", NULL, NULL, 60000, NULL, NULL, &exit_code, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_PROTOCOL);
  g_clear_error (&error);

  /* The connection dropped in the middle of the body. */
  add_envelope (fixture, 0, "{\"event\":{\"start\":{\"pid\":7}}}");
  add_step (fixture, STEP_BYTES, g_bytes_new_from_bytes (start, 0, 3));
  add_step (fixture, STEP_CUT, NULL);
  g_assert_false (forge_e2b_envd_run (envd, "true", NULL, NULL, 60000, NULL, NULL, &exit_code, NULL, &error));
  g_assert_true (error->domain == FORGE_ENVD_ERROR);
  g_assert_cmpint (exit_code, ==, -1);
}

static void
test_end_stream_error (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  g_autoptr(ForgeEnvdProcess) process = NULL;
  g_autoptr(GError) error = NULL;
  int exit_code = -1;
  Collector c;

  /* Before the start: the command could not be started. The server
   * quotes the token back: it must not reach the message. */
  add_envelope (fixture, FORGE_CONNECT_FLAG_END_STREAM,
                "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"cwd '/nope' does not exist\\n(token " TOKEN ")\"}}");
  add_step (fixture, STEP_COMPLETE, NULL);
  g_assert_false (forge_e2b_envd_run (envd, "true", NULL, "/nope", 60000, NULL, NULL, &exit_code, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_PROCESS_FAILED);
  g_assert_nonnull (strstr (error->message, "/nope"));
  g_assert_null (strchr (error->message, '\n'));
  assert_no_token (error);
  g_clear_error (&error);

  collector_init (&c);
  add_envelope (fixture, FORGE_CONNECT_FLAG_END_STREAM,
                "{\"error\":{\"code\":\"invalid_argument\",\"message\":\"no such cwd\"}}");
  add_step (fixture, STEP_COMPLETE, NULL);
  process = forge_e2b_envd_start_process (envd, "npm run dev", NULL, "/nope", 0,
                                          collect_event, &c, collector_destroyed, &error);
  g_assert_null (process);
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_PROCESS_FAILED);
  g_assert_true (c.destroyed);
  g_assert_cmpuint (c.events->len, ==, 0);
  g_clear_error (&error);
  collector_clear (&c);

  /* After the start: the stream failed. */
  add_envelope (fixture, 0, "{\"event\":{\"start\":{\"pid\":9}}}");
  add_envelope (fixture, FORGE_CONNECT_FLAG_END_STREAM,
                "{\"error\":{\"code\":\"unavailable\",\"message\":\"envd is shutting down\"}}");
  add_step (fixture, STEP_COMPLETE, NULL);
  g_assert_false (forge_e2b_envd_run (envd, "true", NULL, NULL, 60000, NULL, NULL, &exit_code, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_PROCESS_FAILED);
  g_assert_nonnull (strstr (error->message, "shutting down"));
}

static void
test_exit_codes (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  struct { const char *end; int code; } cases[] = {
    { "{}", 0 },                              /* proto3 leaves 0 out */
    { "{\"exited\":true,\"status\":\"exit status 0\"}", 0 },
    { "{\"exitCode\":\"2\",\"exited\":true}", 2 },
    { "{\"exitCode\":-1,\"status\":\"signal: killed\"}", 137 },
    { "{\"exitCode\":-1,\"exited\":false,\"status\":\"signal: terminated\"}", 143 },
    { "{\"exitCode\":-1,\"status\":\"something else\"}", 255 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *end = g_strdup_printf ("{\"event\":{\"end\":%s}}", cases[i].end);
      int exit_code = -1;

      add_envelope (fixture, 0, "{\"event\":{\"start\":{}}}");   /* pid 0 */
      add_envelope (fixture, 0, end);
      add_envelope (fixture, FORGE_CONNECT_FLAG_END_STREAM, "");
      add_step (fixture, STEP_COMPLETE, NULL);
      g_assert_true (forge_e2b_envd_run (envd, "x", NULL, NULL, 60000, NULL, NULL, &exit_code, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (exit_code, ==, cases[i].code);
    }
}

static void
test_long_lines (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_strnfill (3 * FORGE_LOG_LINE_MAX, 'x');
  g_autofree char *d1 = data_event ("stdout", huge);
  g_autofree char *d2 = data_event ("stdout", "yyy\nnext\n\xff\xfe\n");
  int exit_code = -1;
  Collector c;

  collector_init (&c);
  add_envelope (fixture, 0, "{\"event\":{\"start\":{\"pid\":1}}}");
  add_envelope (fixture, 0, d1);
  add_envelope (fixture, 0, d2);
  add_envelope (fixture, 0, "{\"event\":{\"data\":{\"stdout\":\"!!not base64!!\"}}}");
  add_envelope (fixture, 0, "{\"event\":{\"data\":{\"stdout\":42}}}");
  add_envelope (fixture, 0, "{\"event\":{\"surprise\":{}}}");
  add_envelope (fixture, 0, "{\"event\":{\"end\":{}}}");
  add_envelope (fixture, FORGE_CONNECT_FLAG_END_STREAM, "{}");
  add_step (fixture, STEP_COMPLETE, NULL);

  g_assert_true (forge_e2b_envd_run (envd, "x", NULL, NULL, 60000, collect_line, &c, &exit_code, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c.lines->len, >=, 3);
  /* The cut line: its bound and the mark, the rest of it dropped. */
  g_assert_cmpuint (strlen (g_ptr_array_index (c.lines, 0)), ==, 4 + FORGE_LOG_LINE_MAX + strlen ("…"));
  g_assert_true (g_str_has_suffix (g_ptr_array_index (c.lines, 0), "…"));
  g_assert_cmpstr (g_ptr_array_index (c.lines, 1), ==, "out:next");
  g_assert_true (g_utf8_validate (g_ptr_array_index (c.lines, 2), -1, NULL));
  collector_clear (&c);
}

static void
test_gone (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  g_autoptr(ForgeE2bEnvd) refused = NULL;
  g_autoptr(GBytes) contents = g_bytes_new_static ("x", 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *refused_url = NULL;
  Collector c;
  int exit_code;

  fixture->status = SOUP_STATUS_BAD_GATEWAY;
  fixture->status_body = g_strdup ("{\"sandboxId\":\"i1x2\",\"message\":\"The sandbox was not found\",\"code\":502}");

  g_assert_false (forge_e2b_envd_run (envd, "x", NULL, NULL, 0, NULL, NULL, &exit_code, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_GONE);
  g_clear_error (&error);

  collector_init (&c);
  g_assert_null (forge_e2b_envd_start_process (envd, "x", NULL, NULL, 0, collect_event, &c, collector_destroyed, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_GONE);
  g_assert_true (c.destroyed);
  g_clear_error (&error);
  collector_clear (&c);

  g_assert_false (forge_e2b_envd_send_signal (envd, 3, "SIGNAL_SIGTERM", NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_GONE);
  g_clear_error (&error);

  g_assert_false (forge_e2b_envd_upload_bytes (envd, "/home/user/x", contents, NULL, NULL, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_GONE);
  g_clear_error (&error);

  /* A 502 for something else is no proof. */
  g_free (fixture->status_body);
  fixture->status_body = g_strdup ("{\"message\":\"port is not open\",\"code\":502}");
  g_assert_false (forge_e2b_envd_run (envd, "x", NULL, NULL, 0, NULL, NULL, &exit_code, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "port is not open"));
  g_clear_error (&error);

  /* Refused: a port nobody listens on (bound, never listening). */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  refused_url = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  refused = forge_e2b_envd_new (refused_url, TOKEN);
  g_assert_false (forge_e2b_envd_run (refused, "x", NULL, NULL, 0, NULL, NULL, &exit_code, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_GONE);
  assert_no_token (error);
}

static void
test_unauthorized (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  g_autoptr(GError) error = NULL;
  int exit_code;

  fixture->status = SOUP_STATUS_UNAUTHORIZED;
  fixture->status_body = g_strdup ("{\"code\":401,\"message\":\"invalid access token " TOKEN "\"}");
  g_assert_false (forge_e2b_envd_run (envd, "x", NULL, NULL, 0, NULL, NULL, &exit_code, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_UNAUTHORIZED);
  assert_no_token (error);
  g_clear_error (&error);

  /* Echoed in an answer we quote: scrubbed. */
  fixture->status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
  g_assert_false (forge_e2b_envd_download_file (envd, "/home/user/a", 100, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "invalid access token"));
  assert_no_token (error);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_thread (gpointer data)
{
  g_usleep (300 * 1000);
  cancel_later (data);
  return NULL;
}

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *d1 = data_event ("stdout", "installing\n");
  g_autoptr(JsonNode) sent = NULL;
  GThread *thread;
  int exit_code = -1;
  gint64 started = g_get_monotonic_time ();

  add_envelope (fixture, 0, "{\"event\":{\"start\":{\"pid\":4242}}}");
  add_envelope (fixture, 0, d1);
  add_step (fixture, STEP_HANG, NULL);

  thread = g_thread_new ("canceller", cancel_thread, cancellable);
  g_assert_false (forge_e2b_envd_run (envd, "sleep 1000", NULL, NULL, 0, NULL, NULL, &exit_code, cancellable, &error));
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);

  g_mutex_lock (&fixture->mutex);
  g_assert_cmpuint (fixture->signals, ==, 1);
  sent = json_from_string (fixture->last_signal, NULL);
  g_assert_cmpstr (header (fixture, "content-type"), ==, "application/json");
  g_assert_cmpstr (header (fixture, "x-access-token"), ==, TOKEN);
  g_mutex_unlock (&fixture->mutex);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (sent), "process"), "pid"), ==, 4242);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (sent), "signal"), ==, "SIGNAL_SIGKILL");
}

static void
test_disconnect (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  g_autoptr(ForgeEnvdProcess) process = NULL;
  g_autoptr(GError) error = NULL;
  Collector c;

  collector_init (&c);
  add_envelope (fixture, 0, "{\"event\":{\"start\":{\"pid\":5}}}");
  add_envelope (fixture, 0, "{\"event\":{\"keepalive\":{}}}");
  add_step (fixture, STEP_HANG, NULL);
  process = forge_e2b_envd_start_process (envd, "npm run dev", NULL, NULL, 0,
                                          collect_event, &c, collector_destroyed, &error);
  g_assert_no_error (error);
  g_assert_false (forge_envd_process_wait_closed (process, 200));
  forge_envd_process_disconnect (process);
  g_assert_true (forge_envd_process_wait_closed (process, 10000));
  g_assert_error (c.closed_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (c.destroyed);
  collector_clear (&c);
}

static void
test_send_signal (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  g_autoptr(GError) error = NULL;

  g_assert_true (forge_e2b_envd_send_signal (envd, 77, "SIGNAL_SIGTERM", NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (fixture->last_signal, ==, "{\"process\":{\"pid\":77},\"signal\":\"SIGNAL_SIGTERM\"}");
  g_assert_cmpstr (header (fixture, "content-type"), ==, "application/json");

  fixture->signal_not_found = TRUE;
  g_assert_false (forge_e2b_envd_send_signal (envd, 42, "SIGNAL_SIGKILL", NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_NOT_FOUND);
}

static void
record_progress (guint64  done,
                 gint64   total,
                 gpointer user_data)
{
  guint64 *last = user_data;

  g_assert_cmpuint (done, >=, *last);
  *last = done;
}

static void
test_files (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(ForgeE2bEnvd) envd = forge_e2b_envd_new (fixture->base, TOKEN);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GBytes) downloaded = NULL;
  g_autoptr(GInputStream) stream = NULL;
  guint8 *data_bytes = g_malloc (300 * 1024);
  guint64 progress = 0;

  for (gsize i = 0; i < 300 * 1024; i++)
    data_bytes[i] = i * 7;
  contents = g_bytes_new_take (data_bytes, 300 * 1024);

  g_assert_true (forge_e2b_envd_upload_bytes (envd, "/home/user/a b.tar", contents,
                                              record_progress, &progress, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (progress, ==, 300 * 1024);
  g_assert_true (g_bytes_equal (fixture->last_body, contents));
  g_assert_cmpstr (header (fixture, "content-type"), ==, "application/octet-stream");
  g_assert_cmpstr (fixture->last_query, ==, "path=%2Fhome%2Fuser%2Fa%20b.tar&username=user");

  stream = g_memory_input_stream_new_from_bytes (contents);
  progress = 0;
  g_assert_true (forge_e2b_envd_upload_stream (envd, "/home/user/c.tar", stream, g_bytes_get_size (contents),
                                               record_progress, &progress, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (progress, ==, 300 * 1024);
  g_assert_true (g_bytes_equal (fixture->last_body, contents));

  fixture->download = g_bytes_ref (contents);
  downloaded = forge_e2b_envd_download_file (envd, "/home/user/c.tar", 1024 * 1024, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (downloaded, contents));
  g_assert_null (forge_e2b_envd_download_file (envd, "/home/user/c.tar", 1000, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_TOO_LARGE);
  g_clear_error (&error);
  g_clear_pointer (&fixture->download, g_bytes_unref);
  g_assert_null (forge_e2b_envd_download_file (envd, "/home/user/missing", 1000, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_NOT_FOUND);
  g_clear_error (&error);

  fixture->status = SOUP_STATUS_INSUFFICIENT_STORAGE;
  fixture->status_body = g_strdup ("{\"code\":507,\"message\":\"not enough disk space\"}");
  g_assert_false (forge_e2b_envd_upload_bytes (envd, "/home/user/a.tar", contents, NULL, NULL, NULL, &error));
  g_assert_error (error, FORGE_ENVD_ERROR, FORGE_ENVD_ERROR_DISK_FULL);
  g_assert_cmpstr (error->message, ==, "The sandbox's disk is full");
}

int
main (int   argc,
      char *argv[])
{
  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_log, NULL, NULL);
  g_log_set_debug_enabled (TRUE);

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/e2b-envd/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("run", test_run);
  ADD ("start-process", test_start_process);
  ADD ("start-process-cut", test_start_process_cut);
  ADD ("connect-process", test_connect_process);
  ADD ("run-cut", test_run_cut);
  ADD ("end-stream-error", test_end_stream_error);
  ADD ("exit-codes", test_exit_codes);
  ADD ("long-lines", test_long_lines);
  ADD ("gone", test_gone);
  ADD ("unauthorized", test_unauthorized);
  ADD ("cancel", test_cancel);
  ADD ("disconnect", test_disconnect);
  ADD ("send-signal", test_send_signal);
  ADD ("files", test_files);

  return g_test_run ();
}
