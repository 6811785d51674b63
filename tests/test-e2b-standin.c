/* test-e2b-standin.c
 *
 * The E2B stand-in itself, with raw HTTP requests and hand-built frames:
 * what the product's E2B tests rely on must hold before they do.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "e2e-util.h"
#include "forge-e2b-standin.h"
#include "forge-util.h"

#define API_KEY "e2b_standin_test_key"

typedef struct
{
  ForgeE2bStandin *standin;
  SoupSession     *session;
} Fixture;

typedef struct
{
  guint               status;
  GBytes             *body;
  SoupMessageHeaders *headers;
} Response;

static void
response_free (Response *response)
{
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_free (response);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Response, response_free)

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->standin = forge_e2b_standin_new (API_KEY, &error);
  if (fixture->standin == NULL)
    g_test_message ("No stand-in: %s", error->message);
  /* Two streams and a call beside them need more than the default two
   * connections to one host. */
  fixture->session = soup_session_new_with_options ("timeout", 20, "max-conns-per-host", 8, NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autofree char *root = NULL;

  g_clear_object (&fixture->session);
  if (fixture->standin == NULL)
    return;

  root = g_strdup (forge_e2b_standin_get_root (fixture->standin));
  g_clear_object (&fixture->standin);
  /* Disposing waits for them; nothing may be left. */
  g_assert_true (forge_test_wait_no_processes (root, 2000));
  g_assert_false (g_file_test (root, G_FILE_TEST_EXISTS));
}

#define SKIP_WITHOUT_STANDIN(fixture) \
  G_STMT_START { \
    if ((fixture)->standin == NULL) \
      { \
        g_test_skip ("Local sandboxes cannot run here"); \
        return; \
      } \
  } G_STMT_END

/* {{{ HTTP helpers */

/* @headers: NULL-terminated name, value pairs. */
static Response *
http (Fixture            *fixture,
      const char         *method,
      const char         *url,
      const char * const *headers,
      const char         *content_type,
      GBytes             *body)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  Response *response = g_new0 (Response, 1);

  g_assert_nonnull (msg);
  for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i], headers[i + 1]);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);

  response->body = soup_session_send_and_read (fixture->session, msg, NULL, &error);
  g_assert_no_error (error);
  response->status = soup_message_get_status (msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));

  return response;
}

static Response *
api (Fixture    *fixture,
     const char *method,
     const char *path,
     const char *json)
{
  g_autofree char *url = g_strconcat (forge_e2b_standin_get_api_url (fixture->standin), path, NULL);
  const char *headers[] = { "X-API-Key", API_KEY, NULL };
  g_autoptr(GBytes) body = json != NULL ? g_bytes_new (json, strlen (json)) : NULL;

  return http (fixture, method, url, headers, "application/json", body);
}

static Response *
envd (Fixture    *fixture,
      const char *token,
      const char *method,
      const char *path,
      const char *content_type,
      GBytes     *body)
{
  g_autofree char *url = g_strconcat (forge_e2b_standin_get_envd_url (fixture->standin), path, NULL);
  const char *headers[] = { "X-Access-Token", token, NULL };

  return http (fixture, method, url, token != NULL ? headers : NULL, content_type, body);
}

static Response *
envd_json (Fixture    *fixture,
           const char *token,
           const char *path,
           const char *json)
{
  g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));

  return envd (fixture, token, "POST", path, "application/json", body);
}

static guint
count_sandboxes (Fixture *fixture)
{
  g_auto(GStrv) ids = forge_e2b_standin_dup_sandbox_ids (fixture->standin);

  return g_strv_length (ids);
}

static JsonNode *
response_json (Response *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (response->body, &len);

  json_parser_load_from_data (parser, data, (gssize) len, &error);
  g_assert_no_error (error);

  return json_node_copy (json_parser_get_root (parser));
}

static const char *
member_string (JsonNode   *node,
               const char *name)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_get_string_member_with_default (json_node_get_object (node), name, NULL);
}

static gint64
member_int (JsonNode   *node,
            const char *name)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_get_int_member_with_default (json_node_get_object (node), name, G_MININT64);
}

static void
assert_error (Response   *response,
              guint       status,
              const char *message_part)
{
  g_autoptr(JsonNode) node = response_json (response);

  g_assert_cmpuint (response->status, ==, status);
  g_assert_cmpint (member_int (node, "code"), ==, status);
  if (message_part != NULL)
    g_assert_nonnull (strstr (member_string (node, "message"), message_part));
}

static void
assert_sandbox_gone (Response   *response,
                     const char *id)
{
  g_autoptr(JsonNode) node = response_json (response);

  g_assert_cmpuint (response->status, ==, 502);
  g_assert_cmpstr (member_string (node, "sandboxId"), ==, id);
  g_assert_cmpstr (member_string (node, "message"), ==, "The sandbox was not found");
  g_assert_cmpint (member_int (node, "code"), ==, 502);
}

typedef struct
{
  char *id;
  char *token;
} Created;

