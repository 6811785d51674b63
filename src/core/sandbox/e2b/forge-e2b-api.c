/* forge-e2b-api.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-e2b"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "forge-e2b-api.h"
#include "forge-util.h"

/* The largest answer the API gives is a page of 100 listed sandboxes with
 * their metadata: well under this. Anything larger is not the API. */
#define MAX_BODY_BYTES (1024 * 1024)
/* The API's answers nest three levels; json-glib's parser recurses, so a
 * body of a million '[' must be turned away before it parses. */
#define MAX_JSON_DEPTH 32
#define LIST_PAGE_LIMIT 100
/* 100 pages of 100 sandboxes: far beyond any account this app serves, and
 * a server handing out next tokens forever cannot keep us looping. */
#define MAX_LIST_PAGES 100
#define MAX_ID_CHARS 128
#define MAX_DOMAIN_CHARS 253
/* How long a connection may stay silent. Creating a sandbox answers
 * within seconds; anything slower is a network problem. */
#define IO_TIMEOUT_S 60

/* Not in libsoup 3.2's SoupStatus. */
#define HTTP_TOO_MANY_REQUESTS 429

#define DEFAULT_MAX_ATTEMPTS 4
#define DEFAULT_FIRST_DELAY_MS 500
#define DEFAULT_MAX_TOTAL_MS 10000

struct _ForgeE2bApi
{
  GObject         parent_instance;

  ForgeE2bConfig *config;
  SoupSession    *session;

  GMutex          policy_lock;
  guint           max_attempts;
  guint           first_delay_ms;
  guint           max_total_ms;
};

enum {
  PROP_0,
  PROP_CONFIG,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeE2bApi, forge_e2b_api, G_TYPE_OBJECT)

/* Which call a request is, for what its failures mean. */
typedef enum
{
  OP_CREATE,
  OP_GET,
  OP_TIMEOUT,
  OP_KILL,
  OP_LIST,
  OP_PAUSE,
  OP_CONNECT,
} Op;

typedef struct
{
  Op          op;
  const char *method;
  const char *path;          /* escaped path and query */
  GBytes     *body;          /* JSON, or NULL */
  const char *sandbox_id;    /* for messages, or NULL */
  const char *template_id;   /* for messages, or NULL */
  guint       timeout_s;     /* the lifetime asked, or 0 */
} Request;

typedef struct
{
  guint      status;
  GBytes    *body;           /* at most MAX_BODY_BYTES */
  gboolean   too_large;
  char      *next_token;
  GDateTime *date;           /* the server's clock, or NULL */
  guint      retry_after_ms;
} Response;

static void
response_clear (Response *response)
{
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->next_token, g_free);
  g_clear_pointer (&response->date, g_date_time_unref);
  memset (response, 0, sizeof *response);
}

/* ---- boxed results ---- */

ForgeE2bSandboxInfo *
forge_e2b_sandbox_info_copy (const ForgeE2bSandboxInfo *info)
{
  ForgeE2bSandboxInfo *copy;

  g_return_val_if_fail (info != NULL, NULL);

  copy = g_new0 (ForgeE2bSandboxInfo, 1);
  copy->sandbox_id = g_strdup (info->sandbox_id);
  copy->template_id = g_strdup (info->template_id);
  copy->envd_access_token = g_strdup (info->envd_access_token);
  copy->domain = g_strdup (info->domain);
  copy->envd_version = g_strdup (info->envd_version);
  return copy;
}

void
forge_e2b_sandbox_info_free (ForgeE2bSandboxInfo *info)
{
  if (info == NULL)
    return;

  if (info->envd_access_token != NULL)
    memset (info->envd_access_token, 0, strlen (info->envd_access_token));
  g_free (info->sandbox_id);
  g_free (info->template_id);
  g_free (info->envd_access_token);
  g_free (info->domain);
  g_free (info->envd_version);
  g_free (info);
}

G_DEFINE_BOXED_TYPE (ForgeE2bSandboxInfo, forge_e2b_sandbox_info,
                     forge_e2b_sandbox_info_copy, forge_e2b_sandbox_info_free)

static GHashTable *
string_table_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static GHashTable *
string_table_copy (GHashTable *table)
{
  GHashTable *copy = string_table_new ();
  GHashTableIter iter;
  gpointer key, value;

  if (table == NULL)
    return copy;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, g_strdup (key), g_strdup (value));
  return copy;
}

ForgeE2bSandboxDetail *
forge_e2b_sandbox_detail_copy (const ForgeE2bSandboxDetail *detail)
{
  ForgeE2bSandboxDetail *copy;

  g_return_val_if_fail (detail != NULL, NULL);

  copy = g_new0 (ForgeE2bSandboxDetail, 1);
  copy->sandbox_id = g_strdup (detail->sandbox_id);
  copy->template_id = g_strdup (detail->template_id);
  copy->state = detail->state;
  copy->started_at = detail->started_at != NULL ? g_date_time_ref (detail->started_at) : NULL;
  copy->end_at = detail->end_at != NULL ? g_date_time_ref (detail->end_at) : NULL;
  copy->metadata = string_table_copy (detail->metadata);
  return copy;
}

void
forge_e2b_sandbox_detail_free (ForgeE2bSandboxDetail *detail)
{
  if (detail == NULL)
    return;

  g_free (detail->sandbox_id);
  g_free (detail->template_id);
  g_clear_pointer (&detail->started_at, g_date_time_unref);
  g_clear_pointer (&detail->end_at, g_date_time_unref);
  g_clear_pointer (&detail->metadata, g_hash_table_unref);
  g_free (detail);
}

G_DEFINE_BOXED_TYPE (ForgeE2bSandboxDetail, forge_e2b_sandbox_detail,
                     forge_e2b_sandbox_detail_copy, forge_e2b_sandbox_detail_free)

/* ---- reading answers ---- */

static void
set_protocol_error (GError     **error,
                    const char  *detail)
{
  g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_PROTOCOL,
               _("E2B sent an answer Forge Preview cannot read (%s)"), detail);
}

