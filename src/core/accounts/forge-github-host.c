/* forge-github-host.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-github"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "forge-github-host.h"
#include "forge-github-private.h"

#define GITHUB_COM_API "https://api.github.com"
#define GITHUB_COM_WEB "https://github.com"
#define MAX_NAME_CHARS 253

struct _ForgeGithubHost
{
  GObject  parent_instance;

  char    *name;
  char    *api_url;
  char    *api_path;           /* the API base's path, "" for none */
  char    *web_url;
  char    *device_code_url;
  char    *access_token_url;
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_API_URL,
  PROP_WEB_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeGithubHost, forge_github_host, G_TYPE_OBJECT)

static gboolean
is_host_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.';
}

/* host[:port] out of a GUri, lower case, an IPv6 literal in brackets. */
static char *
name_from_uri (GUri *uri)
{
  g_autofree char *host = g_ascii_strdown (g_uri_get_host (uri), -1);
  int port = g_uri_get_port (uri);
  gboolean ipv6 = strchr (host, ':') != NULL;
  const char *scheme = g_uri_get_scheme (uri);

  /* libsoup's URI flags fill in the scheme's port: not part of a name. */
  if ((port == 443 && g_strcmp0 (scheme, "https") == 0) ||
      (port == 80 && g_strcmp0 (scheme, "http") == 0))
    port = -1;

  if (port > 0)
    return g_strdup_printf (ipv6 ? "[%s]:%d" : "%s:%d", host, port);
  return ipv6 ? g_strdup_printf ("[%s]", host) : g_steal_pointer (&host);
}

static gboolean
is_valid_host (const char *host)
{
  gsize len = strlen (host);

  if (len == 0 || len > MAX_NAME_CHARS || host[0] == '.' || host[0] == '-')
    return FALSE;
  if (strchr (host, ':') != NULL)
    return g_hostname_is_ip_address (host);
  for (const char *p = host; *p != '\0'; p++)
    if (!is_host_char (*p))
      return FALSE;
  return TRUE;
}

static void
set_http_refused (GError     **error,
                  const char  *host)
{
  g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_INVALID_HOST,
               _("GitHub at %s must be reached over https: plain http is only allowed to this computer"),
               host);
}

/* "ghe.example.com", "https://ghe.example.com/", "[::1]:8080" →
 * host[:port], lower case. */
static char *
normalize_name (const char  *text,
                GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  g_autofree char *as_url = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *name = NULL;
  gboolean http = FALSE;
  const char *rest = trimmed;
  const char *path;

  if (g_ascii_strncasecmp (rest, "https://", 8) == 0)
    rest += 8;
  else if (g_ascii_strncasecmp (rest, "http://", 7) == 0)
    {
      rest += 7;
      http = TRUE;
    }

  /* A bare IPv6 literal ("::1") has no place for a port: bracket it. */
  if (strchr (rest, '[') == NULL && strchr (rest, ':') != NULL && strchr (rest, ':') != strrchr (rest, ':'))
    as_url = g_strconcat ("https://[", rest, "]", NULL);
  else
    as_url = g_strconcat ("https://", rest, NULL);
  uri = g_uri_parse (as_url, SOUP_HTTP_URI_FLAGS, NULL);
  path = uri != NULL ? g_uri_get_path (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_userinfo (uri) != NULL ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      (path != NULL && *path != '\0' && strcmp (path, "/") != 0) ||
      !is_valid_host (g_uri_get_host (uri)))
    {
      /* The text may be anything, a token pasted by mistake included:
       * only its first characters, and only when they look like a name. */
      shown = _forge_github_clean_message (text);
      if (shown != NULL && strchr (shown, '@') == NULL && g_utf8_strlen (shown, -1) <= 60)
        g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_INVALID_HOST,
                     _("“%s” is not a GitHub host name: give one like github.example.com"), shown);
      else
        g_set_error_literal (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_INVALID_HOST,
                             _("The GitHub host is not a host name: give one like github.example.com"));
      return NULL;
    }

  name = name_from_uri (uri);
  if (http && !_forge_github_is_loopback_host (g_uri_get_host (uri)))
    {
      set_http_refused (error, name);
      return NULL;
    }

  return g_steal_pointer (&name);
}