static void
created_clear (Created *created)
{
  g_clear_pointer (&created->id, g_free);
  g_clear_pointer (&created->token, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Created, created_clear)

static void
create (Fixture    *fixture,
        const char *json,
        Created    *created)
{
  g_autoptr(Response) response = api (fixture, "POST", "/sandboxes", json);
  g_autoptr(JsonNode) node = NULL;

  g_assert_cmpuint (response->status, ==, 201);
  node = response_json (response);
  created->id = g_strdup (member_string (node, "sandboxID"));
  created->token = g_strdup (member_string (node, "envdAccessToken"));
  g_assert_nonnull (created->id);
  g_assert_nonnull (created->token);
  g_assert_cmpstr (member_string (node, "envdVersion"), !=, NULL);
}

/* }}} */

/* {{{ Hand-built Connect frames */

static GBytes *
frame (guint8      flags,
       const char *json)
{
  gsize len = strlen (json);
  GByteArray *bytes = g_byte_array_sized_new (5 + len);
  guint8 header[5] = { flags, (len >> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff };

  g_byte_array_append (bytes, header, 5);
  g_byte_array_append (bytes, (const guint8 *) json, len);

  return g_byte_array_free_to_bytes (bytes);
}

typedef enum
{
  READ_FRAME,
  READ_EOF,        /* at a frame boundary */
  READ_TRUNCATED,  /* inside a frame */
} ReadResult;

static ReadResult
read_frame (GInputStream  *stream,
            guint8        *flags,
            char         **json)
{
  guint8 header[5];
  gsize n = 0;
  guint32 len;
  g_autofree char *payload = NULL;
  g_autoptr(GError) error = NULL;

  g_input_stream_read_all (stream, header, 5, &n, NULL, &error);
  g_assert_no_error (error);
  if (n == 0)
    return READ_EOF;
  if (n < 5)
    return READ_TRUNCATED;

  len = ((guint32) header[1] << 24) | ((guint32) header[2] << 16) | ((guint32) header[3] << 8) | header[4];
  g_assert_cmpuint (len, <, 1 << 20);
  payload = g_malloc0 (len + 1);
  g_input_stream_read_all (stream, payload, len, &n, NULL, &error);
  g_assert_no_error (error);
  if (n < len)
    return READ_TRUNCATED;

  *flags = header[0];
  *json = g_steal_pointer (&payload);
  return READ_FRAME;
}

typedef struct
{
  SoupMessage  *msg;
  GInputStream *stream;
} Call;

static void
call_clear (Call *call)
{
  if (call->stream != NULL)
    g_input_stream_close (call->stream, NULL, NULL);
  g_clear_object (&call->stream);
  g_clear_object (&call->msg);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Call, call_clear)

/* Starts `sh -c SCRIPT`; @extra_envs: a JSON object's members or "". */
static void
start (Fixture    *fixture,
       const char *token,
       const char *script,
       const char *extra_envs,
       const char *timeout_ms,
       const char *keepalive_s,
       Call       *call)
{
  g_autofree char *url = g_strconcat (forge_e2b_standin_get_envd_url (fixture->standin),
                                      "/process.Process/Start", NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) request = NULL;
  g_autofree char *json = NULL;
  g_autofree char *envs_json = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) envs = json_parser_new ();

  envs_json = g_strdup_printf ("{%s}", extra_envs != NULL ? extra_envs : "");
  json_parser_load_from_data (envs, envs_json, -1, &error);
  g_assert_no_error (error);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "process");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "cmd");
  json_builder_add_string_value (builder, "/bin/sh");
  json_builder_set_member_name (builder, "args");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "-c");
  json_builder_add_string_value (builder, script);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "envs");
  json_builder_add_value (builder, json_node_copy (json_parser_get_root (envs)));
  json_builder_set_member_name (builder, "cwd");
  json_builder_add_string_value (builder, "/home/user/repo");
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "stdin");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_end_object (builder);
  request = json_builder_get_root (builder);
  json = json_to_string (request, FALSE);
  body = frame (0, json);

  call->msg = soup_message_new ("POST", url);
  soup_message_headers_replace (soup_message_get_request_headers (call->msg), "X-Access-Token", token);
  soup_message_headers_replace (soup_message_get_request_headers (call->msg), "Connect-Protocol-Version", "1");
  soup_message_headers_replace (soup_message_get_request_headers (call->msg), "Connect-Timeout-Ms", timeout_ms);
  if (keepalive_s != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (call->msg), "Keepalive-Ping-Interval", keepalive_s);
  soup_message_set_request_body_from_bytes (call->msg, "application/connect+json", body);

  call->stream = soup_session_send (fixture->session, call->msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (call->msg), ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (call->msg), NULL),
                   ==, "application/connect+json");
}

/* The next event's JSON ({"event":{…}}); NULL at the end-of-stream
 * envelope (its payload in @eos). Fails on anything else. */
