/* test-e2b-api.c
 *
 * Where E2B is reached (every row of the table in
 * src/core/sandbox/e2b/README.md), and the control-plane client against a
 * SoupServer on loopback answering as the real API does: 201 create, 204
 * timeout, 404 for an unknown id, 401, 429 and 5xx (retried), 409,
 * malformed and oversized bodies, pagination through X-Next-Token. The
 * server runs in a thread of its own: the sync calls block the test's.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "forge-e2b-api.h"
#include "forge-test-server.h"

#define API_KEY   "e2b_test_5ecret_key_0f_the_test_account"
#define WRONG_KEY "e2b_wrong_key_th4t_must_not_leak"
/* The API's limit in this stand-in: a Hobby plan's hour. */
#define PLAN_MAX_S 3600
/* Server-side page size, small so that three pages are few sandboxes. */
#define PAGE_SIZE 2

/* ---- everything logged, to look for secrets in ---- */

static GMutex   log_lock;
static GString *log_text;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_mutex_lock (&log_lock);
  for (gsize i = 0; i < n_fields; i++)
    {
      if (fields[i].length < 0)
        g_string_append_printf (log_text, "%s=%s\n", fields[i].key, (const char *) fields[i].value);
      else
        {
          g_string_append_printf (log_text, "%s=", fields[i].key);
          g_string_append_len (log_text, fields[i].value, fields[i].length);
          g_string_append_c (log_text, '\n');
        }
    }
  g_mutex_unlock (&log_lock);

  /* Warnings and worse still show, and still fail the test. */
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return g_log_writer_default (log_level, fields, n_fields, user_data);
  return G_LOG_WRITER_HANDLED;
}

static void
assert_no_secret (const char *text)
{
  g_assert_nonnull (text);
  g_assert_null (strstr (text, API_KEY));
  g_assert_null (strstr (text, WRONG_KEY));
  /* envd's tokens are secrets too. */
  g_assert_null (strstr (text, "envd-token-"));
}

static void
assert_log_has_no_secret (void)
{
  g_mutex_lock (&log_lock);
  assert_no_secret (log_text->str);
  g_mutex_unlock (&log_lock);
}

static void
assert_log_contains (const char *text)
{
  g_mutex_lock (&log_lock);
  g_assert_nonnull (strstr (log_text->str, text));
  g_mutex_unlock (&log_lock);
}

/* ---- the stand-in ---- */

typedef enum
{
  ANSWER_PLAIN,             /* status and body as given */
  ANSWER_OVERSIZED_LENGTH,  /* 2 MiB with a Content-Length */
  ANSWER_OVERSIZED_CHUNKED, /* 2 MiB, chunked */
} AnswerKind;

typedef struct
{
  AnswerKind  kind;
  guint       status;
  char       *body;
  char       *retry_after;
} Scripted;

typedef struct
{
  char       *id;
  char       *template_id;
  gint64      end_at;       /* unix seconds */
  gboolean    paused;
  GHashTable *metadata;
} FakeSandbox;

typedef struct
{
  char *method;
  char *path;
  char *query;     /* raw, or NULL */
  char *body;
  char *api_key;
} Recorded;

typedef struct
{
  ForgeTestServer *server;
  GMutex        mutex;       /* guards everything below */
  char         *base;

  GHashTable   *sandboxes;   /* id → FakeSandbox */
  guint         next_id;
  GQueue        script;      /* Scripted, answered before the API */
  GPtrArray    *requests;    /* Recorded */
} Fixture;

static void
scripted_free (Scripted *scripted)
{
  g_free (scripted->body);
  g_free (scripted->retry_after);
  g_free (scripted);
}

static void
fake_sandbox_free (FakeSandbox *sandbox)
{
  g_free (sandbox->id);
  g_free (sandbox->template_id);
  g_hash_table_unref (sandbox->metadata);
  g_free (sandbox);
}

static void
recorded_free (Recorded *recorded)
{
  g_free (recorded->method);
  g_free (recorded->path);
  g_free (recorded->query);
  g_free (recorded->body);
  g_free (recorded->api_key);
  g_free (recorded);
}

static void
script (Fixture    *fixture,
        AnswerKind  kind,
        guint       status,
        const char *body,
        guint       times)
{
  g_mutex_lock (&fixture->mutex);
  for (guint i = 0; i < times; i++)
    {
      Scripted *scripted = g_new0 (Scripted, 1);

      scripted->kind = kind;
      scripted->status = status;
      scripted->body = g_strdup (body);
      g_queue_push_tail (&fixture->script, scripted);
    }
  g_mutex_unlock (&fixture->mutex);
}

static void
answer_json (SoupServerMessage *msg,
             guint              status,
             const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static void
answer_error (SoupServerMessage *msg,
              guint              status,
              const char        *message)
{
  g_autofree char *json = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  answer_json (msg, status, json);
}

static void
answer_scripted (SoupServerMessage *msg,
                 Scripted          *scripted)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (scripted->retry_after != NULL)
    soup_message_headers_replace (headers, "Retry-After", scripted->retry_after);

  switch (scripted->kind)
    {
    case ANSWER_PLAIN:
      answer_json (msg, scripted->status, scripted->body != NULL ? scripted->body : "");
      break;

    case ANSWER_OVERSIZED_LENGTH:
      {
        gsize size = 2 * 1024 * 1024;
        char *big = g_malloc (size);

        memset (big, ' ', size);
        big[0] = '{';
        big[size - 1] = '}';
        soup_server_message_set_status (msg, scripted->status, NULL);
        soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, big, size);
      }
      break;

    case ANSWER_OVERSIZED_CHUNKED:
      {
        SoupMessageBody *body = soup_server_message_get_response_body (msg);
        char chunk[64 * 1024];

        memset (chunk, '[', sizeof chunk);
        soup_server_message_set_status (msg, scripted->status, NULL);
        soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
        soup_message_headers_set_content_type (headers, "application/json", NULL);
        for (guint i = 0; i < 32; i++)
          soup_message_body_append (body, SOUP_MEMORY_COPY, chunk, sizeof chunk);
        soup_message_body_complete (body);
      }
      break;
    }
}

static char *
iso8601 (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_seconds);

  return g_date_time_format_iso8601 (time);
}

static void
add_sandbox_json (JsonBuilder *builder,
                  FakeSandbox *sandbox,
                  gboolean     with_token)
{
  g_autofree char *end = iso8601 (sandbox->end_at);
  GHashTableIter iter;
  gpointer key, value;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "sandboxID");
  json_builder_add_string_value (builder, sandbox->id);
  json_builder_set_member_name (builder, "templateID");
  json_builder_add_string_value (builder, sandbox->template_id);
  json_builder_set_member_name (builder, "clientID");
  json_builder_add_string_value (builder, "6532622b");
  if (with_token)
    {
      g_autofree char *token = g_strdup_printf ("envd-token-%s", sandbox->id);

      json_builder_set_member_name (builder, "envdAccessToken");
      json_builder_add_string_value (builder, token);
      json_builder_set_member_name (builder, "envdVersion");
      json_builder_add_string_value (builder, "0.2.0");
      json_builder_set_member_name (builder, "trafficAccessToken");
      json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "domain");
      if (g_strcmp0 (sandbox->template_id, "no-domain") == 0)
        json_builder_add_null_value (builder);
      else
        json_builder_add_string_value (builder, "sandbox.test");
    }
  else
    {
      json_builder_set_member_name (builder, "startedAt");
      json_builder_add_string_value (builder, "2025-01-01T00:00:00Z");
      json_builder_set_member_name (builder, "endAt");
      json_builder_add_string_value (builder, end);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, sandbox->paused ? "paused" : "running");
      json_builder_set_member_name (builder, "cpuCount");
      json_builder_add_int_value (builder, 2);
      json_builder_set_member_name (builder, "memoryMB");
      json_builder_add_int_value (builder, 512);
      json_builder_set_member_name (builder, "metadata");
      json_builder_begin_object (builder);
      g_hash_table_iter_init (&iter, sandbox->metadata);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          json_builder_set_member_name (builder, key);
          json_builder_add_string_value (builder, value);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
}