static JsonNode *
parse_json (GBytes  *body,
            GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  if (data == NULL || length == 0)
    {
      set_protocol_error (error, _("an empty answer"));
      return NULL;
    }
  if (!forge_json_depth_within (data, length, MAX_JSON_DEPTH))
    {
      set_protocol_error (error, _("JSON nested too deeply"));
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      /* json-glib's message quotes no input, only a position. */
      g_debug ("Answer is not JSON: %s", local_error->message);
      set_protocol_error (error, _("not JSON"));
      return NULL;
    }

  return json_parser_steal_root (parser);
}

/* json-glib's getters take a member of the wrong type for a programming
 * error (a critical); an answer from the network is not ours to trust. */
static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* Sandbox ids go into host names and paths: only what E2B hands out,
 * so that no answer can point envd's token at another host. */
static gboolean
is_valid_id (const char *id)
{
  gsize len;

  if (id == NULL || (len = strlen (id)) == 0 || len > MAX_ID_CHARS)
    return FALSE;

  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;

  return TRUE;
}

/* A host name, with a port for a local stand-in. */
static gboolean
is_valid_domain (const char *domain)
{
  gsize len;

  if (domain == NULL || (len = strlen (domain)) == 0 || len > MAX_DOMAIN_CHARS ||
      domain[0] == '.' || domain[0] == '-')
    return FALSE;

  for (const char *p = domain; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != ':')
      return FALSE;

  return TRUE;
}

static GDateTime *
member_time (JsonObject *object,
             const char *name)
{
  const char *text = member_string (object, name);

  return text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;
}