static JsonNode *
next_event (Call  *call,
            char **eos)
{
  g_autofree char *json = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  guint8 flags = 0;

  g_assert_cmpint (read_frame (call->stream, &flags, &json), ==, READ_FRAME);
  if (flags == 0x02)
    {
      *eos = g_steal_pointer (&json);
      return NULL;
    }
  g_assert_cmpuint (flags, ==, 0);

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static JsonObject *
event_get (JsonNode   *node,
           const char *kind)
{
  JsonObject *event = json_object_get_object_member (json_node_get_object (node), "event");

  return json_object_has_member (event, kind) ? json_object_get_object_member (event, kind) : NULL;
}

static gint64
read_start (Call *call)
{
  g_autofree char *eos = NULL;
  g_autoptr(JsonNode) node = next_event (call, &eos);
  JsonObject *started;

  g_assert_nonnull (node);
  started = event_get (node, "start");
  g_assert_nonnull (started);
  g_assert_cmpint (json_object_get_int_member (started, "pid"), >, 0);

  return json_object_get_int_member (started, "pid");
}

typedef struct
{
  GString    *out;
  GString    *err;
  guint       keepalives;
  JsonObject *end;
  char       *eos;
} Rest;

static void
rest_clear (Rest *rest)
{
  g_string_free (rest->out, TRUE);
  g_string_free (rest->err, TRUE);
  g_clear_pointer (&rest->end, json_object_unref);
  g_free (rest->eos);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Rest, rest_clear)

/* Reads events after start up to the end-of-stream envelope, then
 * checks that nothing follows. */
static void
read_rest (Call *call,
           Rest *rest)
{
  guint8 flags;
  g_autofree char *json = NULL;

  rest->out = g_string_new (NULL);
  rest->err = g_string_new (NULL);

  for (;;)
    {
      g_autoptr(JsonNode) node = next_event (call, &rest->eos);
      JsonObject *part;

      if (node == NULL)
        break;

      if ((part = event_get (node, "data")))
        {
          const char *b64 = json_object_get_string_member_with_default (part, "stdout", NULL);
          GString *into = rest->out;
          gsize len = 0;
          g_autofree guchar *decoded = NULL;

          if (b64 == NULL)
            {
              b64 = json_object_get_string_member (part, "stderr");
              into = rest->err;
            }
          decoded = g_base64_decode (b64, &len);
          g_string_append_len (into, (const char *) decoded, (gssize) len);
        }
      else if (event_get (node, "keepalive"))
        rest->keepalives++;
      else if ((part = event_get (node, "end")))
        {
          g_assert_null (rest->end);
          rest->end = json_object_ref (part);
        }
      else
        g_assert_not_reached ();
    }

  g_assert_cmpint (read_frame (call->stream, &flags, &json), ==, READ_EOF);
}

/* }}} */

/* {{{ Control plane */

static void
test_api_auth (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_autofree char *url = NULL;
  g_autoptr(Response) none = NULL;
  g_autoptr(Response) wrong = NULL;
  const char *headers[] = { "X-API-Key", "e2b_wrong", NULL };
  const char *json = "{\"templateID\":\"base\",\"timeout\":30}";
  g_autoptr(GBytes) body = g_bytes_new_static (json, strlen (json));

  SKIP_WITHOUT_STANDIN (fixture);

  url = g_strconcat (forge_e2b_standin_get_api_url (fixture->standin), "/sandboxes", NULL);
  none = http (fixture, "GET", url, NULL, NULL, NULL);
  assert_error (none, 401, NULL);
  wrong = http (fixture, "POST", url, headers, "application/json", body);
  assert_error (wrong, 401, "API key");
  g_assert_cmpuint (count_sandboxes (fixture), ==, 0);
}

static void
test_api_create_get_delete (Fixture       *fixture,
                            gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_autoptr(Response) got = NULL;
  g_autoptr(Response) deleted = NULL;
  g_autoptr(Response) again = NULL;
  g_autoptr(Response) gone = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GDateTime) started = NULL;
  g_autoptr(GDateTime) end = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  g_autofree char *path = NULL;
  g_autofree char *repo = NULL;
  ForgeE2bStandinRequest *request;

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":120,"
                   "\"metadata\":{\"app\":\"forge\",\"project\":\"p1\"},\"envVars\":{\"A\":\"1\"}}",
          &created);
  repo = forge_e2b_standin_dup_repo_dir (fixture->standin, created.id);
  g_assert_true (g_file_test (repo, G_FILE_TEST_IS_DIR));

  path = g_strdup_printf ("/sandboxes/%s", created.id);
  got = api (fixture, "GET", path, NULL);
  g_assert_cmpuint (got->status, ==, 200);
  node = response_json (got);
  g_assert_cmpstr (member_string (node, "sandboxID"), ==, created.id);
  g_assert_cmpstr (member_string (node, "templateID"), ==, "base");
  g_assert_cmpstr (member_string (node, "state"), ==, "running");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (node), "metadata"), "project"),
                   ==, "p1");
  started = g_date_time_new_from_iso8601 (member_string (node, "startedAt"), NULL);
  end = g_date_time_new_from_iso8601 (member_string (node, "endAt"), NULL);
  g_assert_nonnull (started);
  g_assert_nonnull (end);
  g_assert_cmpint (g_date_time_difference (end, started) / G_USEC_PER_SEC, >=, 119);
  g_assert_cmpint (g_date_time_difference (end, started) / G_USEC_PER_SEC, <=, 121);

  /* What the client sent is on record. */
  requests = forge_e2b_standin_dup_requests (fixture->standin);
  request = g_ptr_array_index (requests, 0);
  g_assert_cmpstr (request->method, ==, "POST");
  g_assert_cmpstr (request->path, ==, "/sandboxes");
  g_assert_false (request->envd);
  g_assert_cmpstr (soup_message_headers_get_one (request->headers, "X-API-Key"), ==, API_KEY);
  g_assert_nonnull (strstr (g_bytes_get_data (request->body, NULL), "\"timeout\":120"));

  deleted = api (fixture, "DELETE", path, NULL);
  g_assert_cmpuint (deleted->status, ==, 204);
  again = api (fixture, "DELETE", path, NULL);
  assert_error (again, 404, created.id);
  gone = api (fixture, "GET", path, NULL);
  assert_error (gone, 404, NULL);
}

static void
test_api_bad_requests (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(Response) no_template = NULL;
  g_autoptr(Response) no_timeout = NULL;
  g_autoptr(Response) too_long = NULL;
  g_autoptr(Response) pro_ok = NULL;
  g_autoptr(Response) not_json = NULL;
  g_autoptr(Response) unknown = NULL;
  g_autoptr(Response) unknown_timeout = NULL;

  SKIP_WITHOUT_STANDIN (fixture);

  no_template = api (fixture, "POST", "/sandboxes", "{\"timeout\":30}");
  assert_error (no_template, 400, "templateID");
  no_timeout = api (fixture, "POST", "/sandboxes", "{\"templateID\":\"base\"}");
  assert_error (no_timeout, 400, "timeout");
  too_long = api (fixture, "POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":3601}");
  assert_error (too_long, 400, "Timeout cannot be greater than 1 hours");
  not_json = api (fixture, "POST", "/sandboxes", "{\"templateID\":");
  assert_error (not_json, 400, NULL);

  /* A Pro plan. */
  forge_e2b_standin_set_max_timeout (fixture->standin, 24 * 3600);
  pro_ok = api (fixture, "POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":7200}");
  g_assert_cmpuint (pro_ok->status, ==, 201);

  unknown = api (fixture, "GET", "/sandboxes/nosuchsandbox", NULL);
  assert_error (unknown, 404, "nosuchsandbox");
  unknown_timeout = api (fixture, "POST", "/sandboxes/nosuchsandbox/timeout", "{\"timeout\":30}");
  assert_error (unknown_timeout, 404, NULL);
}

static gint64
end_at (Fixture    *fixture,
        const char *id)
{
  g_autofree char *path = g_strdup_printf ("/sandboxes/%s", id);
  g_autoptr(Response) got = api (fixture, "GET", path, NULL);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GDateTime) end = NULL;

  g_assert_cmpuint (got->status, ==, 200);
  node = response_json (got);
  end = g_date_time_new_from_iso8601 (member_string (node, "endAt"), NULL);
  g_assert_nonnull (end);

  return g_date_time_to_unix (end);
}