static void
answer_sandbox (SoupServerMessage *msg,
                guint              status,
                FakeSandbox       *sandbox,
                gboolean           with_token)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;

  add_sandbox_json (builder, sandbox, with_token);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  answer_json (msg, status, json);
}

/* The "timeout" of a body, or -1 when it has none (or the body is not
 * JSON). */
static gint64
body_timeout (JsonObject *body,
              const char *name)
{
  JsonNode *node = body != NULL ? json_object_get_member (body, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return -1;
  return json_node_get_int (node);
}

static gboolean
check_timeout (SoupServerMessage *msg,
               gint64             timeout)
{
  if (timeout <= 0)
    {
      answer_error (msg, 400, "Timeout must be positive");
      return FALSE;
    }
  if (timeout > PLAN_MAX_S)
    {
      answer_error (msg, 400, "Timeout cannot be greater than 1 hours");
      return FALSE;
    }
  return TRUE;
}

static gboolean
metadata_matches (FakeSandbox *sandbox,
                  GHashTable  *filter)
{
  GHashTableIter iter;
  gpointer key, value;

  if (filter == NULL)
    return TRUE;

  g_hash_table_iter_init (&iter, filter);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (g_hash_table_lookup (sandbox->metadata, key), value) != 0)
      return FALSE;
  return TRUE;
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  return strcmp ((*(FakeSandbox * const *) a)->id, (*(FakeSandbox * const *) b)->id);
}

static void
answer_list (Fixture           *fixture,
             SoupServerMessage *msg,
             GHashTable        *query)
{
  g_autoptr(GPtrArray) matching = g_ptr_array_new ();
  g_autoptr(GHashTable) filter = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  const char *metadata = query != NULL ? g_hash_table_lookup (query, "metadata") : NULL;
  const char *token = query != NULL ? g_hash_table_lookup (query, "nextToken") : NULL;
  guint start = token != NULL ? (guint) g_ascii_strtoull (token, NULL, 10) : 0;
  GHashTableIter iter;
  gpointer value;

  /* As E2B: the value is itself a query string, "k=v&k2=v2". */
  if (metadata != NULL)
    filter = g_uri_parse_params (metadata, -1, "&", G_URI_PARAMS_NONE, NULL);

  g_hash_table_iter_init (&iter, fixture->sandboxes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (metadata_matches (value, filter))
      g_ptr_array_add (matching, value);
  g_ptr_array_sort (matching, compare_ids);

  json_builder_begin_array (builder);
  for (guint i = start; i < matching->len && i < start + PAGE_SIZE; i++)
    add_sandbox_json (builder, g_ptr_array_index (matching, i), FALSE);
  json_builder_end_array (builder);

  if (start + PAGE_SIZE < matching->len)
    {
      g_autofree char *next = g_strdup_printf ("%u", start + PAGE_SIZE);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "X-Next-Token", next);
    }

  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  answer_json (msg, 200, json);
}

static void
answer_api (Fixture           *fixture,
            SoupServerMessage *msg,
            const char        *method,
            const char        *path,
            GHashTable        *query,
            JsonObject        *body)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  guint n_parts = g_strv_length (parts);
  FakeSandbox *sandbox = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (g_str_equal (method, "POST") && g_str_equal (path, "/sandboxes"))
    {
      gint64 timeout = body_timeout (body, "timeout");
      JsonObject *metadata = body != NULL && json_object_has_member (body, "metadata")
        ? json_object_get_object_member (body, "metadata") : NULL;
      const char *template_id = body != NULL ? json_object_get_string_member_with_default (body, "templateID", NULL) : NULL;

      /* The real API takes a missing timeout for 15 s; this one refuses
       * it, so that a request without one cannot pass. */
      if (timeout < 0)
        {
          answer_error (msg, 400, "this stand-in wants a timeout");
          return;
        }
      if (!check_timeout (msg, timeout))
        return;
      if (g_strcmp0 (template_id, "missing") == 0)
        {
          answer_error (msg, 404, "template 'missing' not found");
          return;
        }

      sandbox = g_new0 (FakeSandbox, 1);
      sandbox->id = g_strdup_printf ("sbx%04u", ++fixture->next_id);
      sandbox->template_id = g_strdup (template_id);
      sandbox->end_at = now + timeout;
      sandbox->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      if (metadata != NULL)
        {
          JsonObjectIter iter;
          const char *key;
          JsonNode *value;

          json_object_iter_init (&iter, metadata);
          while (json_object_iter_next (&iter, &key, &value))
            g_hash_table_insert (sandbox->metadata, g_strdup (key), g_strdup (json_node_get_string (value)));
        }
      g_hash_table_insert (fixture->sandboxes, sandbox->id, sandbox);
      answer_sandbox (msg, 201, sandbox, TRUE);
      return;
    }

  if (g_str_equal (method, "GET") && g_str_equal (path, "/v2/sandboxes"))
    {
      answer_list (fixture, msg, query);
      return;
    }

  /* "", "sandboxes", id[, action] */
  if (n_parts < 3 || n_parts > 4 || !g_str_equal (parts[1], "sandboxes"))
    {
      answer_error (msg, 404, "no such path");
      return;
    }

  sandbox = g_hash_table_lookup (fixture->sandboxes, parts[2]);
  if (sandbox == NULL)
    {
      g_autofree char *message = g_strdup_printf ("sandbox \"%s\" not found", parts[2]);

      answer_error (msg, 404, message);
      return;
    }

  if (n_parts == 3 && g_str_equal (method, "GET"))
    answer_sandbox (msg, 200, sandbox, FALSE);
  else if (n_parts == 3 && g_str_equal (method, "DELETE"))
    {
      g_hash_table_remove (fixture->sandboxes, parts[2]);
      soup_server_message_set_status (msg, 204, NULL);
    }
  else if (n_parts == 4 && g_str_equal (method, "POST") && g_str_equal (parts[3], "timeout"))
    {
      gint64 timeout = body_timeout (body, "timeout");

      if (check_timeout (msg, timeout))
        {
          /* As E2B: the remaining life becomes timeout, shorter or not. */
          sandbox->end_at = now + timeout;
          soup_server_message_set_status (msg, 204, NULL);
        }
    }
  else if (n_parts == 4 && g_str_equal (method, "POST") && g_str_equal (parts[3], "pause"))
    {
      if (sandbox->paused)
        answer_error (msg, 409, "Sandbox is already paused");
      else
        {
          sandbox->paused = TRUE;
          soup_server_message_set_status (msg, 204, NULL);
        }
    }
  else if (n_parts == 4 && g_str_equal (method, "POST") && g_str_equal (parts[3], "connect"))
    {
      gint64 timeout = body_timeout (body, "timeout");
      gboolean was_paused = sandbox->paused;

      if (check_timeout (msg, timeout))
        {
          sandbox->paused = FALSE;
          sandbox->end_at = now + timeout;
          answer_sandbox (msg, was_paused ? 201 : 200, sandbox, TRUE);
        }
    }
  else
    answer_error (msg, 405, "method not allowed");
}