static ForgeE2bSandboxInfo *
info_from_node (ForgeE2bApi  *self,
                JsonNode     *root,
                GError      **error)
{
  g_autoptr(ForgeE2bSandboxInfo) info = NULL;
  JsonObject *object;
  const char *id, *domain;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      set_protocol_error (error, _("not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (root);

  id = member_string (object, "sandboxID");
  if (!is_valid_id (id))
    {
      set_protocol_error (error, _("no valid sandboxID"));
      return NULL;
    }

  /* Nullable in the spec: then the sandbox lives in the configured one. */
  domain = member_string (object, "domain");
  if (domain != NULL && *domain != '\0' && !is_valid_domain (domain))
    {
      set_protocol_error (error, _("an invalid domain"));
      return NULL;
    }
  if (domain == NULL || *domain == '\0')
    domain = forge_e2b_config_get_domain (self->config);

  info = g_new0 (ForgeE2bSandboxInfo, 1);
  info->sandbox_id = g_strdup (id);
  info->template_id = g_strdup (member_string (object, "templateID"));
  info->envd_access_token = g_strdup (member_string (object, "envdAccessToken"));
  info->domain = g_strdup (domain);
  info->envd_version = g_strdup (member_string (object, "envdVersion"));
  return g_steal_pointer (&info);
}

static ForgeE2bSandboxDetail *
detail_from_node (JsonNode  *node,
                  GError   **error)
{
  g_autoptr(ForgeE2bSandboxDetail) detail = NULL;
  JsonObject *object, *metadata;
  const char *id, *state;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      set_protocol_error (error, _("not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);

  id = member_string (object, "sandboxID");
  if (!is_valid_id (id))
    {
      set_protocol_error (error, _("no valid sandboxID"));
      return NULL;
    }

  detail = g_new0 (ForgeE2bSandboxDetail, 1);
  detail->sandbox_id = g_strdup (id);
  detail->template_id = g_strdup (member_string (object, "templateID"));
  detail->started_at = member_time (object, "startedAt");
  detail->end_at = member_time (object, "endAt");
  detail->metadata = string_table_new ();

  state = member_string (object, "state");
  if (g_strcmp0 (state, "running") == 0)
    detail->state = FORGE_E2B_SANDBOX_STATE_RUNNING;
  else if (g_strcmp0 (state, "paused") == 0)
    detail->state = FORGE_E2B_SANDBOX_STATE_PAUSED;
  else
    detail->state = FORGE_E2B_SANDBOX_STATE_UNKNOWN;

  if ((metadata = member_object (object, "metadata")) != NULL)
    {
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;

      json_object_iter_init (&iter, metadata);
      while (json_object_iter_next (&iter, &key, &value))
        {
          /* Metadata is a string map; anything else is not ours. */
          if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
            g_hash_table_insert (detail->metadata, g_strdup (key), g_strdup (json_node_get_string (value)));
        }
    }

  return g_steal_pointer (&detail);
}

/* ---- errors ---- */

/* The server's `message`, fit for one line, the key redacted; or NULL. */
static char *
server_message (ForgeE2bApi    *self,
                const Response *response)
{
  const char *secrets[] = { forge_e2b_config_get_api_key (self->config), NULL };
  g_autoptr(JsonNode) root = NULL;
  const char *message;

  if (response->body == NULL || response->too_large)
    return NULL;
  if ((root = parse_json (response->body, NULL)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  if ((message = member_string (json_node_get_object (root), "message")) == NULL)
    return NULL;

  return forge_e2b_error_clean_message (message, -1, secrets);
}

static char *
format_duration (guint seconds)
{
  if (seconds % 3600 == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u hour", "%u hours", seconds / 3600), seconds / 3600);
  if (seconds % 60 == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u minute", "%u minutes", seconds / 60), seconds / 60);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u second", "%u seconds", seconds), seconds);
}

/* The plan's limit from E2B's "Timeout cannot be greater than 1 hours":
 * the API has no call that says which plan a key is on. */
static char *
plan_limit_from_message (const char *message)
{
  g_autofree char *lower = g_ascii_strdown (message, -1);
  const char *p = strstr (lower, "than");
  guint64 value;
  char *end;

  if (p == NULL)
    return NULL;
  p += strlen ("than");
  while (*p == ' ')
    p++;
  if (!g_ascii_isdigit (*p))
    return NULL;

  value = g_ascii_strtoull (p, &end, 10);
  if (value == 0 || value > G_MAXUINT / 3600)
    return NULL;
  while (*end == ' ')
    end++;

  if (g_str_has_prefix (end, "hour"))
    return format_duration ((guint) value * 3600);
  if (g_str_has_prefix (end, "minute"))
    return format_duration ((guint) value * 60);
  if (g_str_has_prefix (end, "second"))
    return format_duration ((guint) value);
  return NULL;
}

static void
set_timeout_too_long_error (const Request  *request,
                            const char     *message,
                            GError        **error)
{
  g_autofree char *asked = format_duration (request->timeout_s);
  g_autofree char *limit = plan_limit_from_message (message);

  if (limit != NULL)
    g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_TIMEOUT_TOO_LONG,
                 _("E2B refused a sandbox lifetime of %s: your plan allows at most %s. Lower the Sandbox Lifetime in Preferences"),
                 asked, limit);
  else
    g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_TIMEOUT_TOO_LONG,
                 _("E2B refused a sandbox lifetime of %s (%s): Hobby plans allow at most 1 hour, Pro plans 24 hours. Lower the Sandbox Lifetime in Preferences"),
                 asked, message);
}

static gboolean
mentions_timeout (const char *message)
{
  g_autofree char *lower = message != NULL ? g_ascii_strdown (message, -1) : NULL;

  return lower != NULL && strstr (lower, "timeout") != NULL;
}

static void
set_http_error (ForgeE2bApi     *self,
                const Request   *request,
                const Response  *response,
                GError         **error)
{
  g_autofree char *message = server_message (self, response);
  guint status = response->status;

  if (status == SOUP_STATUS_UNAUTHORIZED)
    {
      g_set_error_literal (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_UNAUTHORIZED,
                           _("E2B refused the API key: check it in Preferences"));
    }
  else if (status == SOUP_STATUS_FORBIDDEN)
    {
      if (message != NULL)
        g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_UNAUTHORIZED,
                     _("E2B refused access (%s): check the API key in Preferences"), message);
      else
        g_set_error_literal (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_UNAUTHORIZED,
                             _("E2B refused access: check the API key in Preferences"));
    }
  else if (status == SOUP_STATUS_NOT_FOUND && request->op == OP_CREATE)
    {
      g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_TEMPLATE_NOT_FOUND,
                   _("E2B has no template “%s”: check E2B_FULLSTACK_TEMPLATE_ID or the project’s template"),
                   request->template_id);
    }
  else if (status == SOUP_STATUS_NOT_FOUND && request->sandbox_id != NULL)
    {
      g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND,
                   _("The E2B sandbox %s is gone: it expired or was stopped"), request->sandbox_id);
    }
  else if (status == SOUP_STATUS_NOT_FOUND)
    {
      g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_PROTOCOL,
                   _("E2B answered “not found” at %s: check E2B_API_URL"),
                   forge_e2b_config_get_api_url (self->config));
    }
  else if (status == SOUP_STATUS_CONFLICT)
    {
      if (message != NULL)
        g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_CONFLICT,
                     _("E2B could not do this now: %s"), message);
      else
        g_set_error_literal (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_CONFLICT,
                             _("E2B could not do this now: the sandbox is busy or already paused"));
    }
  else if (status == SOUP_STATUS_BAD_REQUEST && request->timeout_s > 0 &&
           mentions_timeout (message))
    {
      set_timeout_too_long_error (request, message, error);
    }
  else if (status == HTTP_TOO_MANY_REQUESTS)
    {
      if (message != NULL)
        g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_RATE_LIMITED,
                     _("E2B is limiting requests (%s): try again later or stop other previews"), message);
      else
        g_set_error_literal (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_RATE_LIMITED,
                             _("E2B is limiting requests: try again later or stop other previews"));
    }
  else if (SOUP_STATUS_IS_SERVER_ERROR (status))
    {
      if (message != NULL)
        g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_SERVER,
                     _("E2B is having trouble (HTTP %u: %s): try again later"), status, message);
      else
        g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_SERVER,
                     _("E2B is having trouble (HTTP %u): try again later"), status);
    }
  else if (SOUP_STATUS_IS_CLIENT_ERROR (status))
    {
      if (message != NULL)
        g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_BAD_REQUEST,
                     _("E2B rejected the request (HTTP %u): %s"), status, message);
      else
        g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_BAD_REQUEST,
                     _("E2B rejected the request (HTTP %u)"), status);
    }
  else
    {
      g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_PROTOCOL,
                   _("E2B answered with an unexpected HTTP status %u"), status);
    }
}

/* ---- sending ---- */

static const char *
method_name (const Request *request)
{
  return request->method;
}