static void
test_api_timeout (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_autofree char *path = NULL;
  g_autoptr(Response) longer = NULL;
  g_autoptr(Response) shorter = NULL;
  g_autoptr(Response) too_long = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":60}", &created);
  path = g_strdup_printf ("/sandboxes/%s/timeout", created.id);

  longer = api (fixture, "POST", path, "{\"timeout\":600}");
  g_assert_cmpuint (longer->status, ==, 204);
  g_assert_cmpint (end_at (fixture, created.id), >=, now + 599);

  /* It sets the remaining life: it can shorten it. */
  shorter = api (fixture, "POST", path, "{\"timeout\":30}");
  g_assert_cmpuint (shorter->status, ==, 204);
  g_assert_cmpint (end_at (fixture, created.id), <=, now + 32);

  too_long = api (fixture, "POST", path, "{\"timeout\":4000}");
  assert_error (too_long, 400, "1 hours");
}

static void
test_api_list (Fixture       *fixture,
               gconstpointer  user_data)
{
  g_auto(Created) a = { 0 };
  g_auto(Created) b = { 0 };
  g_auto(Created) c = { 0 };
  g_auto(Created) other = { 0 };
  g_autoptr(Response) first = NULL;
  g_autoptr(Response) second = NULL;
  g_autoptr(JsonNode) first_node = NULL;
  g_autoptr(JsonNode) second_node = NULL;
  g_autofree char *second_path = NULL;
  const char *next;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *array;

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":60,\"metadata\":{\"app\":\"forge\"}}", &a);
  create (fixture, "{\"templateID\":\"base\",\"timeout\":60,\"metadata\":{\"app\":\"forge\"}}", &b);
  create (fixture, "{\"templateID\":\"base\",\"timeout\":60,\"metadata\":{\"app\":\"forge\"}}", &c);
  create (fixture, "{\"templateID\":\"base\",\"timeout\":60,\"metadata\":{\"app\":\"other\"}}", &other);

  first = api (fixture, "GET", "/v2/sandboxes?metadata=app%3Dforge&limit=2", NULL);
  g_assert_cmpuint (first->status, ==, 200);
  first_node = response_json (first);
  array = json_node_get_array (first_node);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  for (guint i = 0; i < 2; i++)
    g_hash_table_add (seen, g_strdup (json_object_get_string_member (json_array_get_object_element (array, i), "sandboxID")));
  next = soup_message_headers_get_one (first->headers, "X-Next-Token");
  g_assert_nonnull (next);

  second_path = g_strdup_printf ("/v2/sandboxes?metadata=app%%3Dforge&limit=2&nextToken=%s", next);
  second = api (fixture, "GET", second_path, NULL);
  g_assert_cmpuint (second->status, ==, 200);
  g_assert_null (soup_message_headers_get_one (second->headers, "X-Next-Token"));
  second_node = response_json (second);
  array = json_node_get_array (second_node);
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_hash_table_add (seen, g_strdup (json_object_get_string_member (json_array_get_object_element (array, 0), "sandboxID")));

  g_assert_cmpuint (g_hash_table_size (seen), ==, 3);
  g_assert_true (g_hash_table_contains (seen, a.id));
  g_assert_true (g_hash_table_contains (seen, b.id));
  g_assert_true (g_hash_table_contains (seen, c.id));
  g_assert_false (g_hash_table_contains (seen, other.id));
}

/* }}} */

/* {{{ envd */

static void
test_envd_start (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_auto(Call) call = { 0 };
  g_auto(Rest) rest = { 0 };

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":120,\"envVars\":{\"FROM_CREATE\":\"yes\"}}", &created);
  start (fixture, created.token, "echo a; echo b >&2; echo \"$FROM_CREATE $MINE $(pwd)\"; exit 3",
         "\"MINE\":\"mine\"", "0", NULL, &call);
  read_start (&call);
  read_rest (&call, &rest);

  g_assert_cmpstr (rest.out->str, ==, "a\nyes mine /home/user/repo\n");
  g_assert_cmpstr (rest.err->str, ==, "b\n");
  g_assert_nonnull (rest.end);
  g_assert_cmpint (json_object_get_int_member (rest.end, "exitCode"), ==, 3);
  g_assert_true (json_object_get_boolean_member (rest.end, "exited"));
  g_assert_cmpstr (json_object_get_string_member (rest.end, "status"), ==, "exit status 3");
  g_assert_cmpstr (rest.eos, ==, "{}");
}

static void
test_envd_start_success_and_keepalive (Fixture       *fixture,
                                       gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_auto(Call) call = { 0 };
  g_auto(Rest) rest = { 0 };

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":120}", &created);
  start (fixture, created.token, "sleep 2.5; echo done", NULL, "0", "1", &call);
  read_start (&call);
  read_rest (&call, &rest);

  g_assert_cmpuint (rest.keepalives, >=, 1);
  g_assert_cmpstr (rest.out->str, ==, "done\n");
  /* proto3 JSON: a zero exit code is left out. */
  g_assert_false (json_object_has_member (rest.end, "exitCode"));
  g_assert_cmpstr (json_object_get_string_member (rest.end, "status"), ==, "exit status 0");
}

static void
test_envd_connect_timeout (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_auto(Call) call = { 0 };
  g_auto(Rest) rest = { 0 };
  gint64 begin;

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":120}", &created);
  begin = g_get_monotonic_time ();
  start (fixture, created.token, "echo up; sleep 60", NULL, "700", NULL, &call);
  read_start (&call);
  read_rest (&call, &rest);

  g_assert_cmpint (g_get_monotonic_time () - begin, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpstr (rest.out->str, ==, "up\n");
  g_assert_false (json_object_get_boolean_member_with_default (rest.end, "exited", FALSE));
  g_assert_cmpstr (json_object_get_string_member (rest.end, "status"), ==, "signal: killed");
  g_assert_nonnull (strstr (rest.eos, "deadline_exceeded"));
}