static void
handle_request (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Fixture *fixture = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  const char *method = soup_server_message_get_method (msg);
  const char *key = soup_message_headers_get_one (headers, "X-API-Key");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *body = NULL;
  Recorded *recorded;
  Scripted *scripted;

  recorded = g_new0 (Recorded, 1);
  recorded->method = g_strdup (method);
  recorded->path = g_strdup (path);
  recorded->query = g_strdup (g_uri_get_query (soup_server_message_get_uri (msg)));
  recorded->body = g_strndup (request_body->data, request_body->length);
  recorded->api_key = g_strdup (key);

  if (request_body->length > 0 &&
      json_parser_load_from_data (parser, request_body->data, request_body->length, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    body = json_node_get_object (json_parser_get_root (parser));

  g_mutex_lock (&fixture->mutex);
  g_ptr_array_add (fixture->requests, recorded);

  if ((scripted = g_queue_pop_head (&fixture->script)) != NULL)
    {
      answer_scripted (msg, scripted);
      scripted_free (scripted);
    }
  else if (g_strcmp0 (key, API_KEY) != 0)
    {
      /* Echoing what it was sent, as some servers do: the client must
       * redact it. */
      g_autofree char *message = g_strdup_printf ("Invalid API key %s", key != NULL ? key : "");

      answer_error (msg, 401, message);
    }
  else
    answer_api (fixture, msg, method, path, query, body);
  g_mutex_unlock (&fixture->mutex);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_mutex_init (&fixture->mutex);
  g_queue_init (&fixture->script);
  fixture->sandboxes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) fake_sandbox_free);
  fixture->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) recorded_free);

  fixture->server = forge_test_server_new ("forge-test-e2b", handle_request, fixture);
  fixture->base = g_strdup (forge_test_server_get_base (fixture->server));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* Let the async calls' last callbacks run. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_clear_pointer (&fixture->server, forge_test_server_free);

  /* Whatever the test did, nothing it logged holds a secret. */
  assert_log_has_no_secret ();

  g_queue_clear_full (&fixture->script, (GDestroyNotify) scripted_free);
  g_hash_table_unref (fixture->sandboxes);
  g_ptr_array_unref (fixture->requests);
  g_free (fixture->base);
  g_mutex_clear (&fixture->mutex);
}

static ForgeE2bApi *
api_with_key (Fixture    *fixture,
              const char *key)
{
  g_autofree char *api_url = g_strdup_printf ("E2B_API_URL=%s/", fixture->base);
  const char *envp[] = { api_url, "E2B_DOMAIN=e2b.test", NULL };
  g_autoptr(ForgeE2bConfig) config = forge_e2b_config_new (envp, key);
  ForgeE2bApi *api = forge_e2b_api_new (config);

  /* Retries, but fast. */
  forge_e2b_api_set_retry_policy (api, 4, 1, 5000);
  return api;
}

static ForgeE2bApi *
api_new (Fixture *fixture)
{
  return api_with_key (fixture, API_KEY);
}

static guint
n_requests (Fixture *fixture)
{
  guint n;

  g_mutex_lock (&fixture->mutex);
  n = fixture->requests->len;
  g_mutex_unlock (&fixture->mutex);
  return n;
}

/* Read after the calls returned: the server thread is idle then. */
static Recorded *
request_at (Fixture *fixture,
            guint    index)
{
  g_assert_cmpuint (index, <, fixture->requests->len);
  return g_ptr_array_index (fixture->requests, index);
}

static Recorded *
last_request (Fixture *fixture)
{
  g_assert_cmpuint (fixture->requests->len, >, 0);
  return request_at (fixture, fixture->requests->len - 1);
}

static GHashTable *
string_table (const char *first_key,
              ...)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  va_list args;

  va_start (args, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (args, const char *))
    g_hash_table_insert (table, g_strdup (key), g_strdup (va_arg (args, const char *)));
  va_end (args);
  return table;
}