/* Checks an API base; returns it without trailing slashes, and its GUri. */
static char *
normalize_api_url (const char  *text,
                   GUri       **uri_out,
                   GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  g_autoptr(GUri) uri = g_uri_parse (trimmed, SOUP_HTTP_URI_FLAGS, NULL);
  const char *scheme;
  gsize len;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      ((scheme = g_uri_get_scheme (uri)), g_strcmp0 (scheme, "https") != 0 && g_strcmp0 (scheme, "http") != 0))
    {
      g_set_error_literal (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_INVALID_HOST,
                           _("The GitHub API address is not an https address: check GITHUB_API_URL"));
      return NULL;
    }
  /* GUri lets anything through as a host, a line break included; it
   * would become the keyring's key and be echoed in messages. */
  if (!is_valid_host (g_uri_get_host (uri)))
    {
      g_set_error_literal (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_INVALID_HOST,
                           _("The GitHub API address does not name a host: check GITHUB_API_URL"));
      return NULL;
    }
  /* Credentials in a URL end up in logs and histories; they go in a
   * header here, and the address is not echoed. */
  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error_literal (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_INVALID_HOST,
                           _("The GitHub API address must not contain a user name or token: check GITHUB_API_URL"));
      return NULL;
    }
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error_literal (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_INVALID_HOST,
                           _("The GitHub API address must be a plain base address without “?” or “#”: check GITHUB_API_URL"));
      return NULL;
    }
  if (g_strcmp0 (scheme, "http") == 0 && !_forge_github_is_loopback_host (g_uri_get_host (uri)))
    {
      g_autofree char *name = name_from_uri (uri);

      set_http_refused (error, name);
      return NULL;
    }

  len = strlen (trimmed);
  while (len > 0 && trimmed[len - 1] == '/')
    trimmed[--len] = '\0';

  *uri_out = g_steal_pointer (&uri);
  return g_steal_pointer (&trimmed);
}

/* Which host an API base belongs to, as gh and Actions' GITHUB_API_URL
 * lay them out. */
static char *
name_from_api_uri (GUri *uri)
{
  g_autofree char *name = name_from_uri (uri);

  if (strcmp (name, "api.github.com") == 0)
    return g_strdup (FORGE_GITHUB_DEFAULT_HOST);
  if (g_str_has_prefix (name, "api.") && g_str_has_suffix (name, ".ghe.com"))
    return g_strdup (name + strlen ("api."));
  return g_steal_pointer (&name);
}

static const char *
scheme_for (const char *name)
{
  g_autofree char *as_url = g_strconcat ("http://", name, NULL);
  g_autoptr(GUri) uri = g_uri_parse (as_url, SOUP_HTTP_URI_FLAGS, NULL);

  /* A stand-in on this computer speaks plain http. */
  return uri != NULL && _forge_github_is_loopback_host (g_uri_get_host (uri)) ? "http" : "https";
}