static void
test_envd_send_signal (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_auto(Call) call = { 0 };
  g_auto(Rest) rest = { 0 };
  g_autofree char *json = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(Response) sent = NULL;
  g_autoptr(Response) unknown = NULL;
  g_autoptr(Response) listed = NULL;
  g_autoptr(JsonNode) node = NULL;
  gint64 pid;

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":120}", &created);
  start (fixture, created.token, "sleep 60", NULL, "0", NULL, &call);
  pid = read_start (&call);

  listed = envd_json (fixture, created.token, "/process.Process/List", "{}");
  g_assert_cmpuint (listed->status, ==, 200);
  node = response_json (listed);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (node), "processes")), ==, 1);

  json = g_strdup_printf ("{\"process\":{\"pid\":%" G_GINT64_FORMAT "},\"signal\":\"SIGNAL_SIGKILL\"}", pid);
  body = g_bytes_new (json, strlen (json));
  sent = envd (fixture, created.token, "POST", "/process.Process/SendSignal", "application/json", body);
  g_assert_cmpuint (sent->status, ==, 200);

  read_rest (&call, &rest);
  g_assert_cmpstr (json_object_get_string_member (rest.end, "status"), ==, "signal: killed");
  g_assert_cmpstr (rest.eos, ==, "{}");

  unknown = envd_json (fixture, created.token, "/process.Process/SendSignal",
                       "{\"process\":{\"pid\":99999},\"signal\":\"SIGNAL_SIGKILL\"}");
  g_assert_cmpuint (unknown->status, ==, 404);
  g_clear_pointer (&node, json_node_unref);
  node = response_json (unknown);
  g_assert_cmpstr (member_string (node, "code"), ==, "not_found");
}

/* process.Process/Connect with @selector ({"pid":N}): a stream as
 * Start's, answered 200 whatever comes of it. */
static void
connect_process (Fixture    *fixture,
                 const char *token,
                 const char *selector,
                 Call       *call)
{
  g_autofree char *url = g_strconcat (forge_e2b_standin_get_envd_url (fixture->standin),
                                      "/process.Process/Connect", NULL);
  g_autofree char *json = g_strdup_printf ("{\"process\":%s}", selector);
  g_autoptr(GBytes) body = frame (0, json);
  g_autoptr(GError) error = NULL;

  call->msg = soup_message_new ("POST", url);
  soup_message_headers_replace (soup_message_get_request_headers (call->msg), "X-Access-Token", token);
  soup_message_headers_replace (soup_message_get_request_headers (call->msg), "Connect-Protocol-Version", "1");
  soup_message_headers_replace (soup_message_get_request_headers (call->msg), "Connect-Timeout-Ms", "0");
  soup_message_set_request_body_from_bytes (call->msg, "application/connect+json", body);

  call->stream = soup_session_send (fixture->session, call->msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (call->msg), ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (call->msg), NULL),
                   ==, "application/connect+json");
}

/* Connect is a second stream of a running process: its pid first, the
 * output from then on, its end; Start's stream goes on as it was. An
 * unknown pid, or one that exited, is an end-of-stream not_found. */
static void
test_envd_connect (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_auto(Call) call = { 0 };
  g_auto(Call) second = { 0 };
  g_auto(Call) unknown = { 0 };
  g_auto(Call) exited = { 0 };
  g_auto(Rest) rest = { 0 };
  g_auto(Rest) second_rest = { 0 };
  g_autoptr(JsonNode) before = NULL;
  g_autofree char *eos = NULL;
  g_autofree char *selector = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(Response) sent = NULL;
  gint64 pid;
  guint8 flags;

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":120}", &created);
  start (fixture, created.token, "echo before; sleep 2; echo after; sleep 60", NULL, "0", NULL, &call);
  pid = read_start (&call);
  before = next_event (&call, &eos);
  g_assert_nonnull (before);
  g_assert_nonnull (event_get (before, "data"));

  selector = g_strdup_printf ("{\"pid\":%" G_GINT64_FORMAT "}", pid);
  connect_process (fixture, created.token, selector, &second);
  g_assert_cmpint (read_start (&second), ==, pid);

  /* The end comes to both: killed from outside. */
  json = g_strdup_printf ("{\"process\":{\"pid\":%" G_GINT64_FORMAT "},\"signal\":\"SIGNAL_SIGKILL\"}", pid);
  body = g_bytes_new (json, strlen (json));
  {
    g_autoptr(JsonNode) after = next_event (&second, &eos);
    JsonObject *data;
    g_autofree guchar *decoded = NULL;
    gsize len = 0;

    g_assert_nonnull (after);
    data = event_get (after, "data");
    g_assert_nonnull (data);
    decoded = g_base64_decode (json_object_get_string_member (data, "stdout"), &len);
    g_assert_cmpmem (decoded, len, "after\n", 6);
  }
  sent = envd (fixture, created.token, "POST", "/process.Process/SendSignal", "application/json", body);
  g_assert_cmpuint (sent->status, ==, 200);

  read_rest (&second, &second_rest);
  g_assert_cmpstr (second_rest.out->str, ==, "");
  g_assert_cmpstr (json_object_get_string_member (second_rest.end, "status"), ==, "signal: killed");
  g_assert_cmpstr (second_rest.eos, ==, "{}");
  read_rest (&call, &rest);
  g_assert_cmpstr (rest.out->str, ==, "after\n");
  g_assert_cmpstr (json_object_get_string_member (rest.end, "status"), ==, "signal: killed");

  connect_process (fixture, created.token, "{\"pid\":99999}", &unknown);
  g_clear_pointer (&eos, g_free);
  g_assert_cmpint (read_frame (unknown.stream, &flags, &eos), ==, READ_FRAME);
  g_assert_cmpuint (flags, ==, 0x02);
  g_assert_cmpstr (eos, ==, "{\"error\":{\"code\":\"not_found\",\"message\":\"process with pid 99999 not found\"}}");

  connect_process (fixture, created.token, selector, &exited);
  g_clear_pointer (&eos, g_free);
  g_assert_cmpint (read_frame (exited.stream, &flags, &eos), ==, READ_FRAME);
  g_assert_cmpuint (flags, ==, 0x02);
  g_assert_nonnull (strstr (eos, "not_found"));
}