/* One exchange. FALSE only when there was no HTTP answer to read. */
static gboolean
send_once (ForgeE2bApi    *self,
           const Request  *request,
           Response       *response,
           GCancellable   *cancellable,
           GError        **error)
{
  const char *api_url = forge_e2b_config_get_api_url (self->config);
  g_autofree char *url = g_strconcat (api_url, request->path, NULL);
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  SoupMessageHeaders *headers;
  const char *value;
  gint64 started;

  /* Checked here: libsoup takes anything else for a programming error. */
  if (uri == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 && g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_CONFIG,
                   _("The E2B address “%s” is not an http(s) URL: check E2B_API_URL"), api_url);
      return FALSE;
    }

  message = soup_message_new_from_uri (request->method, uri);
  headers = soup_message_get_request_headers (message);
  /* The one place the key goes: a header, never the URL. */
  soup_message_headers_replace (headers, "X-API-Key", forge_e2b_config_get_api_key (self->config));
  soup_message_headers_replace (headers, "Accept", "application/json");
  if (request->body != NULL)
    soup_message_set_request_body_from_bytes (message, "application/json", request->body);

  started = g_get_monotonic_time ();
  stream = soup_session_send (self->session, message, cancellable, &local_error);
  if (stream == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      g_debug ("%s %s: no answer: %s", method_name (request), request->path, local_error->message);
      g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NETWORK,
                   _("Could not reach E2B at %s: %s"), g_uri_get_host (uri), local_error->message);
      return FALSE;
    }

  headers = soup_message_get_response_headers (message);
  response->body = forge_read_bounded (stream, MAX_BODY_BYTES,
                                       soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                                         ? soup_message_headers_get_content_length (headers) : -1,
                                       &response->too_large, cancellable, &local_error);
  /* Closing gives up what is left of a body too large to read. */
  g_input_stream_close (stream, NULL, NULL);
  if (response->body == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      g_set_error (error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NETWORK,
                   _("Could not reach E2B at %s: %s"), g_uri_get_host (uri), local_error->message);
      return FALSE;
    }

  response->status = soup_message_get_status (message);
  response->next_token = g_strdup (soup_message_headers_get_one (headers, "X-Next-Token"));
  if ((value = soup_message_headers_get_one (headers, "Date")) != NULL)
    response->date = soup_date_time_new_from_http_string (value);
  if ((value = soup_message_headers_get_one (headers, "Retry-After")) != NULL)
    {
      guint64 seconds;

      /* Only the delay-seconds form: a date needs a clock to trust. */
      if (g_ascii_string_to_unsigned (value, 10, 0, 3600, &seconds, NULL))
        response->retry_after_ms = (guint) seconds * 1000;
    }

  g_debug ("%s %s → %u (%" G_GINT64_FORMAT " ms)", method_name (request), request->path,
           response->status, (g_get_monotonic_time () - started) / 1000);
  return TRUE;
}

/* Waits, and wakes early when cancelled. */
static gboolean
wait_cancellable (guint          ms,
                  GCancellable  *cancellable,
                  GError       **error)
{
  GPollFD pollfd;
  gint64 deadline;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  if (cancellable == NULL || !g_cancellable_make_pollfd (cancellable, &pollfd))
    {
      g_usleep ((gulong) ms * 1000);
      return TRUE;
    }

  deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  for (;;)
    {
      gint64 remaining = deadline - g_get_monotonic_time ();

      if (remaining <= 0 || g_cancellable_is_cancelled (cancellable))
        break;
      g_poll (&pollfd, 1, (gint) ((remaining + 999) / 1000));
    }
  g_cancellable_release_fd (cancellable);

  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

static gboolean
is_retryable (guint status)
{
  return status == HTTP_TOO_MANY_REQUESTS || SOUP_STATUS_IS_SERVER_ERROR (status);
}

/* Sends, retrying 429 and 5xx within the policy; then any other answer,
 * or the last 429/5xx, is in response. */
static gboolean
send_with_retries (ForgeE2bApi    *self,
                   const Request  *request,
                   Response       *response,
                   GCancellable   *cancellable,
                   GError        **error)
{
  guint max_attempts, first_delay_ms, max_total_ms;
  gint64 started = g_get_monotonic_time ();

  g_mutex_lock (&self->policy_lock);
  max_attempts = self->max_attempts;
  first_delay_ms = self->first_delay_ms;
  max_total_ms = self->max_total_ms;
  g_mutex_unlock (&self->policy_lock);

  for (guint attempt = 1; ; attempt++)
    {
      guint64 delay_ms, elapsed_ms;

      response_clear (response);
      if (!send_once (self, request, response, cancellable, error))
        return FALSE;

      if (!is_retryable (response->status) || attempt >= max_attempts)
        return TRUE;

      /* Doubling, without overflow past the bound that follows. */
      delay_ms = (guint64) first_delay_ms << MIN (attempt - 1, 20u);
      delay_ms = MAX (delay_ms, response->retry_after_ms);
      elapsed_ms = (guint64) (g_get_monotonic_time () - started) / 1000;
      if (elapsed_ms + delay_ms > max_total_ms)
        {
          g_debug ("%s %s: HTTP %u, no time left to retry", method_name (request), request->path, response->status);
          return TRUE;
        }

      g_debug ("%s %s: HTTP %u, retrying in %" G_GUINT64_FORMAT " ms (attempt %u of %u)",
               method_name (request), request->path, response->status, delay_ms, attempt + 1, max_attempts);
      if (!wait_cancellable ((guint) delay_ms, cancellable, error))
        return FALSE;
    }
}

/* A whole call: TRUE with a 2xx answer (its body read whole) in response;
 * FALSE with the error the answer means. */
static gboolean
call (ForgeE2bApi    *self,
      const Request  *request,
      Response       *response,
      GCancellable   *cancellable,
      GError        **error)
{
  if (!forge_e2b_config_has_api_key (self->config))
    {
      g_propagate_error (error, forge_e2b_error_new_no_api_key ());
      return FALSE;
    }

  if (!send_with_retries (self, request, response, cancellable, error))
    return FALSE;

  if (!SOUP_STATUS_IS_SUCCESSFUL (response->status))
    {
      set_http_error (self, request, response, error);
      return FALSE;
    }

  if (response->too_large)
    {
      set_protocol_error (error, _("larger than 1 MiB"));
      return FALSE;
    }

  return TRUE;
}

static GBytes *
json_body (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  gsize length = 0;
  char *text = json_to_string (root, FALSE);

  length = strlen (text);
  return g_bytes_new_take (text, length);
}

static void
add_string_map (JsonBuilder *builder,
                const char  *name,
                GHashTable  *table)
{
  GHashTableIter iter;
  gpointer key, value;

  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  if (table != NULL)
    {
      g_hash_table_iter_init (&iter, table);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          json_builder_set_member_name (builder, key);
          json_builder_add_string_value (builder, value);
        }
    }
  json_builder_end_object (builder);
}

static char *
sandbox_path (const char *sandbox_id,
              const char *suffix)
{
  g_autofree char *escaped = g_uri_escape_string (sandbox_id, NULL, FALSE);

  return g_strconcat ("/sandboxes/", escaped, suffix, NULL);
}

static GBytes *
timeout_body (const char *name,
              guint       seconds)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, seconds);
  json_builder_end_object (builder);
  return json_body (builder);
}