ForgeGithubHost *
forge_github_host_new (const char  *name,
                       const char  *api_url,
                       GError     **error)
{
  g_autoptr(ForgeGithubHost) self = NULL;
  g_autoptr(GUri) api_uri = NULL;
  g_autofree char *host_name = NULL;
  g_autofree char *api = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (api_url != NULL && *api_url != '\0' &&
      (api = normalize_api_url (api_url, &api_uri, error)) == NULL)
    return NULL;

  if (name != NULL && *name != '\0')
    {
      if ((host_name = normalize_name (name, error)) == NULL)
        return NULL;
    }
  else if (api_uri != NULL)
    host_name = name_from_api_uri (api_uri);
  else
    host_name = g_strdup (FORGE_GITHUB_DEFAULT_HOST);

  if (api == NULL)
    {
      if (strcmp (host_name, FORGE_GITHUB_DEFAULT_HOST) == 0)
        api = g_strdup (GITHUB_COM_API);
      else if (g_str_has_suffix (host_name, ".ghe.com"))
        api = g_strdup_printf ("https://api.%s", host_name);
      else
        api = g_strdup_printf ("%s://%s/api/v3", scheme_for (host_name), host_name);
      api_uri = g_uri_parse (api, SOUP_HTTP_URI_FLAGS, NULL);
      g_assert (api_uri != NULL);
    }

  self = g_object_new (FORGE_TYPE_GITHUB_HOST, NULL);
  self->name = g_steal_pointer (&host_name);
  self->api_url = g_steal_pointer (&api);
  self->api_path = g_strdup (g_uri_get_path (api_uri));
  {
    gsize len = strlen (self->api_path);

    while (len > 0 && self->api_path[len - 1] == '/')
      self->api_path[--len] = '\0';
  }

  if (_forge_github_is_loopback_host (g_uri_get_host (api_uri)))
    {
      g_autofree char *origin_name = name_from_uri (api_uri);

      self->web_url = g_strdup_printf ("%s://%s", g_uri_get_scheme (api_uri), origin_name);
    }
  else if (strcmp (self->name, FORGE_GITHUB_DEFAULT_HOST) == 0)
    self->web_url = g_strdup (GITHUB_COM_WEB);
  else
    self->web_url = g_strdup_printf ("%s://%s", scheme_for (self->name), self->name);

  self->device_code_url = g_strconcat (self->web_url, "/login/device/code", NULL);
  self->access_token_url = g_strconcat (self->web_url, "/login/oauth/access_token", NULL);

  return g_steal_pointer (&self);
}

ForgeGithubHost *
forge_github_host_new_default (void)
{
  ForgeGithubHost *self = forge_github_host_new (NULL, NULL, NULL);

  g_assert (self != NULL);
  return self;
}

static const char *
environ_value (const char * const *envp,
               const char         *variable)
{
  const char *value = g_environ_getenv ((char **) envp, variable);

  return value != NULL && *value != '\0' ? value : NULL;
}

ForgeGithubHost *
forge_github_host_new_from_environment (const char * const  *envp,
                                        GError             **error)
{
  return forge_github_host_new (environ_value (envp, "GH_HOST"),
                                environ_value (envp, "GITHUB_API_URL"),
                                error);
}

gboolean
forge_github_host_set_by_environment (const char * const *envp)
{
  return environ_value (envp, "GH_HOST") != NULL || environ_value (envp, "GITHUB_API_URL") != NULL;
}

ForgeGithubHost *
forge_github_host_new_configured (const char * const  *envp,
                                  const char          *configured,
                                  GError             **error)
{
  if (forge_github_host_set_by_environment (envp))
    return forge_github_host_new_from_environment (envp, error);

  return forge_github_host_new (configured != NULL && *configured != '\0' ? configured : NULL, NULL, error);
}