static void
test_envd_bad_frames (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_autoptr(Response) cut = NULL;
  g_autoptr(Response) wrong_type = NULL;
  g_autoptr(Response) no_token = NULL;
  g_autoptr(Response) health = NULL;
  g_autoptr(GBytes) whole = NULL;
  g_autoptr(GBytes) half = NULL;
  gsize len;
  const guint8 *data;

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":120}", &created);

  /* A request envelope that promises more than it carries: an error at
   * the end of the stream, no process. */
  whole = frame (0, "{\"process\":{\"cmd\":\"/bin/true\"}}");
  data = g_bytes_get_data (whole, &len);
  half = g_bytes_new (data, len - 4);
  cut = envd (fixture, created.token, "POST", "/process.Process/Start", "application/connect+json", half);
  g_assert_cmpuint (cut->status, ==, 200);
  data = g_bytes_get_data (cut->body, &len);
  g_assert_cmpuint (len, >, 5);
  g_assert_cmpuint (data[0], ==, 0x02);
  g_assert_nonnull (g_strstr_len ((const char *) data + 5, (gssize) len - 5, "invalid_argument"));

  wrong_type = envd (fixture, created.token, "POST", "/process.Process/Start", "application/json", whole);
  g_assert_cmpuint (wrong_type->status, ==, 415);

  no_token = envd (fixture, NULL, "POST", "/process.Process/Start", "application/connect+json", whole);
  assert_error (no_token, 401, NULL);

  health = envd (fixture, NULL, "GET", "/health", NULL, NULL);
  g_assert_cmpuint (health->status, ==, 204);
}

static void
test_envd_files (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_auto(Call) call = { 0 };
  g_auto(Rest) rest = { 0 };
  g_autoptr(GBytes) content = g_bytes_new_static ("hello file\n", 11);
  g_autoptr(GBytes) notes = g_bytes_new_static ("notes\n", 6);
  g_autoptr(Response) put = NULL;
  g_autoptr(Response) got = NULL;
  g_autoptr(Response) escape = NULL;
  g_autoptr(Response) escape_get = NULL;
  g_autoptr(Response) missing = NULL;
  g_autoptr(Response) multipart = NULL;
  g_autoptr(Response) home = NULL;
  g_autoptr(Response) full = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(SoupMultipart) form = NULL;
  g_autoptr(SoupMessage) form_msg = NULL;
  g_autoptr(GBytes) form_body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *repo = NULL;
  g_autofree char *on_host = NULL;
  JsonObject *entry;

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":120}", &created);

  put = envd (fixture, created.token, "POST", "/files?path=/home/user/repo/sub/dir/a.txt",
              "application/octet-stream", content);
  g_assert_cmpuint (put->status, ==, 200);
  node = response_json (put);
  entry = json_array_get_object_element (json_node_get_array (node), 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "path"), ==, "/home/user/repo/sub/dir/a.txt");
  g_assert_cmpstr (json_object_get_string_member (entry, "name"), ==, "a.txt");
  g_assert_cmpstr (json_object_get_string_member (entry, "type"), ==, "file");

  got = envd (fixture, created.token, "GET", "/files?path=/home/user/repo/sub/dir/a.txt", NULL, NULL);
  g_assert_cmpuint (got->status, ==, 200);
  g_assert_true (g_bytes_equal (got->body, content));

  /* On the host under the repository folder, and inside the sandbox. */
  repo = forge_e2b_standin_dup_repo_dir (fixture->standin, created.id);
  on_host = g_build_filename (repo, "sub", "dir", "a.txt", NULL);
  g_assert_true (g_file_test (on_host, G_FILE_TEST_IS_REGULAR));
  start (fixture, created.token, "cat sub/dir/a.txt; cat ../notes.txt", NULL, "0", NULL, &call);

  /* The home, by multipart (relative paths are the home's). */
  form = soup_multipart_new ("multipart/form-data");
  soup_multipart_append_form_file (form, "file", "notes.txt", "application/octet-stream", notes);
  url = g_strconcat (forge_e2b_standin_get_envd_url (fixture->standin), "/files?path=notes.txt", NULL);
  form_msg = soup_message_new_from_multipart (url, form);
  soup_message_headers_replace (soup_message_get_request_headers (form_msg), "X-Access-Token", created.token);
  form_body = soup_session_send_and_read (fixture->session, form_msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (form_msg), ==, 200);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (form_body, NULL), (gssize) g_bytes_get_size (form_body),
                                  "\"/home/user/notes.txt\""));
  home = envd (fixture, created.token, "GET", "/files?path=/home/user/notes.txt", NULL, NULL);
  g_assert_cmpuint (home->status, ==, 200);

  read_start (&call);
  read_rest (&call, &rest);
  /* The cat ran before or after the upload: only the first is sure. */
  g_assert_true (g_str_has_prefix (rest.out->str, "hello file\n"));

  escape = envd (fixture, created.token, "POST", "/files?path=/home/user/repo/../../../tmp/evil",
                 "application/octet-stream", content);
  assert_error (escape, 400, "outside");
  escape_get = envd (fixture, created.token, "GET", "/files?path=../../etc/passwd", NULL, NULL);
  assert_error (escape_get, 400, "outside");
  g_assert_false (g_file_test ("/tmp/evil", G_FILE_TEST_EXISTS));

  missing = envd (fixture, created.token, "GET", "/files?path=/home/user/repo/none", NULL, NULL);
  assert_error (missing, 404, NULL);

  forge_e2b_standin_set_files_quota (fixture->standin, 20);
  full = envd (fixture, created.token, "POST", "/files?path=big", "application/octet-stream", content);
  assert_error (full, 507, NULL);
}

/* }}} */

/* {{{ Lifetime */

static void
test_expiry (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_auto(Call) call = { 0 };
  g_autofree char *path = NULL;
  g_autoptr(Response) gone = NULL;
  g_autoptr(Response) envd_gone = NULL;
  g_autoptr(Response) listed = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *json = NULL;
  guint8 flags;

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":2}", &created);
  start (fixture, created.token, "sleep 60", NULL, "0", NULL, &call);
  read_start (&call);

  /* The stream ends at expiry without its end-of-stream envelope. */
  g_assert_cmpint (read_frame (call.stream, &flags, &json), ==, READ_EOF);

  path = g_strdup_printf ("/sandboxes/%s", created.id);
  gone = api (fixture, "GET", path, NULL);
  assert_error (gone, 404, NULL);
  envd_gone = envd (fixture, created.token, "GET", "/files?path=x", NULL, NULL);
  assert_sandbox_gone (envd_gone, created.id);
  listed = api (fixture, "GET", "/v2/sandboxes", NULL);
  node = response_json (listed);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, 0);
}