/* ---- the calls ---- */

ForgeE2bSandboxInfo *
forge_e2b_api_create_sandbox_sync (ForgeE2bApi   *self,
                                   const char    *template_id,
                                   guint          timeout_s,
                                   GHashTable    *metadata,
                                   GHashTable    *env_vars,
                                   gboolean       auto_pause,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  Response response = { 0 };
  Request request = { 0 };
  ForgeE2bSandboxInfo *info = NULL;

  g_return_val_if_fail (FORGE_IS_E2B_API (self), NULL);
  g_return_val_if_fail (template_id != NULL && *template_id != '\0', NULL);
  g_return_val_if_fail (timeout_s > 0, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "templateID");
  json_builder_add_string_value (builder, template_id);
  /* Always: the API's own default is 15 s. */
  json_builder_set_member_name (builder, "timeout");
  json_builder_add_int_value (builder, timeout_s);
  json_builder_set_member_name (builder, "autoPause");
  json_builder_add_boolean_value (builder, auto_pause);
  /* envd then wants the access token the answer carries, as the SDK
   * asks by default. */
  json_builder_set_member_name (builder, "secure");
  json_builder_add_boolean_value (builder, TRUE);
  add_string_map (builder, "metadata", metadata);
  add_string_map (builder, "envVars", env_vars);
  json_builder_end_object (builder);
  body = json_body (builder);

  request.op = OP_CREATE;
  request.method = SOUP_METHOD_POST;
  request.path = "/sandboxes";
  request.body = body;
  request.template_id = template_id;
  request.timeout_s = timeout_s;

  if (call (self, &request, &response, cancellable, error) &&
      (root = parse_json (response.body, error)) != NULL)
    info = info_from_node (self, root, error);

  response_clear (&response);
  return info;
}

static ForgeE2bSandboxDetail *
get_sandbox (ForgeE2bApi   *self,
             const char    *sandbox_id,
             GDateTime    **server_now,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *path = sandbox_path (sandbox_id, NULL);
  g_autoptr(JsonNode) root = NULL;
  Response response = { 0 };
  Request request = {
    .op = OP_GET,
    .method = SOUP_METHOD_GET,
    .path = path,
    .sandbox_id = sandbox_id,
  };
  ForgeE2bSandboxDetail *detail = NULL;

  if (call (self, &request, &response, cancellable, error) &&
      (root = parse_json (response.body, error)) != NULL)
    detail = detail_from_node (root, error);

  if (detail != NULL && server_now != NULL)
    *server_now = response.date != NULL ? g_date_time_ref (response.date) : NULL;

  response_clear (&response);
  return detail;
}