static ForgeE2bSandboxInfo *
create (ForgeE2bApi *api,
        guint        timeout_s,
        GHashTable  *metadata)
{
  g_autoptr(GError) error = NULL;
  ForgeE2bSandboxInfo *info;

  info = forge_e2b_api_create_sandbox_sync (api, "base", timeout_s, metadata, NULL, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  return info;
}

static void
set_end_in (Fixture    *fixture,
            const char *id,
            gint64      seconds)
{
  FakeSandbox *sandbox;

  g_mutex_lock (&fixture->mutex);
  sandbox = g_hash_table_lookup (fixture->sandboxes, id);
  g_assert_nonnull (sandbox);
  sandbox->end_at = g_get_real_time () / G_USEC_PER_SEC + seconds;
  g_mutex_unlock (&fixture->mutex);
}

static gint64
end_in (Fixture    *fixture,
        const char *id)
{
  FakeSandbox *sandbox;
  gint64 seconds;

  g_mutex_lock (&fixture->mutex);
  sandbox = g_hash_table_lookup (fixture->sandboxes, id);
  g_assert_nonnull (sandbox);
  seconds = sandbox->end_at - g_get_real_time () / G_USEC_PER_SEC;
  g_mutex_unlock (&fixture->mutex);
  return seconds;
}

/* ---- configuration: every row of the table ---- */

static void
test_config_defaults (void)
{
  const char *envp[] = { "HOME=/home/someone", NULL };
  g_autoptr(ForgeE2bConfig) config = forge_e2b_config_new (envp, "k");
  g_autofree char *envd = forge_e2b_config_dup_envd_url (config, "sbx1", NULL);
  g_autofree char *envd_own = forge_e2b_config_dup_envd_url (config, "sbx1", "eu.e2b.dev");
  g_autofree char *port = forge_e2b_config_dup_port_url (config, 3000, "sbx1", NULL);
  g_autofree char *port_own = forge_e2b_config_dup_port_url (config, 5173, "sbx1", "eu.e2b.dev");

  g_assert_false (forge_e2b_config_is_debug (config));
  g_assert_cmpstr (forge_e2b_config_get_domain (config), ==, "e2b.app");
  g_assert_cmpstr (forge_e2b_config_get_api_url (config), ==, "https://api.e2b.app");
  g_assert_cmpstr (envd, ==, "https://49983-sbx1.e2b.app");
  /* The sandbox's own domain wins over the configured one. */
  g_assert_cmpstr (envd_own, ==, "https://49983-sbx1.eu.e2b.dev");
  g_assert_cmpstr (port, ==, "https://3000-sbx1.e2b.app");
  g_assert_cmpstr (port_own, ==, "https://5173-sbx1.eu.e2b.dev");
}

static void
test_config_domain (void)
{
  const char *envp[] = { "E2B_DOMAIN=e2b.example.org", NULL };
  g_autoptr(ForgeE2bConfig) config = forge_e2b_config_new (envp, "k");
  g_autofree char *envd = forge_e2b_config_dup_envd_url (config, "abc", "");
  g_autofree char *port = forge_e2b_config_dup_port_url (config, 8080, "abc", NULL);

  g_assert_cmpstr (forge_e2b_config_get_domain (config), ==, "e2b.example.org");
  g_assert_cmpstr (forge_e2b_config_get_api_url (config), ==, "https://api.e2b.example.org");
  g_assert_cmpstr (envd, ==, "https://49983-abc.e2b.example.org");
  g_assert_cmpstr (port, ==, "https://8080-abc.e2b.example.org");
}

static void
test_config_overrides (void)
{
  const char *envp[] = {
    "E2B_DOMAIN=e2b.example.org",
    "E2B_API_URL=http://127.0.0.1:1234//",
    "E2B_SANDBOX_URL=http://127.0.0.1:4999/",
    NULL
  };
  g_autoptr(ForgeE2bConfig) config = forge_e2b_config_new (envp, "k");
  g_autofree char *envd = forge_e2b_config_dup_envd_url (config, "abc", "other.domain");
  g_autofree char *port = forge_e2b_config_dup_port_url (config, 3000, "abc", NULL);

  g_assert_cmpstr (forge_e2b_config_get_api_url (config), ==, "http://127.0.0.1:1234");
  g_assert_cmpstr (envd, ==, "http://127.0.0.1:4999");
  /* E2B_SANDBOX_URL is envd's alone, as in the SDK. */
  g_assert_cmpstr (port, ==, "https://3000-abc.e2b.example.org");
}

static void
test_config_debug (void)
{
  const char *envp[] = { "E2B_DEBUG=TRUE", "E2B_DOMAIN=ignored.example", NULL };
  g_autoptr(ForgeE2bConfig) config = forge_e2b_config_new (envp, "k");
  g_autofree char *envd = forge_e2b_config_dup_envd_url (config, "abc", "sandbox.domain");
  g_autofree char *port = forge_e2b_config_dup_port_url (config, 3000, "abc", "sandbox.domain");

  g_assert_true (forge_e2b_config_is_debug (config));
  g_assert_cmpstr (forge_e2b_config_get_api_url (config), ==, "http://localhost:3000");
  g_assert_cmpstr (envd, ==, "http://localhost:49983");
  g_assert_cmpstr (port, ==, "http://localhost:3000");
}

static void
test_config_debug_overrides (void)
{
  const char *envp[] = {
    "E2B_DEBUG=true",
    "E2B_API_URL=http://127.0.0.1:7000",
    "E2B_SANDBOX_URL=http://127.0.0.1:7001",
    NULL
  };
  g_autoptr(ForgeE2bConfig) config = forge_e2b_config_new (envp, "k");
  g_autofree char *envd = forge_e2b_config_dup_envd_url (config, "abc", NULL);
  g_autofree char *port = forge_e2b_config_dup_port_url (config, 5173, "abc", NULL);

  g_assert_cmpstr (forge_e2b_config_get_api_url (config), ==, "http://127.0.0.1:7000");
  g_assert_cmpstr (envd, ==, "http://127.0.0.1:7001");
  g_assert_cmpstr (port, ==, "http://localhost:5173");
}

static void
test_config_debug_values (void)
{
  const char *not_debug[] = { "1", "yes", "on", "", "false", NULL };

  /* Only "true", in any case, as `toLowerCase() === 'true'`. */
  for (guint i = 0; not_debug[i] != NULL; i++)
    {
      g_autofree char *var = g_strdup_printf ("E2B_DEBUG=%s", not_debug[i]);
      const char *envp[] = { var, NULL };
      g_autoptr(ForgeE2bConfig) config = forge_e2b_config_new (envp, "k");

      g_assert_false (forge_e2b_config_is_debug (config));
    }
}

static void
test_config_empty_is_unset (void)
{
  const char *envp[] = { "E2B_DOMAIN=", "E2B_API_URL=", "E2B_SANDBOX_URL=", "E2B_API_KEY=", "E2B_FULLSTACK_TEMPLATE_ID=", NULL };
  g_autoptr(ForgeE2bConfig) config = forge_e2b_config_new (envp, NULL);
  g_autofree char *envd = forge_e2b_config_dup_envd_url (config, "abc", NULL);

  g_assert_cmpstr (forge_e2b_config_get_domain (config), ==, "e2b.app");
  g_assert_cmpstr (forge_e2b_config_get_api_url (config), ==, "https://api.e2b.app");
  g_assert_cmpstr (envd, ==, "https://49983-abc.e2b.app");
  g_assert_false (forge_e2b_config_has_api_key (config));
  g_assert_cmpstr (forge_e2b_config_resolve_template (config, NULL), ==, "base");
}

static void
test_config_api_key (void)
{
  const char *envp[] = { "E2B_API_KEY=from-env", NULL };
  g_autoptr(ForgeE2bConfig) given = forge_e2b_config_new (envp, "from-keyring");
  g_autoptr(ForgeE2bConfig) env = forge_e2b_config_new (envp, NULL);
  g_autoptr(ForgeE2bConfig) env_empty = forge_e2b_config_new (envp, "");
  g_autoptr(ForgeE2bConfig) none = forge_e2b_config_new (NULL, NULL);

  /* The keyring's key wins; the environment's only stands in. */
  g_assert_cmpstr (forge_e2b_config_get_api_key (given), ==, "from-keyring");
  g_assert_cmpstr (forge_e2b_config_get_api_key (env), ==, "from-env");
  g_assert_cmpstr (forge_e2b_config_get_api_key (env_empty), ==, "from-env");
  g_assert_null (forge_e2b_config_get_api_key (none));
  g_assert_false (forge_e2b_config_has_api_key (none));
}

static void
test_config_template (void)
{
  const char *with_env[] = { "E2B_FULLSTACK_TEMPLATE_ID=fullstack-v3", NULL };
  g_autoptr(ForgeE2bConfig) env = forge_e2b_config_new (with_env, "k");
  g_autoptr(ForgeE2bConfig) plain = forge_e2b_config_new (NULL, "k");

  g_assert_cmpstr (forge_e2b_config_resolve_template (env, "project-tpl"), ==, "fullstack-v3");
  g_assert_cmpstr (forge_e2b_config_resolve_template (plain, "project-tpl"), ==, "project-tpl");
  g_assert_cmpstr (forge_e2b_config_resolve_template (plain, ""), ==, "base");
  g_assert_cmpstr (forge_e2b_config_resolve_template (plain, NULL), ==, "base");
}

static void
test_clean_message (void)
{
  const char *secrets[] = { "s3cret", "", NULL };
  g_autofree char *cleaned = forge_e2b_error_clean_message ("bad\nkey\t s3cret\x01 here", -1, secrets);
  g_autofree char *empty = forge_e2b_error_clean_message (" \n\t", -1, NULL);
  g_autofree char *long_text = g_strnfill (1000, 'x');
  g_autofree char *cut = forge_e2b_error_clean_message (long_text, -1, NULL);
  g_autofree char *invalid = forge_e2b_error_clean_message ("a\xff\xfe b", -1, NULL);

  g_assert_cmpstr (cleaned, ==, "bad key [redacted] here");
  g_assert_null (empty);
  g_assert_cmpuint (g_utf8_strlen (cut, -1), ==, 201);
  g_assert_true (g_utf8_validate (invalid, -1, NULL));
}

/* ---- the API ---- */

static void
test_create (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(GHashTable) metadata = string_table ("forge.app", "forge-preview", "forge.project", "p-42", NULL);
  g_autoptr(GHashTable) env_vars = string_table ("NODE_ENV", "development", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeE2bSandboxInfo) info = NULL;
  g_autoptr(ForgeE2bSandboxInfo) no_domain = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *body;
  Recorded *request;

  info = forge_e2b_api_create_sandbox_sync (api, "fullstack", 600, metadata, env_vars, TRUE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->sandbox_id, ==, "sbx0001");
  g_assert_cmpstr (info->template_id, ==, "fullstack");
  g_assert_cmpstr (info->envd_access_token, ==, "envd-token-sbx0001");
  g_assert_cmpstr (info->domain, ==, "sandbox.test");
  g_assert_cmpstr (info->envd_version, ==, "0.2.0");

  request = last_request (fixture);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->path, ==, "/sandboxes");
  g_assert_cmpstr (request->api_key, ==, API_KEY);
  /* The capture sees the debug log: what the secret checks search. */
  assert_log_contains ("POST /sandboxes → 201");
  g_assert_true (json_parser_load_from_data (parser, request->body, -1, NULL));
  body = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (body, "templateID"), ==, "fullstack");
  g_assert_cmpint (json_object_get_int_member (body, "timeout"), ==, 600);
  g_assert_true (json_object_get_boolean_member (body, "autoPause"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (body, "metadata"), "forge.project"), ==, "p-42");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (body, "metadata"), "forge.app"), ==, "forge-preview");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (body, "envVars"), "NODE_ENV"), ==, "development");

  /* Without metadata, and a null domain: the configured one. The timeout
   * is sent all the same (the stand-in refuses a request without). */
  no_domain = forge_e2b_api_create_sandbox_sync (api, "no-domain", 300, NULL, NULL, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (no_domain->domain, ==, "e2b.test");
  g_assert_nonnull (strstr (last_request (fixture)->body, "\"timeout\":300"));
  g_assert_nonnull (strstr (last_request (fixture)->body, "\"autoPause\":false"));
}