static gint64
read_tick (const char *path)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;

  return g_ascii_strtoll (text, NULL, 10);
}

static void
test_auto_pause (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_auto(Call) call = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *connect_path = NULL;
  g_autoptr(Response) paused = NULL;
  g_autoptr(Response) envd_paused = NULL;
  g_autoptr(Response) resumed = NULL;
  g_autoptr(Response) running = NULL;
  g_autoptr(Response) listed = NULL;
  g_autoptr(Response) refused = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *repo = NULL;
  g_autofree char *tick = NULL;
  g_autofree char *pause_path = NULL;
  g_autoptr(Response) paused_again = NULL;
  g_autoptr(Response) conflict = NULL;
  gint64 before;
  gint64 pid;

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":60,\"autoPause\":true}", &created);
  repo = forge_e2b_standin_dup_repo_dir (fixture->standin, created.id);
  tick = g_build_filename (repo, "tick", NULL);
  start (fixture, created.token, "i=0; while :; do i=$((i+1)); echo $i > tick.new; mv tick.new tick; sleep 0.05; done",
         NULL, "0", NULL, &call);
  pid = read_start (&call);
  while ((before = read_tick (tick)) < 2)
    g_usleep (50 * 1000);
  g_assert_true (forge_e2b_standin_expire_sandbox (fixture->standin, created.id));

  /* Frozen: the counter stands still. */
  g_usleep (200 * 1000);
  before = read_tick (tick);
  g_usleep (500 * 1000);
  g_assert_cmpint (read_tick (tick), ==, before);

  path = g_strdup_printf ("/sandboxes/%s", created.id);
  paused = api (fixture, "GET", path, NULL);
  g_assert_cmpuint (paused->status, ==, 200);
  node = response_json (paused);
  g_assert_cmpstr (member_string (node, "state"), ==, "paused");
  envd_paused = envd_json (fixture, created.token, "/process.Process/List", "{}");
  assert_sandbox_gone (envd_paused, created.id);

  connect_path = g_strdup_printf ("/sandboxes/%s/connect", created.id);
  resumed = api (fixture, "POST", connect_path, "{\"timeout\":60}");
  g_assert_cmpuint (resumed->status, ==, 201);
  running = api (fixture, "POST", connect_path, "{\"timeout\":60}");
  g_assert_cmpuint (running->status, ==, 200);

  /* The process came back with it. */
  listed = envd_json (fixture, created.token, "/process.Process/List", "{}");
  g_assert_cmpuint (listed->status, ==, 200);
  g_clear_pointer (&node, json_node_unref);
  node = response_json (listed);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (json_object_get_array_member (json_node_get_object (node), "processes"), 0), "pid"),
                   ==, pid);
  /* Where it stopped, not from the start. */
  g_usleep (500 * 1000);
  g_assert_cmpint (read_tick (tick), >, before);

  /* Paused by hand, twice, and left paused: disposing the stand-in
   * must still leave nothing frozen behind. */
  pause_path = g_strdup_printf ("/sandboxes/%s/pause", created.id);
  paused_again = api (fixture, "POST", pause_path, NULL);
  g_assert_cmpuint (paused_again->status, ==, 204);
  conflict = api (fixture, "POST", pause_path, NULL);
  assert_error (conflict, 409, NULL);

  /* A plan without pausing. */
  forge_e2b_standin_set_pause_supported (fixture->standin, FALSE);
  refused = api (fixture, "POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":60,\"autoPause\":true}");
  assert_error (refused, 400, "Pausing");
}

/* }}} */

/* {{{ Port proxy */

static void
test_port_proxy (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_auto(Call) call = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *envs = NULL;
  g_autofree char *url = NULL;
  g_autofree char *path = NULL;
  g_autoptr(Response) deleted = NULL;
  g_autoptr(Response) after = NULL;
  g_autoptr(GBytes) post_body = g_bytes_new_static ("ping", 4);
  const char *headers[] = { "X-Test", "forwarded", NULL };
  gboolean saw_not_open = FALSE;
  gint64 deadline;
  guint port;

  SKIP_WITHOUT_STANDIN (fixture);

  port = forge_pick_free_port (&error);
  g_assert_no_error (error);
  create (fixture, "{\"templateID\":\"base\",\"timeout\":120}", &created);
  envs = g_strdup_printf ("\"PORT\":\"%u\",\"HOST\":\"0.0.0.0\"", port);
  /* A second's wait: the proxy's "port is not open" comes first. */
  start (fixture, created.token,
         "sleep 1; exec node -e \"require('http').createServer((q, s) => {"
         "let b = ''; q.on('data', d => b += d); q.on('end', () => "
         "s.end(q.method + ' ' + q.url + ' ' + q.headers['x-test'] + ' ' + b)); })"
         ".listen(+process.env.PORT, process.env.HOST)\"",
         envs, "0", NULL, &call);
  read_start (&call);

  url = g_strdup_printf ("http://127.0.0.1:%u/some/path?q=1", port);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(Response) response = http (fixture, "POST", url, headers, "text/plain", post_body);

      if (response->status == 200)
        {
          g_assert_cmpmem (g_bytes_get_data (response->body, NULL), g_bytes_get_size (response->body),
                           "POST /some/path?q=1 forwarded ping", 34);
          break;
        }

      g_assert_cmpuint (response->status, ==, 502);
      if (!saw_not_open)
        {
          g_autoptr(JsonNode) node = response_json (response);

          g_assert_cmpstr (member_string (node, "message"), ==, "The sandbox is running but port is not open");
          g_assert_cmpint (member_int (node, "port"), ==, port);
          saw_not_open = TRUE;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100 * 1000);
    }
  g_assert_true (saw_not_open);

  path = g_strdup_printf ("/sandboxes/%s", created.id);
  deleted = api (fixture, "DELETE", path, NULL);
  g_assert_cmpuint (deleted->status, ==, 204);
  after = http (fixture, "GET", url, NULL, NULL, NULL);
  assert_sandbox_gone (after, created.id);
}

