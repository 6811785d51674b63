/* forge-github-http.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-github"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "forge-github-private.h"
#include "forge-util.h"

/* GitHub's answers nest four levels (a repository's owner, permissions,
 * license); json-glib's parser recurses, so a body of a million '[' must
 * be turned away before it parses. */
#define MAX_JSON_DEPTH 32
#define MAX_MESSAGE_CHARS 200
/* How long a connection may stay silent. */
#define IO_TIMEOUT_S 30

void
_forge_github_response_clear (ForgeGithubResponse *response)
{
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->link, g_free);
  g_clear_pointer (&response->location, g_free);
  g_clear_pointer (&response->ratelimit_remaining, g_free);
  g_clear_pointer (&response->ratelimit_reset, g_free);
  g_clear_pointer (&response->retry_after, g_free);
  memset (response, 0, sizeof *response);
}

SoupSession *
_forge_github_session_new (void)
{
  /* GitHub turns away requests without a User-Agent. */
  return soup_session_new_with_options ("timeout", IO_TIMEOUT_S,
                                        "user-agent", PACKAGE_NAME "/" PACKAGE_VERSION,
                                        NULL);
}

static void
set_network_error (GError       **error,
                   const char    *host_label,
                   const GError  *cause)
{
  g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NETWORK,
               _("Could not reach GitHub at %s: %s. Check your connection."),
               host_label, cause->message);
}

gboolean
_forge_github_send (SoupSession          *session,
                    SoupMessage          *message,
                    const char           *host_label,
                    ForgeGithubResponse  *response,
                    GCancellable         *cancellable,
                    GError              **error)
{
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  SoupMessageHeaders *headers;
  GUri *uri = soup_message_get_uri (message);
  gint64 started = g_get_monotonic_time ();

  _forge_github_response_clear (response);
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);

  stream = soup_session_send (session, message, cancellable, &local_error);
  if (stream == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("%s %s: no answer: %s", soup_message_get_method (message),
               g_uri_get_path (uri), local_error->message);
      set_network_error (error, host_label, local_error);
      return FALSE;
    }

  headers = soup_message_get_response_headers (message);
  response->body = forge_read_bounded (stream, FORGE_GITHUB_MAX_BODY_BYTES,
                                       soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                                         ? soup_message_headers_get_content_length (headers) : -1,
                                       &response->too_large, cancellable, &local_error);
  g_input_stream_close (stream, NULL, NULL);
  if (response->body == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      set_network_error (error, host_label, local_error);
      return FALSE;
    }

  response->status = soup_message_get_status (message);
  response->link = g_strdup (soup_message_headers_get_list (headers, "Link"));
  response->location = g_strdup (soup_message_headers_get_one (headers, "Location"));
  response->ratelimit_remaining = g_strdup (soup_message_headers_get_one (headers, "X-RateLimit-Remaining"));
  response->ratelimit_reset = g_strdup (soup_message_headers_get_one (headers, "X-RateLimit-Reset"));
  response->retry_after = g_strdup (soup_message_headers_get_one (headers, "Retry-After"));

  /* The path only: a query is GitHub's, but keep the log to what matters. */
  g_debug ("%s %s → %u (%" G_GINT64_FORMAT " ms)", soup_message_get_method (message),
           g_uri_get_path (uri), response->status,
           (g_get_monotonic_time () - started) / 1000);
  return TRUE;
}

static GError *
rate_limit_error_at (gint64 unix_time)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (unix_time);
  g_autofree char *text = when != NULL ? g_date_time_format (when, "%H:%M") : NULL;

  if (text == NULL)
    return g_error_new_literal (FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_RATE_LIMITED,
                                _("GitHub rate limit reached: try again in a few minutes"));

  return g_error_new (FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_RATE_LIMITED,
                      _("GitHub rate limit reached, resets at %s"), text);
}

GError *
_forge_github_rate_limit_error (const ForgeGithubResponse *response)
{
  guint64 value;

  if (response->status != SOUP_STATUS_FORBIDDEN && response->status != 429)
    return NULL;

  /* The primary limit: spent, with when it comes back. */
  if (g_strcmp0 (response->ratelimit_remaining, "0") == 0)
    {
      if (response->ratelimit_reset != NULL &&
          g_ascii_string_to_unsigned (response->ratelimit_reset, 10, 1, G_MAXINT32, &value, NULL))
        return rate_limit_error_at ((gint64) value);
      return rate_limit_error_at (-1);
    }

  /* A secondary limit says how long to wait instead. */
  if (response->retry_after != NULL &&
      g_ascii_string_to_unsigned (response->retry_after, 10, 0, 24 * 3600, &value, NULL))
    return rate_limit_error_at (g_get_real_time () / G_USEC_PER_SEC + (gint64) value);

  if (response->status == 429)
    return rate_limit_error_at (-1);

  return NULL;
}