gboolean
forge_github_host_parse_repository_url (ForgeGithubHost  *self,
                                        const char       *url,
                                        char            **owner,
                                        char            **repo)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) web = NULL;
  g_auto(GStrv) parts = NULL;
  g_autofree char *name = NULL;
  const char *path;

  g_return_val_if_fail (FORGE_IS_GITHUB_HOST (self), FALSE);

  if (url == NULL ||
      (uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL)) == NULL ||
      (web = g_uri_parse (self->web_url, G_URI_FLAGS_NONE, NULL)) == NULL ||
      g_strcmp0 (g_uri_get_scheme (uri), g_uri_get_scheme (web)) != 0 ||
      g_ascii_strcasecmp (g_uri_get_host (uri) != NULL ? g_uri_get_host (uri) : "", g_uri_get_host (web)) != 0 ||
      g_uri_get_port (uri) != g_uri_get_port (web) ||
      g_uri_get_user (uri) != NULL)
    return FALSE;

  /* /OWNER/REPO, with or without ".git" and a trailing slash. */
  path = g_uri_get_path (uri);
  parts = g_strsplit (path[0] == '/' ? path + 1 : path, "/", -1);
  if (g_strv_length (parts) < 2 || parts[0][0] == '\0' || parts[1][0] == '\0' ||
      (parts[2] != NULL && (parts[2][0] != '\0' || parts[3] != NULL)))
    return FALSE;

  name = g_str_has_suffix (parts[1], ".git") ? g_strndup (parts[1], strlen (parts[1]) - 4) : g_strdup (parts[1]);
  if (*name == '\0' || g_str_equal (name, ".") || g_str_equal (name, ".."))
    return FALSE;

  if (owner != NULL)
    *owner = g_strdup (parts[0]);
  if (repo != NULL)
    *repo = g_steal_pointer (&name);
  return TRUE;
}

const char *
forge_github_host_get_name (ForgeGithubHost *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_HOST (self), NULL);
  return self->name;
}

const char *
forge_github_host_get_api_url (ForgeGithubHost *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_HOST (self), NULL);
  return self->api_url;
}

const char *
forge_github_host_get_web_url (ForgeGithubHost *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_HOST (self), NULL);
  return self->web_url;
}

const char *
forge_github_host_get_device_code_url (ForgeGithubHost *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_HOST (self), NULL);
  return self->device_code_url;
}

const char *
forge_github_host_get_access_token_url (ForgeGithubHost *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_HOST (self), NULL);
  return self->access_token_url;
}

gboolean
forge_github_host_is_github_com (ForgeGithubHost *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_HOST (self), FALSE);
  return strcmp (self->name, FORGE_GITHUB_DEFAULT_HOST) == 0;
}

gboolean
forge_github_host_owns_api_url (ForgeGithubHost *self,
                                const char      *url)
{
  g_autoptr(GUri) api = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *path;
  gsize base_len;

  g_return_val_if_fail (FORGE_IS_GITHUB_HOST (self), FALSE);

  if (url == NULL || (uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL)) == NULL)
    return FALSE;
  api = g_uri_parse (self->api_url, SOUP_HTTP_URI_FLAGS, NULL);
  if (!_forge_github_same_origin (api, uri) || g_uri_get_userinfo (uri) != NULL)
    return FALSE;

  /* GHE serves other things than the API on its origin. */
  path = g_uri_get_path (uri);
  base_len = strlen (self->api_path);
  return base_len == 0 ||
         (g_str_has_prefix (path, self->api_path) &&
          (path[base_len] == '\0' || path[base_len] == '/'));
}

static void
forge_github_host_finalize (GObject *object)
{
  ForgeGithubHost *self = FORGE_GITHUB_HOST (object);

  g_free (self->name);
  g_free (self->api_url);
  g_free (self->api_path);
  g_free (self->web_url);
  g_free (self->device_code_url);
  g_free (self->access_token_url);

  G_OBJECT_CLASS (forge_github_host_parent_class)->finalize (object);
}

static void
forge_github_host_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ForgeGithubHost *self = FORGE_GITHUB_HOST (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_API_URL:
      g_value_set_string (value, self->api_url);
      break;
    case PROP_WEB_URL:
      g_value_set_string (value, self->web_url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_github_host_class_init (ForgeGithubHostClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_github_host_finalize;
  object_class->get_property = forge_github_host_get_property;

  /* Read-only: only the constructors, which check them, set them. */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_API_URL] =
    g_param_spec_string ("api-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_WEB_URL] =
    g_param_spec_string ("web-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_github_host_init (ForgeGithubHost *self)
{
}