ForgeE2bSandboxDetail *
forge_e2b_api_get_sandbox_sync (ForgeE2bApi   *self,
                                const char    *sandbox_id,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_return_val_if_fail (FORGE_IS_E2B_API (self), NULL);
  g_return_val_if_fail (sandbox_id != NULL && *sandbox_id != '\0', NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  return get_sandbox (self, sandbox_id, NULL, cancellable, error);
}

/* A body-less call that answers 2xx or fails. */
static gboolean
simple_call (ForgeE2bApi   *self,
             Op             op,
             const char    *method,
             const char    *sandbox_id,
             const char    *suffix,
             GBytes        *body,
             guint          timeout_s,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *path = sandbox_path (sandbox_id, suffix);
  Response response = { 0 };
  Request request = {
    .op = op,
    .method = method,
    .path = path,
    .body = body,
    .sandbox_id = sandbox_id,
    .timeout_s = timeout_s,
  };
  gboolean ok;

  ok = call (self, &request, &response, cancellable, error);
  response_clear (&response);
  return ok;
}

ForgeE2bSandboxDetail *
forge_e2b_api_extend_timeout_sync (ForgeE2bApi   *self,
                                   const char    *sandbox_id,
                                   guint          seconds,
                                   gboolean      *extended,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  g_autoptr(ForgeE2bSandboxDetail) detail = NULL;
  g_autoptr(GDateTime) server_now = NULL;
  g_autoptr(GDateTime) wanted_end = NULL;
  g_autoptr(GBytes) body = NULL;

  g_return_val_if_fail (FORGE_IS_E2B_API (self), NULL);
  g_return_val_if_fail (sandbox_id != NULL && *sandbox_id != '\0', NULL);
  g_return_val_if_fail (seconds > 0, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  if (extended != NULL)
    *extended = FALSE;

  detail = get_sandbox (self, sandbox_id, &server_now, cancellable, error);
  if (detail == NULL)
    return NULL;

  /* Setting a timeout is no way to resume one: that is connect. */
  if (detail->state == FORGE_E2B_SANDBOX_STATE_PAUSED)
    {
      g_debug ("Sandbox %s is paused: not extending it", sandbox_id);
      return g_steal_pointer (&detail);
    }

  /* The server's clock decides endAt; ours may be minutes off. */
  if (server_now == NULL)
    server_now = g_date_time_new_now_utc ();
  wanted_end = g_date_time_add_seconds (server_now, seconds);

  /* POST …/timeout sets the remaining life, so it can shorten: someone
   * (another window, the CLI) may have given this sandbox longer. */
  if (detail->end_at != NULL && g_date_time_compare (detail->end_at, wanted_end) >= 0)
    {
      g_debug ("Sandbox %s already lives longer than %u s: not shortening it", sandbox_id, seconds);
      return g_steal_pointer (&detail);
    }

  body = timeout_body ("timeout", seconds);
  if (!simple_call (self, OP_TIMEOUT, SOUP_METHOD_POST, sandbox_id, "/timeout", body, seconds,
                    cancellable, error))
    return NULL;

  g_clear_pointer (&detail->end_at, g_date_time_unref);
  detail->end_at = g_steal_pointer (&wanted_end);
  if (extended != NULL)
    *extended = TRUE;

  return g_steal_pointer (&detail);
}

gboolean
forge_e2b_api_kill_sandbox_sync (ForgeE2bApi   *self,
                                 const char    *sandbox_id,
                                 GCancellable  *cancellable,
                                 GError       **error)
{
  g_return_val_if_fail (FORGE_IS_E2B_API (self), FALSE);
  g_return_val_if_fail (sandbox_id != NULL && *sandbox_id != '\0', FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  return simple_call (self, OP_KILL, SOUP_METHOD_DELETE, sandbox_id, NULL, NULL, 0, cancellable, error);
}

gboolean
forge_e2b_api_pause_sandbox_sync (ForgeE2bApi   *self,
                                  const char    *sandbox_id,
                                  GCancellable  *cancellable,
                                  GError       **error)
{
  g_return_val_if_fail (FORGE_IS_E2B_API (self), FALSE);
  g_return_val_if_fail (sandbox_id != NULL && *sandbox_id != '\0', FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);

  return simple_call (self, OP_PAUSE, SOUP_METHOD_POST, sandbox_id, "/pause", NULL, 0, cancellable, error);
}

ForgeE2bSandboxInfo *
forge_e2b_api_connect_sandbox_sync (ForgeE2bApi   *self,
                                    const char    *sandbox_id,
                                    guint          timeout_s,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  Response response = { 0 };
  Request request = { 0 };
  ForgeE2bSandboxInfo *info = NULL;

  g_return_val_if_fail (FORGE_IS_E2B_API (self), NULL);
  g_return_val_if_fail (sandbox_id != NULL && *sandbox_id != '\0', NULL);
  g_return_val_if_fail (timeout_s > 0, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  path = sandbox_path (sandbox_id, "/connect");
  body = timeout_body ("timeout", timeout_s);

  request.op = OP_CONNECT;
  request.method = SOUP_METHOD_POST;
  request.path = path;
  request.body = body;
  request.sandbox_id = sandbox_id;
  request.timeout_s = timeout_s;

  if (call (self, &request, &response, cancellable, error) &&
      (root = parse_json (response.body, error)) != NULL)
    info = info_from_node (self, root, error);

  response_clear (&response);
  return info;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The SDK's URLSearchParams(metadata).toString(), itself then one query
 * value: "metadata=k%3Dv%26k2%3Dv2". Sorted, so the query is stable. */
static char *
metadata_query (GHashTable *metadata)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();
  g_autoptr(GString) pairs = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_strings);

  for (guint i = 0; i < keys->len; i++)
    {
      const char *k = g_ptr_array_index (keys, i);
      g_autofree char *ek = g_uri_escape_string (k, NULL, FALSE);
      g_autofree char *ev = g_uri_escape_string (g_hash_table_lookup (metadata, k), NULL, FALSE);

      g_string_append_printf (pairs, "%s%s=%s", i > 0 ? "&" : "", ek, ev);
    }

  return g_uri_escape_string (pairs->str, NULL, FALSE);
}

GPtrArray *
forge_e2b_api_list_sandboxes_sync (ForgeE2bApi   *self,
                                   GHashTable    *metadata,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  g_autoptr(GPtrArray) sandboxes = NULL;
  g_autofree char *filter = NULL;
  g_autofree char *token = NULL;

  g_return_val_if_fail (FORGE_IS_E2B_API (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);

  sandboxes = g_ptr_array_new_with_free_func ((GDestroyNotify) forge_e2b_sandbox_detail_free);
  if (metadata != NULL && g_hash_table_size (metadata) > 0)
    filter = metadata_query (metadata);

  for (guint page = 0; ; page++)
    {
      g_autoptr(GString) path = g_string_new ("/v2/sandboxes?state=running,paused");
      g_autoptr(JsonNode) root = NULL;
      Response response = { 0 };
      Request request = { .op = OP_LIST, .method = SOUP_METHOD_GET };
      JsonArray *array;

      if (page >= MAX_LIST_PAGES)
        {
          set_protocol_error (error, _("too many pages of sandboxes"));
          return NULL;
        }

      g_string_append_printf (path, "&limit=%u", LIST_PAGE_LIMIT);
      if (filter != NULL)
        g_string_append_printf (path, "&metadata=%s", filter);
      if (token != NULL)
        {
          g_autofree char *escaped = g_uri_escape_string (token, NULL, FALSE);

          g_string_append_printf (path, "&nextToken=%s", escaped);
        }
      request.path = path->str;

      if (!call (self, &request, &response, cancellable, error) ||
          (root = parse_json (response.body, error)) == NULL)
        {
          response_clear (&response);
          return NULL;
        }

      if (!JSON_NODE_HOLDS_ARRAY (root))
        {
          response_clear (&response);
          set_protocol_error (error, _("not a JSON array"));
          return NULL;
        }

      array = json_node_get_array (root);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          ForgeE2bSandboxDetail *detail = detail_from_node (json_array_get_element (array, i), error);

          if (detail == NULL)
            {
              response_clear (&response);
              return NULL;
            }
          g_ptr_array_add (sandboxes, detail);
        }

      /* No token, or the same one again: the last page. */
      if (response.next_token == NULL || *response.next_token == '\0' ||
          g_strcmp0 (response.next_token, token) == 0)
        {
          response_clear (&response);
          break;
        }

      g_free (token);
      token = g_steal_pointer (&response.next_token);
      response_clear (&response);
    }

  return g_steal_pointer (&sandboxes);
}

/* ---- async: the sync calls in a thread ---- */

typedef struct
{
  char       *sandbox_id;
  char       *template_id;
  guint       seconds;
  GHashTable *metadata;
  GHashTable *env_vars;
  gboolean    auto_pause;
  gboolean    extended;
} CallData;

static void
call_data_free (CallData *data)
{
  g_free (data->sandbox_id);
  g_free (data->template_id);
  g_clear_pointer (&data->metadata, g_hash_table_unref);
  g_clear_pointer (&data->env_vars, g_hash_table_unref);
  g_free (data);
}

static GTask *
new_task (ForgeE2bApi         *self,
          gpointer             source_tag,
          CallData            *data,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, (GDestroyNotify) call_data_free);
  return task;
}

static CallData *
call_data_new (const char *sandbox_id)
{
  CallData *data = g_new0 (CallData, 1);

  data->sandbox_id = g_strdup (sandbox_id);
  return data;
}

static gpointer
finish_pointer (ForgeE2bApi   *self,
                GAsyncResult  *result,
                gpointer       source_tag,
                GError       **error)
{
  g_return_val_if_fail (FORGE_IS_E2B_API (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
finish_boolean (ForgeE2bApi   *self,
                GAsyncResult  *result,
                gpointer       source_tag,
                GError       **error)
{
  g_return_val_if_fail (FORGE_IS_E2B_API (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
return_pointer (GTask          *task,
                gpointer        result,
                GDestroyNotify  free_func,
                GError         *error)
{
  if (result != NULL)
    g_task_return_pointer (task, result, free_func);
  else
    g_task_return_error (task, error);
}

static void
return_boolean (GTask    *task,
                gboolean  ok,
                GError   *error)
{
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
create_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  CallData *data = task_data;
  GError *error = NULL;
  ForgeE2bSandboxInfo *info;

  info = forge_e2b_api_create_sandbox_sync (source_object, data->template_id, data->seconds,
                                            data->metadata, data->env_vars, data->auto_pause,
                                            cancellable, &error);
  return_pointer (task, info, (GDestroyNotify) forge_e2b_sandbox_info_free, error);
}

void
forge_e2b_api_create_sandbox_async (ForgeE2bApi         *self,
                                    const char          *template_id,
                                    guint                timeout_s,
                                    GHashTable          *metadata,
                                    GHashTable          *env_vars,
                                    gboolean             auto_pause,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CallData *data;

  g_return_if_fail (FORGE_IS_E2B_API (self));
  g_return_if_fail (template_id != NULL && *template_id != '\0');
  g_return_if_fail (timeout_s > 0);

  data = call_data_new (NULL);
  data->template_id = g_strdup (template_id);
  data->seconds = timeout_s;
  /* Copied: the caller's tables are not to be read from another thread. */
  data->metadata = string_table_copy (metadata);
  data->env_vars = string_table_copy (env_vars);
  data->auto_pause = auto_pause;

  task = new_task (self, forge_e2b_api_create_sandbox_async, data, cancellable, callback, user_data);
  g_task_run_in_thread (task, create_thread);
}

ForgeE2bSandboxInfo *
forge_e2b_api_create_sandbox_finish (ForgeE2bApi   *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return finish_pointer (self, result, forge_e2b_api_create_sandbox_async, error);
}

static void
get_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  CallData *data = task_data;
  GError *error = NULL;
  ForgeE2bSandboxDetail *detail;

  detail = forge_e2b_api_get_sandbox_sync (source_object, data->sandbox_id, cancellable, &error);
  return_pointer (task, detail, (GDestroyNotify) forge_e2b_sandbox_detail_free, error);
}

void
forge_e2b_api_get_sandbox_async (ForgeE2bApi         *self,
                                 const char          *sandbox_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FORGE_IS_E2B_API (self));
  g_return_if_fail (sandbox_id != NULL && *sandbox_id != '\0');

  task = new_task (self, forge_e2b_api_get_sandbox_async, call_data_new (sandbox_id),
                   cancellable, callback, user_data);
  g_task_run_in_thread (task, get_thread);
}

ForgeE2bSandboxDetail *
forge_e2b_api_get_sandbox_finish (ForgeE2bApi   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return finish_pointer (self, result, forge_e2b_api_get_sandbox_async, error);
}

static void
extend_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  CallData *data = task_data;
  GError *error = NULL;
  ForgeE2bSandboxDetail *detail;

  /* data->extended is read by _finish only after the task returned. */
  detail = forge_e2b_api_extend_timeout_sync (source_object, data->sandbox_id, data->seconds,
                                              &data->extended, cancellable, &error);
  return_pointer (task, detail, (GDestroyNotify) forge_e2b_sandbox_detail_free, error);
}

void
forge_e2b_api_extend_timeout_async (ForgeE2bApi         *self,
                                    const char          *sandbox_id,
                                    guint                seconds,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CallData *data;

  g_return_if_fail (FORGE_IS_E2B_API (self));
  g_return_if_fail (sandbox_id != NULL && *sandbox_id != '\0');
  g_return_if_fail (seconds > 0);

  data = call_data_new (sandbox_id);
  data->seconds = seconds;
  task = new_task (self, forge_e2b_api_extend_timeout_async, data, cancellable, callback, user_data);
  g_task_run_in_thread (task, extend_thread);
}

ForgeE2bSandboxDetail *
forge_e2b_api_extend_timeout_finish (ForgeE2bApi   *self,
                                     GAsyncResult  *result,
                                     gboolean      *extended,
                                     GError       **error)
{
  ForgeE2bSandboxDetail *detail = finish_pointer (self, result, forge_e2b_api_extend_timeout_async, error);

  if (extended != NULL)
    *extended = detail != NULL && ((CallData *) g_task_get_task_data (G_TASK (result)))->extended;
  return detail;
}

static void
kill_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  CallData *data = task_data;
  GError *error = NULL;
  gboolean ok;

  ok = forge_e2b_api_kill_sandbox_sync (source_object, data->sandbox_id, cancellable, &error);
  return_boolean (task, ok, error);
}

void
forge_e2b_api_kill_sandbox_async (ForgeE2bApi         *self,
                                  const char          *sandbox_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FORGE_IS_E2B_API (self));
  g_return_if_fail (sandbox_id != NULL && *sandbox_id != '\0');

  task = new_task (self, forge_e2b_api_kill_sandbox_async, call_data_new (sandbox_id),
                   cancellable, callback, user_data);
  g_task_run_in_thread (task, kill_thread);
}

gboolean
forge_e2b_api_kill_sandbox_finish (ForgeE2bApi   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return finish_boolean (self, result, forge_e2b_api_kill_sandbox_async, error);
}

static void
list_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  CallData *data = task_data;
  GError *error = NULL;
  GPtrArray *sandboxes;

  sandboxes = forge_e2b_api_list_sandboxes_sync (source_object, data->metadata, cancellable, &error);
  return_pointer (task, sandboxes, (GDestroyNotify) g_ptr_array_unref, error);
}

void
forge_e2b_api_list_sandboxes_async (ForgeE2bApi         *self,
                                    GHashTable          *metadata,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CallData *data;

  g_return_if_fail (FORGE_IS_E2B_API (self));

  data = call_data_new (NULL);
  data->metadata = string_table_copy (metadata);
  task = new_task (self, forge_e2b_api_list_sandboxes_async, data, cancellable, callback, user_data);
  g_task_run_in_thread (task, list_thread);
}

GPtrArray *
forge_e2b_api_list_sandboxes_finish (ForgeE2bApi   *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return finish_pointer (self, result, forge_e2b_api_list_sandboxes_async, error);
}

static void
pause_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CallData *data = task_data;
  GError *error = NULL;
  gboolean ok;

  ok = forge_e2b_api_pause_sandbox_sync (source_object, data->sandbox_id, cancellable, &error);
  return_boolean (task, ok, error);
}

void
forge_e2b_api_pause_sandbox_async (ForgeE2bApi         *self,
                                   const char          *sandbox_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FORGE_IS_E2B_API (self));
  g_return_if_fail (sandbox_id != NULL && *sandbox_id != '\0');

  task = new_task (self, forge_e2b_api_pause_sandbox_async, call_data_new (sandbox_id),
                   cancellable, callback, user_data);
  g_task_run_in_thread (task, pause_thread);
}