static void
test_create_timeout_too_long (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeE2bSandboxInfo) info = NULL;

  info = forge_e2b_api_create_sandbox_sync (api, "base", 2 * 3600, NULL, NULL, FALSE, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_TIMEOUT_TOO_LONG);
  /* What was asked, and the plan's limit as E2B said it. */
  g_assert_nonnull (strstr (error->message, "2 hours"));
  g_assert_nonnull (strstr (error->message, "at most 1 hour"));
  g_assert_null (strchr (error->message, '\n'));
  /* A 400 is not retried. */
  g_assert_cmpuint (n_requests (fixture), ==, 1);
}

static void
test_create_template_not_found (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeE2bSandboxInfo) info = NULL;

  info = forge_e2b_api_create_sandbox_sync (api, "missing", 300, NULL, NULL, FALSE, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_TEMPLATE_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "missing"));
}

static void
test_get_and_not_found (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(GHashTable) metadata = string_table ("forge.project", "p-1", NULL);
  g_autoptr(ForgeE2bSandboxInfo) info = create (api, 300, metadata);
  g_autoptr(ForgeE2bSandboxDetail) detail = NULL;
  g_autoptr(ForgeE2bSandboxDetail) gone = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;
  GTimeSpan left;

  detail = forge_e2b_api_get_sandbox_sync (api, info->sandbox_id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (detail->sandbox_id, ==, info->sandbox_id);
  g_assert_cmpint (detail->state, ==, FORGE_E2B_SANDBOX_STATE_RUNNING);
  g_assert_cmpstr (g_hash_table_lookup (detail->metadata, "forge.project"), ==, "p-1");
  g_assert_nonnull (detail->started_at);
  g_assert_nonnull (detail->end_at);
  left = g_date_time_difference (detail->end_at, now) / G_TIME_SPAN_SECOND;
  g_assert_cmpint (left, >=, 290);
  g_assert_cmpint (left, <=, 301);
  g_assert_cmpstr (last_request (fixture)->path, ==, "/sandboxes/sbx0001");

  gone = forge_e2b_api_get_sandbox_sync (api, "sbx9999", NULL, &error);
  g_assert_null (gone);
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "sbx9999"));
}

static void
test_extend_never_shortens (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(ForgeE2bSandboxInfo) info = create (api, 300, NULL);
  g_autoptr(GError) error = NULL;
  gboolean extended = TRUE;
  guint before;

  /* Someone gave it 50 minutes: asking for 10 must leave them. */
  set_end_in (fixture, info->sandbox_id, 3000);
  before = n_requests (fixture);
  {
    g_autoptr(ForgeE2bSandboxDetail) detail =
      forge_e2b_api_extend_timeout_sync (api, info->sandbox_id, 600, &extended, NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (detail);
  }
  g_assert_false (extended);
  g_assert_cmpuint (n_requests (fixture), ==, before + 1);
  g_assert_cmpstr (last_request (fixture)->method, ==, "GET");
  g_assert_cmpint (end_in (fixture, info->sandbox_id), >=, 2990);

  /* Two minutes left: ten asked, ten given. */
  set_end_in (fixture, info->sandbox_id, 120);
  before = n_requests (fixture);
  {
    g_autoptr(ForgeE2bSandboxDetail) detail =
      forge_e2b_api_extend_timeout_sync (api, info->sandbox_id, 600, &extended, NULL, &error);
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    g_assert_no_error (error);
    g_assert_cmpint (g_date_time_difference (detail->end_at, now) / G_TIME_SPAN_SECOND, >=, 590);
  }
  g_assert_true (extended);
  g_assert_cmpuint (n_requests (fixture), ==, before + 2);
  g_assert_cmpstr (last_request (fixture)->method, ==, "POST");
  g_assert_cmpstr (last_request (fixture)->path, ==, "/sandboxes/sbx0001/timeout");
  g_assert_cmpstr (last_request (fixture)->body, ==, "{\"timeout\":600}");
  g_assert_cmpint (end_in (fixture, info->sandbox_id), >=, 590);
  g_assert_cmpint (end_in (fixture, info->sandbox_id), <=, 600);

  /* Gone: the GET says so. */
  {
    g_autoptr(ForgeE2bSandboxDetail) detail =
      forge_e2b_api_extend_timeout_sync (api, "sbx4242", 600, &extended, NULL, &error);

    g_assert_null (detail);
    g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND);
    g_assert_false (extended);
  }
}