/* }}} */

/* {{{ Faults */

static void
test_fault_status (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_autoptr(Response) first = NULL;
  g_autoptr(Response) second = NULL;
  g_autoptr(Response) server_error = NULL;
  g_autoptr(Response) third = NULL;
  g_autofree char *path = NULL;

  SKIP_WITHOUT_STANDIN (fixture);

  forge_e2b_standin_fail_next (fixture->standin, "POST", "/sandboxes", 429, 2);
  first = api (fixture, "POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":30}");
  assert_error (first, 429, NULL);
  second = api (fixture, "POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":30}");
  assert_error (second, 429, NULL);
  g_assert_cmpuint (count_sandboxes (fixture), ==, 0);
  create (fixture, "{\"templateID\":\"base\",\"timeout\":30}", &created);

  forge_e2b_standin_fail_next (fixture->standin, NULL, "/sandboxes/*/timeout", 500, 1);
  path = g_strdup_printf ("/sandboxes/%s/timeout", created.id);
  server_error = api (fixture, "POST", path, "{\"timeout\":60}");
  assert_error (server_error, 500, NULL);
  third = api (fixture, "POST", path, "{\"timeout\":60}");
  g_assert_cmpuint (third->status, ==, 204);
}

static void
test_fault_malformed (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(Response) broken = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) ids = NULL;

  SKIP_WITHOUT_STANDIN (fixture);

  forge_e2b_standin_malform_next (fixture->standin, "POST", "/sandboxes");
  broken = api (fixture, "POST", "/sandboxes", "{\"templateID\":\"base\",\"timeout\":30}");
  g_assert_cmpuint (broken->status, ==, 201);
  g_assert_false (json_parser_load_from_data (parser, g_bytes_get_data (broken->body, NULL),
                                              (gssize) g_bytes_get_size (broken->body), NULL));
  /* It was created all the same: an orphan for the client to find. */
  ids = forge_e2b_standin_dup_sandbox_ids (fixture->standin);
  g_assert_cmpuint (g_strv_length (ids), ==, 1);
}

static void
test_fault_streams (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_auto(Call) cut = { 0 };
  g_auto(Call) garbage = { 0 };
  g_autofree char *json = NULL;
  g_autofree char *garbage_json = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint8 flags;

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":120}", &created);

  forge_e2b_standin_break_next_stream (fixture->standin, FORGE_E2B_STANDIN_STREAM_CUT);
  start (fixture, created.token, "sleep 60", NULL, "0", NULL, &cut);
  read_start (&cut);
  g_assert_cmpint (read_frame (cut.stream, &flags, &json), ==, READ_TRUNCATED);

  forge_e2b_standin_break_next_stream (fixture->standin, FORGE_E2B_STANDIN_STREAM_GARBAGE);
  start (fixture, created.token, "sleep 60", NULL, "0", NULL, &garbage);
  read_start (&garbage);
  g_assert_cmpint (read_frame (garbage.stream, &flags, &garbage_json), ==, READ_FRAME);
  g_assert_cmpuint (flags, ==, 0);
  g_assert_false (json_parser_load_from_data (parser, garbage_json, -1, NULL));
  g_assert_cmpint (read_frame (garbage.stream, &flags, &json), ==, READ_EOF);
}

static void
test_fault_outside_kill (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_auto(Created) created = { 0 };
  g_auto(Call) call = { 0 };
  g_autofree char *path = NULL;
  g_autofree char *json = NULL;
  g_autofree char *root = NULL;
  g_autoptr(Response) gone = NULL;
  g_autoptr(Response) envd_gone = NULL;
  guint8 flags;

  SKIP_WITHOUT_STANDIN (fixture);

  create (fixture, "{\"templateID\":\"base\",\"timeout\":120}", &created);
  start (fixture, created.token, "sleep 60", NULL, "0", NULL, &call);
  read_start (&call);

  g_assert_true (forge_e2b_standin_kill_sandbox (fixture->standin, created.id));
  g_assert_false (forge_e2b_standin_kill_sandbox (fixture->standin, created.id));
  g_assert_cmpint (read_frame (call.stream, &flags, &json), ==, READ_EOF);

  path = g_strdup_printf ("/sandboxes/%s", created.id);
  gone = api (fixture, "GET", path, NULL);
  assert_error (gone, 404, NULL);
  envd_gone = envd_json (fixture, created.token, "/process.Process/List", "{}");
  assert_sandbox_gone (envd_gone, created.id);

  /* Its processes are gone, not only its record. */
  root = g_build_filename (forge_e2b_standin_get_root (fixture->standin), created.id, NULL);
  g_assert_true (forge_test_wait_no_processes (root, 10000));
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/forge/e2b-standin/" name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("api/auth", test_api_auth);
  ADD ("api/create-get-delete", test_api_create_get_delete);
  ADD ("api/bad-requests", test_api_bad_requests);
  ADD ("api/timeout", test_api_timeout);
  ADD ("api/list", test_api_list);
  ADD ("envd/start", test_envd_start);
  ADD ("envd/start-success-and-keepalive", test_envd_start_success_and_keepalive);
  ADD ("envd/connect-timeout", test_envd_connect_timeout);
  ADD ("envd/send-signal", test_envd_send_signal);
  ADD ("envd/connect", test_envd_connect);
  ADD ("envd/bad-frames", test_envd_bad_frames);
  ADD ("envd/files", test_envd_files);
  ADD ("lifetime/expiry", test_expiry);
  ADD ("lifetime/auto-pause", test_auto_pause);
  ADD ("port/proxy", test_port_proxy);
  ADD ("fault/status", test_fault_status);
  ADD ("fault/malformed", test_fault_malformed);
  ADD ("fault/streams", test_fault_streams);
  ADD ("fault/outside-kill", test_fault_outside_kill);
#undef ADD

  return g_test_run ();
}