gboolean
forge_e2b_api_pause_sandbox_finish (ForgeE2bApi   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return finish_boolean (self, result, forge_e2b_api_pause_sandbox_async, error);
}

static void
connect_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  CallData *data = task_data;
  GError *error = NULL;
  ForgeE2bSandboxInfo *info;

  info = forge_e2b_api_connect_sandbox_sync (source_object, data->sandbox_id, data->seconds,
                                             cancellable, &error);
  return_pointer (task, info, (GDestroyNotify) forge_e2b_sandbox_info_free, error);
}

void
forge_e2b_api_connect_sandbox_async (ForgeE2bApi         *self,
                                     const char          *sandbox_id,
                                     guint                timeout_s,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CallData *data;

  g_return_if_fail (FORGE_IS_E2B_API (self));
  g_return_if_fail (sandbox_id != NULL && *sandbox_id != '\0');
  g_return_if_fail (timeout_s > 0);

  data = call_data_new (sandbox_id);
  data->seconds = timeout_s;
  task = new_task (self, forge_e2b_api_connect_sandbox_async, data, cancellable, callback, user_data);
  g_task_run_in_thread (task, connect_thread);
}

ForgeE2bSandboxInfo *
forge_e2b_api_connect_sandbox_finish (ForgeE2bApi   *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  return finish_pointer (self, result, forge_e2b_api_connect_sandbox_async, error);
}