static void
test_kill (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(ForgeE2bSandboxInfo) info = create (api, 300, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (forge_e2b_api_kill_sandbox_sync (api, info->sandbox_id, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (last_request (fixture)->method, ==, "DELETE");

  g_assert_false (forge_e2b_api_kill_sandbox_sync (api, info->sandbox_id, NULL, &error));
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND);
}

static void
test_pause_and_connect (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(ForgeE2bSandboxInfo) info = create (api, 300, NULL);
  g_autoptr(ForgeE2bSandboxInfo) resumed = NULL;
  g_autoptr(ForgeE2bSandboxDetail) detail = NULL;
  g_autoptr(GError) error = NULL;
  gboolean extended = TRUE;
  guint before;

  g_assert_true (forge_e2b_api_pause_sandbox_sync (api, info->sandbox_id, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (last_request (fixture)->path, ==, "/sandboxes/sbx0001/pause");

  g_assert_false (forge_e2b_api_pause_sandbox_sync (api, info->sandbox_id, NULL, &error));
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "already paused"));
  g_clear_error (&error);

  /* A keepalive on a paused sandbox is no resume. */
  before = n_requests (fixture);
  detail = forge_e2b_api_extend_timeout_sync (api, info->sandbox_id, 600, &extended, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (detail->state, ==, FORGE_E2B_SANDBOX_STATE_PAUSED);
  g_assert_false (extended);
  g_assert_cmpuint (n_requests (fixture), ==, before + 1);

  resumed = forge_e2b_api_connect_sandbox_sync (api, info->sandbox_id, 900, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (resumed->sandbox_id, ==, info->sandbox_id);
  g_assert_cmpstr (resumed->envd_access_token, ==, "envd-token-sbx0001");
  g_assert_cmpstr (last_request (fixture)->path, ==, "/sandboxes/sbx0001/connect");
  g_assert_cmpstr (last_request (fixture)->body, ==, "{\"timeout\":900}");

  g_assert_null (forge_e2b_api_connect_sandbox_sync (api, "sbx7777", 900, NULL, &error));
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND);
}

static void
test_list_paginated (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(GHashTable) ours = string_table ("forge.app", "forge preview&co", "forge.host", "desk=1", NULL);
  g_autoptr(GHashTable) theirs = string_table ("forge.app", "other", NULL);
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  guint before;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(ForgeE2bSandboxInfo) info = create (api, 300, i % 2 == 0 ? ours : theirs);
    }

  /* Three of ours over two pages of two. */
  before = n_requests (fixture);
  found = forge_e2b_api_list_sandboxes_sync (api, ours, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 3);
  g_assert_cmpuint (n_requests (fixture), ==, before + 2);
  for (guint i = 0; i < found->len; i++)
    {
      ForgeE2bSandboxDetail *detail = g_ptr_array_index (found, i);

      g_assert_cmpstr (g_hash_table_lookup (detail->metadata, "forge.app"), ==, "forge preview&co");
    }
  g_assert_cmpstr (((ForgeE2bSandboxDetail *) g_ptr_array_index (found, 2))->sandbox_id, ==, "sbx0005");
  /* The filter is one escaped value, the token the one from the header. */
  g_assert_nonnull (strstr (request_at (fixture, before)->query, "metadata=forge.app%3Dforge%2520preview%2526co%26forge.host%3Ddesk%253D1"));
  g_assert_null (strstr (request_at (fixture, before)->query, "nextToken"));
  g_assert_nonnull (strstr (request_at (fixture, before + 1)->query, "nextToken=2"));
  g_assert_cmpstr (request_at (fixture, before)->path, ==, "/v2/sandboxes");

  /* All five over three pages. */
  before = n_requests (fixture);
  all = forge_e2b_api_list_sandboxes_sync (api, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 5);
  g_assert_cmpuint (n_requests (fixture), ==, before + 3);
  g_assert_null (strstr (request_at (fixture, before)->query, "metadata"));
}

static void
test_unauthorized (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_with_key (fixture, WRONG_KEY);
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeE2bSandboxInfo) info = NULL;

  info = forge_e2b_api_create_sandbox_sync (api, "base", 300, NULL, NULL, FALSE, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "E2B refused the API key: check it in Preferences");
  g_assert_cmpuint (n_requests (fixture), ==, 1);
}

static void
test_forbidden_echo_redacted (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(GError) error = NULL;

  script (fixture, ANSWER_PLAIN, 403, "{\"code\":403,\"message\":\"key " API_KEY " is blocked\"}", 1);
  g_assert_null (forge_e2b_api_get_sandbox_sync (api, "sbx1", NULL, &error));
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_UNAUTHORIZED);
  g_assert_nonnull (strstr (error->message, "[redacted]"));
  assert_no_secret (error->message);

  /* A 5xx's message too, after its retries. */
  g_clear_error (&error);
  script (fixture, ANSWER_PLAIN, 500, "{\"code\":500,\"message\":\"panic: " API_KEY "\"}", 4);
  g_assert_null (forge_e2b_api_get_sandbox_sync (api, "sbx1", NULL, &error));
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_SERVER);
  assert_no_secret (error->message);
}

static void
test_no_api_key (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_with_key (fixture, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (forge_e2b_api_kill_sandbox_sync (api, "sbx1", NULL, &error));
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NO_API_KEY);
  g_assert_nonnull (strstr (error->message, "https://e2b.dev/dashboard"));
  g_assert_nonnull (strstr (error->message, "Preferences"));
  g_assert_cmpuint (n_requests (fixture), ==, 0);
}

static void
test_retry_429_then_created (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(ForgeE2bSandboxInfo) info = NULL;

  script (fixture, ANSWER_PLAIN, 429, "{\"code\":429,\"message\":\"Rate limit exceeded\"}", 1);
  info = create (api, 300, NULL);
  g_assert_cmpstr (info->sandbox_id, ==, "sbx0001");
  g_assert_cmpuint (n_requests (fixture), ==, 2);
  /* The same request again, timeout and all. */
  g_assert_cmpstr (request_at (fixture, 0)->body, ==, request_at (fixture, 1)->body);
}

static void
test_retry_500_then_ok (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(ForgeE2bSandboxInfo) info = create (api, 300, NULL);
  g_autoptr(ForgeE2bSandboxDetail) detail = NULL;
  g_autoptr(GError) error = NULL;

  script (fixture, ANSWER_PLAIN, 500, "{\"code\":500,\"message\":\"internal\"}", 1);
  script (fixture, ANSWER_PLAIN, 502, "<html>bad gateway</html>", 1);
  detail = forge_e2b_api_get_sandbox_sync (api, info->sandbox_id, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (detail->sandbox_id, ==, info->sandbox_id);
  g_assert_cmpuint (n_requests (fixture), ==, 1 + 3);
}

static void
test_retry_gives_up (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(GError) error = NULL;

  forge_e2b_api_set_retry_policy (api, 3, 1, 5000);

  script (fixture, ANSWER_PLAIN, 503, "", 10);
  g_assert_false (forge_e2b_api_kill_sandbox_sync (api, "sbx1", NULL, &error));
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_SERVER);
  g_assert_nonnull (strstr (error->message, "503"));
  g_assert_cmpuint (n_requests (fixture), ==, 3);
  g_clear_error (&error);

  g_mutex_lock (&fixture->mutex);
  g_queue_clear_full (&fixture->script, (GDestroyNotify) scripted_free);
  g_mutex_unlock (&fixture->mutex);

  script (fixture, ANSWER_PLAIN, 429, "{\"code\":429,\"message\":\"too many sandboxes\"}", 10);
  g_assert_false (forge_e2b_api_kill_sandbox_sync (api, "sbx1", NULL, &error));
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_RATE_LIMITED);
  g_assert_nonnull (strstr (error->message, "too many sandboxes"));
  g_assert_cmpuint (n_requests (fixture), ==, 6);
}