void
_forge_github_set_protocol_error (GError     **error,
                                  const char  *detail)
{
  g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_PROTOCOL,
               _("GitHub sent an answer Forge Preview cannot read (%s)"), detail);
}

JsonNode *
_forge_github_parse_json (GBytes  *body,
                          GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;
  const char *data = body != NULL ? g_bytes_get_data (body, &length) : NULL;

  if (data == NULL || length == 0)
    {
      _forge_github_set_protocol_error (error, _("an empty answer"));
      return NULL;
    }
  if (!forge_json_depth_within (data, length, MAX_JSON_DEPTH))
    {
      _forge_github_set_protocol_error (error, _("JSON nested too deeply"));
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      /* json-glib's message quotes no input, only a position. */
      g_debug ("Answer is not JSON: %s", local_error->message);
      _forge_github_set_protocol_error (error, _("not JSON"));
      return NULL;
    }

  return json_parser_steal_root (parser);
}

/* json-glib's getters take a member of the wrong type for a programming
 * error (a critical); an answer from the network is not ours to trust. */
static JsonNode *
member_value (JsonObject *object,
              const char *name,
              GType       type)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

const char *
_forge_github_member_string (JsonObject *object,
                             const char *name)
{
  JsonNode *node = member_value (object, name, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

JsonObject *
_forge_github_member_object (JsonObject *object,
                             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

gboolean
_forge_github_member_boolean (JsonObject *object,
                              const char *name,
                              gboolean   *value)
{
  JsonNode *node = member_value (object, name, G_TYPE_BOOLEAN);

  if (node == NULL)
    return FALSE;
  *value = json_node_get_boolean (node);
  return TRUE;
}

gboolean
_forge_github_member_int (JsonObject *object,
                          const char *name,
                          gint64     *value)
{
  JsonNode *node = member_value (object, name, G_TYPE_INT64);

  if (node == NULL)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

gboolean
_forge_github_member_is_null (JsonObject *object,
                              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node == NULL || JSON_NODE_HOLDS_NULL (node);
}

gboolean
_forge_github_is_loopback_host (const char *host)
{
  g_autofree char *bare = NULL;
  g_autoptr(GInetAddress) address = NULL;
  gsize len;

  if (host == NULL || (len = strlen (host)) == 0)
    return FALSE;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  if (host[0] == '[' && host[len - 1] == ']')
    bare = g_strndup (host + 1, len - 2);
  else
    bare = g_strdup (host);

  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

gboolean
_forge_github_is_web_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme, *host;

  if (url == NULL || (uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL)) == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0' || g_uri_get_userinfo (uri) != NULL)
    return FALSE;

  return g_strcmp0 (scheme, "https") == 0 ||
         (g_strcmp0 (scheme, "http") == 0 && _forge_github_is_loopback_host (host));
}

static int
effective_port (GUri *uri)
{
  int port = g_uri_get_port (uri);

  if (port > 0)
    return port;
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0)
    return 443;
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0)
    return 80;
  return -1;
}

gboolean
_forge_github_same_origin (GUri *a,
                           GUri *b)
{
  return a != NULL && b != NULL &&
         g_uri_get_scheme (a) != NULL && g_uri_get_scheme (b) != NULL &&
         g_ascii_strcasecmp (g_uri_get_scheme (a), g_uri_get_scheme (b)) == 0 &&
         g_uri_get_host (a) != NULL && g_uri_get_host (b) != NULL &&
         g_ascii_strcasecmp (g_uri_get_host (a), g_uri_get_host (b)) == 0 &&
         effective_port (a) == effective_port (b);
}

char *
_forge_github_clean_message (const char *message)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) out = NULL;
  gboolean space = FALSE;
  guint chars = 0;

  if (message == NULL)
    return NULL;

  valid = g_utf8_make_valid (message, -1);
  out = g_string_new (NULL);
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          space = out->len > 0;
          continue;
        }
      if (chars >= MAX_MESSAGE_CHARS)
        {
          g_string_append (out, "…");
          break;
        }
      if (space)
        {
          g_string_append_c (out, ' ');
          space = FALSE;
        }
      g_string_append_unichar (out, c);
      chars++;
    }

  if (out->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

void
_forge_github_bytes_wipe_unref (GBytes *bytes)
{
  gsize size = 0;
  gpointer data;

  if (bytes == NULL)
    return;

  /* From the last reference this is the buffer itself; with other
   * holders it is a copy, and theirs is theirs to wipe. */
  data = g_bytes_unref_to_data (bytes, &size);
  if (data != NULL)
    memset (data, 0, size);
  g_free (data);
}