/* ---- the object ---- */

ForgeE2bApi *
forge_e2b_api_new (ForgeE2bConfig *config)
{
  g_return_val_if_fail (FORGE_IS_E2B_CONFIG (config), NULL);

  return g_object_new (FORGE_TYPE_E2B_API, "config", config, NULL);
}

ForgeE2bConfig *
forge_e2b_api_get_config (ForgeE2bApi *self)
{
  g_return_val_if_fail (FORGE_IS_E2B_API (self), NULL);

  return self->config;
}

void
forge_e2b_api_set_retry_policy (ForgeE2bApi *self,
                                guint        max_attempts,
                                guint        first_delay_ms,
                                guint        max_total_ms)
{
  g_return_if_fail (FORGE_IS_E2B_API (self));
  g_return_if_fail (max_attempts >= 1);

  g_mutex_lock (&self->policy_lock);
  self->max_attempts = max_attempts;
  self->first_delay_ms = first_delay_ms;
  self->max_total_ms = max_total_ms;
  g_mutex_unlock (&self->policy_lock);
}

static void
forge_e2b_api_finalize (GObject *object)
{
  ForgeE2bApi *self = FORGE_E2B_API (object);

  g_clear_object (&self->session);
  g_clear_object (&self->config);
  g_mutex_clear (&self->policy_lock);

  G_OBJECT_CLASS (forge_e2b_api_parent_class)->finalize (object);
}

static void
forge_e2b_api_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ForgeE2bApi *self = FORGE_E2B_API (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_e2b_api_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ForgeE2bApi *self = FORGE_E2B_API (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_e2b_api_constructed (GObject *object)
{
  ForgeE2bApi *self = FORGE_E2B_API (object);

  G_OBJECT_CLASS (forge_e2b_api_parent_class)->constructed (object);

  /* A config is required; without one every call would fail anyway. */
  if (self->config == NULL)
    self->config = forge_e2b_config_new (NULL, NULL);
}

static void
forge_e2b_api_class_init (ForgeE2bApiClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = forge_e2b_api_constructed;
  object_class->finalize = forge_e2b_api_finalize;
  object_class->get_property = forge_e2b_api_get_property;
  object_class->set_property = forge_e2b_api_set_property;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL,
                         FORGE_TYPE_E2B_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_e2b_api_init (ForgeE2bApi *self)
{
  g_mutex_init (&self->policy_lock);
  self->max_attempts = DEFAULT_MAX_ATTEMPTS;
  self->first_delay_ms = DEFAULT_FIRST_DELAY_MS;
  self->max_total_ms = DEFAULT_MAX_TOTAL_MS;

  /* Configured here, on the creating thread and before any request, and
   * never again: libsoup's rule for sending from several threads. */
  self->session = soup_session_new_with_options ("timeout", IO_TIMEOUT_S,
                                                 "user-agent", PACKAGE_NAME "/" PACKAGE_VERSION " ",
                                                 NULL);
}