static void
test_retry_bounded_time (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(GError) error = NULL;
  gint64 started;

  /* 100, 200, 400… ms: a 300 ms budget allows the first wait and not the
   * second. */
  forge_e2b_api_set_retry_policy (api, 10, 100, 300);
  script (fixture, ANSWER_PLAIN, 500, "", 20);

  started = g_get_monotonic_time ();
  g_assert_false (forge_e2b_api_kill_sandbox_sync (api, "sbx1", NULL, &error));
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_SERVER);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 300 * 1000 + 200 * 1000);
  g_assert_cmpuint (n_requests (fixture), ==, 2);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (100 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_retry_cancellable (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GThread *canceller;
  gint64 started;

  forge_e2b_api_set_retry_policy (api, 4, 30 * 1000, 120 * 1000);
  script (fixture, ANSWER_PLAIN, 503, "", 4);

  started = g_get_monotonic_time ();
  canceller = g_thread_new ("canceller", cancel_later, cancellable);
  g_assert_null (forge_e2b_api_get_sandbox_sync (api, "sbx1", cancellable, &error));
  g_thread_join (canceller);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpuint (n_requests (fixture), ==, 1);
}

static void
assert_protocol_error (Fixture    *fixture,
                       ForgeE2bApi *api,
                       AnswerKind  kind,
                       guint       status,
                       const char *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) get_error = NULL;
  g_autoptr(ForgeE2bSandboxInfo) info = NULL;
  g_autoptr(ForgeE2bSandboxDetail) detail = NULL;

  script (fixture, kind, status, body, 1);
  info = forge_e2b_api_create_sandbox_sync (api, "base", 300, NULL, NULL, FALSE, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_PROTOCOL);
  g_assert_null (strchr (error->message, '\n'));

  /* The same answer to a GET, where the domain is not read. */
  if (body != NULL && strstr (body, "domain") != NULL)
    return;
  script (fixture, kind, status == 201 ? 200 : status, body, 1);
  detail = forge_e2b_api_get_sandbox_sync (api, "sbx1", NULL, &get_error);
  g_assert_null (detail);
  g_assert_error (get_error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_PROTOCOL);
}

static void
test_malformed (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autofree char *deep = NULL;
  g_autoptr(GString) deep_text = g_string_new ("{\"sandboxID\":");

  assert_protocol_error (fixture, api, ANSWER_PLAIN, 201, "{\"sandboxID\": \"sbx1\", ");
  assert_protocol_error (fixture, api, ANSWER_PLAIN, 201, "");
  assert_protocol_error (fixture, api, ANSWER_PLAIN, 201, "[]");
  assert_protocol_error (fixture, api, ANSWER_PLAIN, 201, "\"sbx1\"");
  assert_protocol_error (fixture, api, ANSWER_PLAIN, 201, "{\"sandboxID\": 42}");
  assert_protocol_error (fixture, api, ANSWER_PLAIN, 201, "{\"sandboxID\": null}");
  /* Ids that would move envd's host elsewhere. */
  assert_protocol_error (fixture, api, ANSWER_PLAIN, 201, "{\"sandboxID\": \"x.evil.example/\"}");
  assert_protocol_error (fixture, api, ANSWER_PLAIN, 201, "{\"sandboxID\": \"\"}");
  assert_protocol_error (fixture, api, ANSWER_PLAIN, 201, "{\"sandboxID\": \"sbx1\", \"domain\": \"evil.example/x?\"}");
  assert_protocol_error (fixture, api, ANSWER_PLAIN, 201, "\xff\xfe{}");
  /* Deep enough to break a recursive parser's stack. */
  for (guint i = 0; i < 200000; i++)
    g_string_append_c (deep_text, '[');
  deep = g_string_free (g_steal_pointer (&deep_text), FALSE);
  assert_protocol_error (fixture, api, ANSWER_PLAIN, 201, deep);
  /* Not the API at all: an unexpected status. */
  assert_protocol_error (fixture, api, ANSWER_PLAIN, 302, "");

  /* Wrong types where strings are expected: no crash, no critical, just
   * nothing. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ForgeE2bSandboxDetail) detail = NULL;

    script (fixture, ANSWER_PLAIN, 200,
            "{\"sandboxID\":\"sbx1\",\"templateID\":7,\"endAt\":5,\"startedAt\":\"yesterday\","
            "\"state\":[\"running\"],\"metadata\":{\"a\":1,\"b\":\"x\",\"c\":{}}}", 1);
    detail = forge_e2b_api_get_sandbox_sync (api, "sbx1", NULL, &error);
    g_assert_no_error (error);
    g_assert_null (detail->template_id);
    g_assert_null (detail->end_at);
    g_assert_null (detail->started_at);
    g_assert_cmpint (detail->state, ==, FORGE_E2B_SANDBOX_STATE_UNKNOWN);
    g_assert_cmpuint (g_hash_table_size (detail->metadata), ==, 1);
  }

  /* An error body that is not {code, message}: still the status's
   * meaning. */
  {
    g_autoptr(GError) error = NULL;

    script (fixture, ANSWER_PLAIN, 404, "{\"message\": [1, 2]}", 1);
    g_assert_null (forge_e2b_api_get_sandbox_sync (api, "sbx1", NULL, &error));
    g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND);
  }

  /* A list page that is not a list. */
  {
    g_autoptr(GError) error = NULL;

    script (fixture, ANSWER_PLAIN, 200, "{\"sandboxes\": []}", 1);
    g_assert_null (forge_e2b_api_list_sandboxes_sync (api, NULL, NULL, &error));
    g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_PROTOCOL);
  }
}

static void
test_oversized (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);

  assert_protocol_error (fixture, api, ANSWER_OVERSIZED_LENGTH, 201, NULL);
  assert_protocol_error (fixture, api, ANSWER_OVERSIZED_CHUNKED, 201, NULL);

  /* An oversized error body still gives the status's error. */
  {
    g_autoptr(GError) error = NULL;

    script (fixture, ANSWER_OVERSIZED_CHUNKED, 401, NULL, 1);
    g_assert_null (forge_e2b_api_get_sandbox_sync (api, "sbx1", NULL, &error));
    g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_UNAUTHORIZED);
  }

  /* And the session still works afterwards. */
  {
    g_autoptr(ForgeE2bSandboxInfo) info = create (api, 300, NULL);
  }
}

static void
test_network_and_config_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *closed_url = NULL;

  /* A port that was free a moment ago: nothing listens there. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any_port, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  closed_url = g_strdup_printf ("E2B_API_URL=http://127.0.0.1:%u",
                                g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  {
    const char *envp[] = { closed_url, NULL };
    g_autoptr(ForgeE2bConfig) config = forge_e2b_config_new (envp, API_KEY);
    g_autoptr(ForgeE2bApi) api = forge_e2b_api_new (config);

    g_assert_null (forge_e2b_api_get_sandbox_sync (api, "sbx1", NULL, &error));
    g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NETWORK);
    g_assert_true (forge_e2b_error_is_transient (error));
    assert_no_secret (error->message);
    g_clear_error (&error);
  }

  {
    const char *envp[] = { "E2B_API_URL=ftp://example.org", NULL };
    g_autoptr(ForgeE2bConfig) config = forge_e2b_config_new (envp, API_KEY);
    g_autoptr(ForgeE2bApi) api = forge_e2b_api_new (config);

    g_assert_false (forge_e2b_api_kill_sandbox_sync (api, "sbx1", NULL, &error));
    g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_CONFIG);
    g_assert_nonnull (strstr (error->message, "E2B_API_URL"));
  }

  assert_log_has_no_secret ();
}

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Waiter;

static void
waiter_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Waiter *waiter = user_data;

  waiter->result = g_object_ref (result);
  g_main_loop_quit (waiter->loop);
}

static GAsyncResult *
wait_result (Waiter *waiter)
{
  GAsyncResult *result;

  g_main_loop_run (waiter->loop);
  result = g_steal_pointer (&waiter->result);
  g_assert_nonnull (result);
  return result;
}

static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(GHashTable) metadata = string_table ("forge.app", "async", NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Waiter waiter = { loop, NULL };
  g_autoptr(ForgeE2bSandboxInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  gboolean extended = FALSE;

  forge_e2b_api_create_sandbox_async (api, "base", 60, metadata, NULL, FALSE, NULL, waiter_cb, &waiter);
  /* The table was copied: the caller may change it at once. */
  g_hash_table_remove_all (metadata);
  {
    g_autoptr(GAsyncResult) result = wait_result (&waiter);

    info = forge_e2b_api_create_sandbox_finish (api, result, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (info->sandbox_id, ==, "sbx0001");
  }

  forge_e2b_api_get_sandbox_async (api, info->sandbox_id, NULL, waiter_cb, &waiter);
  {
    g_autoptr(GAsyncResult) result = wait_result (&waiter);
    g_autoptr(ForgeE2bSandboxDetail) detail = forge_e2b_api_get_sandbox_finish (api, result, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (g_hash_table_lookup (detail->metadata, "forge.app"), ==, "async");
  }

  forge_e2b_api_extend_timeout_async (api, info->sandbox_id, 300, NULL, waiter_cb, &waiter);
  {
    g_autoptr(GAsyncResult) result = wait_result (&waiter);
    g_autoptr(ForgeE2bSandboxDetail) detail = forge_e2b_api_extend_timeout_finish (api, result, &extended, &error);

    g_assert_no_error (error);
    g_assert_nonnull (detail);
    g_assert_true (extended);
    g_assert_cmpint (end_in (fixture, info->sandbox_id), >=, 290);
  }

  forge_e2b_api_pause_sandbox_async (api, info->sandbox_id, NULL, waiter_cb, &waiter);
  {
    g_autoptr(GAsyncResult) result = wait_result (&waiter);

    g_assert_true (forge_e2b_api_pause_sandbox_finish (api, result, &error));
    g_assert_no_error (error);
  }

  forge_e2b_api_connect_sandbox_async (api, info->sandbox_id, 300, NULL, waiter_cb, &waiter);
  {
    g_autoptr(GAsyncResult) result = wait_result (&waiter);
    g_autoptr(ForgeE2bSandboxInfo) resumed = forge_e2b_api_connect_sandbox_finish (api, result, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (resumed->sandbox_id, ==, info->sandbox_id);
  }

  forge_e2b_api_list_sandboxes_async (api, NULL, NULL, waiter_cb, &waiter);
  {
    g_autoptr(GAsyncResult) result = wait_result (&waiter);
    g_autoptr(GPtrArray) all = forge_e2b_api_list_sandboxes_finish (api, result, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (all->len, ==, 1);
  }

  forge_e2b_api_kill_sandbox_async (api, info->sandbox_id, NULL, waiter_cb, &waiter);
  {
    g_autoptr(GAsyncResult) result = wait_result (&waiter);

    g_assert_true (forge_e2b_api_kill_sandbox_finish (api, result, &error));
    g_assert_no_error (error);
  }

  /* Gone now: the error comes through the async form too. */
  forge_e2b_api_extend_timeout_async (api, info->sandbox_id, 300, NULL, waiter_cb, &waiter);
  {
    g_autoptr(GAsyncResult) result = wait_result (&waiter);

    extended = TRUE;
    g_assert_null (forge_e2b_api_extend_timeout_finish (api, result, &extended, &error));
    g_assert_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND);
    g_assert_false (extended);
  }
}

typedef struct
{
  ForgeE2bApi *api;
  guint        failures;
} ThreadRun;

static gpointer
create_and_kill_thread (gpointer data)
{
  ThreadRun *run = data;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ForgeE2bSandboxInfo) info =
        forge_e2b_api_create_sandbox_sync (run->api, "base", 60, NULL, NULL, FALSE, NULL, &error);

      if (info == NULL || !forge_e2b_api_kill_sandbox_sync (run->api, info->sandbox_id, NULL, &error))
        run->failures++;
    }
  return NULL;
}

static void
test_threads (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  ThreadRun runs[4] = { { 0 } };
  GThread *threads[G_N_ELEMENTS (runs)];

  /* One session, several worker threads sending at once. */
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      runs[i].api = api;
      threads[i] = g_thread_new ("e2b-worker", create_and_kill_thread, &runs[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (runs[i].failures, ==, 0);
    }
  g_assert_cmpuint (n_requests (fixture), ==, 2 * 5 * G_N_ELEMENTS (runs));
  g_assert_cmpuint (g_hash_table_size (fixture->sandboxes), ==, 0);
}

/* The key is sent where it belongs, in the header, and nowhere else of
 * the request, whichever call. */
static void
test_key_only_in_header (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(ForgeE2bApi) api = api_new (fixture);
  g_autoptr(GHashTable) metadata = string_table ("forge.app", "x", NULL);
  g_autoptr(ForgeE2bSandboxInfo) info = create (api, 300, metadata);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&list, g_ptr_array_unref);
  list = forge_e2b_api_list_sandboxes_sync (api, metadata, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (forge_e2b_api_pause_sandbox_sync (api, info->sandbox_id, NULL, &error));
  g_assert_true (forge_e2b_api_kill_sandbox_sync (api, info->sandbox_id, NULL, &error));

  for (guint i = 0; i < fixture->requests->len; i++)
    {
      Recorded *request = request_at (fixture, i);

      g_assert_cmpstr (request->api_key, ==, API_KEY);
      g_assert_null (strstr (request->path, API_KEY));
      if (request->query != NULL)
        g_assert_null (strstr (request->query, API_KEY));
      g_assert_null (strstr (request->body, API_KEY));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* Everything any test logs, debug included, is kept and searched for
   * the key (fixture_tear_down). */
  log_text = g_string_new (NULL);
  g_log_set_debug_enabled (TRUE);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/e2b/config/defaults", test_config_defaults);
  g_test_add_func ("/e2b/config/domain", test_config_domain);
  g_test_add_func ("/e2b/config/overrides", test_config_overrides);
  g_test_add_func ("/e2b/config/debug", test_config_debug);
  g_test_add_func ("/e2b/config/debug-overrides", test_config_debug_overrides);
  g_test_add_func ("/e2b/config/debug-values", test_config_debug_values);
  g_test_add_func ("/e2b/config/empty-is-unset", test_config_empty_is_unset);
  g_test_add_func ("/e2b/config/api-key", test_config_api_key);
  g_test_add_func ("/e2b/config/template", test_config_template);
  g_test_add_func ("/e2b/error/clean-message", test_clean_message);
  g_test_add_func ("/e2b/api/network-and-config-errors", test_network_and_config_errors);

#define ADD(path, func) \
  g_test_add ("/e2b/api/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("create", test_create);
  ADD ("create-timeout-too-long", test_create_timeout_too_long);
  ADD ("create-template-not-found", test_create_template_not_found);
  ADD ("get-and-not-found", test_get_and_not_found);
  ADD ("extend-never-shortens", test_extend_never_shortens);
  ADD ("kill", test_kill);
  ADD ("pause-and-connect", test_pause_and_connect);
  ADD ("list-paginated", test_list_paginated);
  ADD ("unauthorized", test_unauthorized);
  ADD ("forbidden-echo-redacted", test_forbidden_echo_redacted);
  ADD ("no-api-key", test_no_api_key);
  ADD ("retry-429-then-created", test_retry_429_then_created);
  ADD ("retry-500-then-ok", test_retry_500_then_ok);
  ADD ("retry-gives-up", test_retry_gives_up);
  ADD ("retry-bounded-time", test_retry_bounded_time);
  ADD ("retry-cancellable", test_retry_cancellable);
  ADD ("malformed", test_malformed);
  ADD ("oversized", test_oversized);
  ADD ("async", test_async);
  ADD ("threads", test_threads);
  ADD ("key-only-in-header", test_key_only_in_header);

#undef ADD

  return g_test_run ();
}
