/* forge-github-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-github"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "forge-github-client.h"
#include "forge-github-private.h"

#define API_VERSION "2022-11-28"
#define MAX_PER_PAGE 100
/* GitHub redirects renamed repositories once; more is a loop. */
#define MAX_REDIRECTS 5
/* GitHub's own limits on owner and repository names. */
#define MAX_NAME_CHARS 100

struct _ForgeGithubClient
{
  GObject          parent_instance;

  ForgeGithubHost *host;
  char            *token;
  SoupSession     *session;
};

enum {
  PROP_0,
  PROP_HOST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeGithubClient, forge_github_client, G_TYPE_OBJECT)

typedef enum
{
  OP_USER,
  OP_REPOSITORIES,
  OP_BRANCHES,
  OP_REPOSITORY,
} Op;

/* One call: what it asks, and the next page it found. Owned by its
 * GTask; the thread writes next_page_url, _finish reads it after. */
typedef struct
{
  Op     op;
  char  *owner;
  char  *repo;
  char  *page_url;
  guint  per_page;
  char  *next_page_url;
} CallData;

static void
call_data_free (CallData *data)
{
  g_free (data->owner);
  g_free (data->repo);
  g_free (data->page_url);
  g_free (data->next_page_url);
  g_free (data);
}

/* ---- sending ---- */

static void
set_http_error (ForgeGithubClient          *self,
                const CallData             *data,
                const ForgeGithubResponse  *response,
                GError                    **error)
{
  GError *rate_limited = _forge_github_rate_limit_error (response);
  guint status = response->status;

  if (rate_limited != NULL)
    g_propagate_error (error, rate_limited);
  else if (status == SOUP_STATUS_UNAUTHORIZED && self->token != NULL)
    g_set_error_literal (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_UNAUTHORIZED,
                         _("GitHub refused the token: reconnect in Preferences"));
  else if (status == SOUP_STATUS_UNAUTHORIZED)
    g_set_error_literal (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_UNAUTHORIZED,
                         _("No GitHub account is connected: connect one in Preferences"));
  else if (status == SOUP_STATUS_FORBIDDEN)
    g_set_error_literal (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_FORBIDDEN,
                         _("GitHub refused access: the token may not be allowed to read repositories. Reconnect in Preferences"));
  else if (status == SOUP_STATUS_NOT_FOUND && data->owner != NULL)
    g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NOT_FOUND,
                 _("GitHub has no repository %s/%s, or your account cannot see it"),
                 data->owner, data->repo);
  else if (status == SOUP_STATUS_NOT_FOUND)
    g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NOT_FOUND,
                 _("GitHub answered “not found” at %s: check the GitHub host"),
                 forge_github_host_get_api_url (self->host));
  else if (SOUP_STATUS_IS_SERVER_ERROR (status))
    g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_FAILED,
                 _("GitHub is having trouble (HTTP %u): try again later"), status);
  else
    g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_FAILED,
                 _("GitHub answered with an unexpected HTTP status %u: try again later"), status);
}

static gboolean
is_redirect (guint status)
{
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static void
set_elsewhere_error (const char  *url,
                     GError     **error)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL) : NULL;
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;

  g_set_error (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_INVALID_HOST,
               _("Forge Preview was sent to another server (%s) than GitHub’s API: it does not go there with your token"),
               host != NULL ? host : "?");
}

/* GET url (on the host's API), following redirects that stay there.
 * TRUE with a 2xx answer read whole in response. */
static gboolean
get_sync (ForgeGithubClient    *self,
          const CallData       *data,
          const char           *url,
          ForgeGithubResponse  *response,
          GCancellable         *cancellable,
          GError              **error)
{
  g_autofree char *current = g_strdup (url);

  for (guint redirects = 0; ; redirects++)
    {
      g_autoptr(SoupMessage) message = NULL;
      SoupMessageHeaders *headers;
      char *next;

      /* Checked on every hop: the token goes nowhere else. */
      if (!forge_github_host_owns_api_url (self->host, current) ||
          (message = soup_message_new (SOUP_METHOD_GET, current)) == NULL)
        {
          set_elsewhere_error (current, error);
          return FALSE;
        }

      headers = soup_message_get_request_headers (message);
      soup_message_headers_replace (headers, "Accept", "application/vnd.github+json");
      soup_message_headers_replace (headers, "X-GitHub-Api-Version", API_VERSION);
      if (self->token != NULL)
        {
          g_autofree char *authorization = g_strconcat ("Bearer ", self->token, NULL);

          soup_message_headers_replace (headers, "Authorization", authorization);
          memset (authorization, 0, strlen (authorization));
        }

      if (!_forge_github_send (self->session, message, forge_github_host_get_name (self->host),
                               response, cancellable, error))
        return FALSE;

      if (!is_redirect (response->status) || response->location == NULL)
        break;

      if (redirects >= MAX_REDIRECTS)
        {
          g_set_error_literal (error, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_FAILED,
                               _("GitHub redirected too many times: try again later"));
          return FALSE;
        }

      next = g_uri_resolve_relative (current, response->location, SOUP_HTTP_URI_FLAGS, NULL);
      if (next == NULL)
        {
          _forge_github_set_protocol_error (error, _("a redirect to an invalid address"));
          return FALSE;
        }
      g_free (current);
      current = next;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (response->status))
    {
      set_http_error (self, data, response, error);
      return FALSE;
    }
  if (response->too_large)
    {
      _forge_github_set_protocol_error (error, _("larger than 4 MiB"));
      return FALSE;
    }

  return TRUE;
}

/* The Link header's rel="next" target, resolved against base:
 * <https://api.github.com/user/repos?page=2>; rel="next", <…>; rel="last" */
static char *
find_next_link (const char *header,
                const char *base)
{
  const char *p = header;

  while (p != NULL && *p != '\0')
    {
      g_autofree char *target = NULL;
      g_autofree char *params = NULL;
      g_auto(GStrv) parts = NULL;
      const char *end, *params_end;
      gboolean quoted = FALSE;

      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      if (*p != '<' || (end = strchr (p, '>')) == NULL)
        return NULL;
      target = g_strndup (p + 1, end - p - 1);

      /* The parameters run to the next comma outside quotes. */
      for (params_end = end + 1; *params_end != '\0'; params_end++)
        {
          if (*params_end == '"')
            quoted = !quoted;
          else if (*params_end == ',' && !quoted)
            break;
        }
      params = g_strndup (end + 1, params_end - end - 1);
      p = params_end;

      parts = g_strsplit (params, ";", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        {
          char *param = g_strstrip (parts[i]);
          g_auto(GStrv) rels = NULL;

          if (g_ascii_strncasecmp (param, "rel=", 4) != 0)
            continue;
          param += 4;
          if (*param == '"')
            {
              gsize len = strlen (param);

              param++;
              if (len >= 2 && param[len - 2] == '"')
                param[len - 2] = '\0';
            }

          rels = g_strsplit (param, " ", -1);
          for (guint j = 0; rels[j] != NULL; j++)
            if (g_ascii_strcasecmp (rels[j], "next") == 0)
              return g_uri_resolve_relative (base, target, SOUP_HTTP_URI_FLAGS, NULL);
        }
    }

  return NULL;
}

/* The next page, when it is on the host's API and not this page again. */
static char *
next_page (ForgeGithubClient         *self,
           const ForgeGithubResponse *response,
           const char                *url)
{
  g_autofree char *next = NULL;

  if (response->link == NULL || (next = find_next_link (response->link, url)) == NULL)
    return NULL;

  if (!forge_github_host_owns_api_url (self->host, next))
    {
      g_debug ("Not following a next-page link away from the API");
      return NULL;
    }
  if (strcmp (next, url) == 0)
    return NULL;

  return g_steal_pointer (&next);
}

static gboolean
is_valid_name (const char *name)
{
  gsize len = name != NULL ? strlen (name) : 0;

  if (len == 0 || len > MAX_NAME_CHARS || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '-' && name[i] != '_' && name[i] != '.')
      return FALSE;
  return TRUE;
}

static char *
repository_url (ForgeGithubClient *self,
                const CallData    *data,
                const char        *suffix)
{
  /* Checked names need no escaping. */
  return g_strdup_printf ("%s/repos/%s/%s%s", forge_github_host_get_api_url (self->host),
                          data->owner, data->repo, suffix);
}

static char *
first_page_url (ForgeGithubClient *self,
                const CallData    *data)
{
  g_autofree char *base = NULL;

  if (data->op == OP_REPOSITORIES)
    base = g_strconcat (forge_github_host_get_api_url (self->host), "/user/repos?sort=pushed", NULL);
  else
    base = repository_url (self, data, "/branches");

  if (data->per_page == 0)
    return g_steal_pointer (&base);
  return g_strdup_printf ("%s%sper_page=%u", base, data->op == OP_REPOSITORIES ? "&" : "?",
                          MIN (data->per_page, MAX_PER_PAGE));
}

/* ---- the calls, on a worker thread ---- */

static gpointer
get_object_sync (ForgeGithubClient  *self,
                 CallData           *data,
                 GCancellable       *cancellable,
                 GError            **error)
{
  g_autofree char *url = NULL;
  g_autoptr(JsonNode) root = NULL;
  ForgeGithubResponse response = { 0 };
  gpointer object = NULL;

  if (data->op == OP_USER)
    url = g_strconcat (forge_github_host_get_api_url (self->host), "/user", NULL);
  else
    url = repository_url (self, data, "");

  if (get_sync (self, data, url, &response, cancellable, error) &&
      (root = _forge_github_parse_json (response.body, error)) != NULL)
    {
      if (data->op == OP_USER)
        object = _forge_github_user_new_from_json (root, error);
      else
        object = _forge_github_repository_new_from_json (root, error);
    }

  _forge_github_response_clear (&response);
  return object;
}

static GPtrArray *
list_page_sync (ForgeGithubClient  *self,
                CallData           *data,
                GCancellable       *cancellable,
                GError            **error)
{
  g_autofree char *url = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  ForgeGithubResponse response = { 0 };
  JsonArray *array;

  url = data->page_url != NULL ? g_strdup (data->page_url) : first_page_url (self, data);

  if (!get_sync (self, data, url, &response, cancellable, error) ||
      (root = _forge_github_parse_json (response.body, error)) == NULL)
    {
      _forge_github_response_clear (&response);
      return NULL;
    }

  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      _forge_github_response_clear (&response);
      _forge_github_set_protocol_error (error, _("the list is not a JSON array"));
      return NULL;
    }

  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      gpointer item;

      if (data->op == OP_REPOSITORIES)
        item = _forge_github_repository_new_from_json (element, error);
      else
        item = _forge_github_branch_new_from_json (element, error);
      if (item == NULL)
        {
          _forge_github_response_clear (&response);
          return NULL;
        }
      g_ptr_array_add (items, item);
    }

  data->next_page_url = next_page (self, &response, url);
  _forge_github_response_clear (&response);
  return g_steal_pointer (&items);
}

static void
call_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ForgeGithubClient *self = source_object;
  CallData *data = task_data;
  GError *error = NULL;

  switch (data->op)
    {
    case OP_USER:
    case OP_REPOSITORY:
      {
        gpointer object = get_object_sync (self, data, cancellable, &error);

        if (object != NULL)
          g_task_return_pointer (task, object, g_object_unref);
        else
          g_task_return_error (task, error);
      }
      break;

    case OP_REPOSITORIES:
    case OP_BRANCHES:
      {
        GPtrArray *items = list_page_sync (self, data, cancellable, &error);

        if (items != NULL)
          g_task_return_pointer (task, items, (GDestroyNotify) g_ptr_array_unref);
        else
          g_task_return_error (task, error);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Starts a call; errors found before any request still answer
 * asynchronously, as callers expect. */
static void
start_call (ForgeGithubClient   *self,
            gpointer             source_tag,
            CallData            *data,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, data, (GDestroyNotify) call_data_free);

  /* /user/… is about an account: without a token GitHub can only
   * answer 401, so do not ask. Public repositories need none. */
  if (self->token == NULL && data->op != OP_REPOSITORY && data->op != OP_BRANCHES)
    {
      g_task_return_new_error (task, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_UNAUTHORIZED,
                               "%s", _("No GitHub account is connected: connect one in Preferences"));
      return;
    }

  if ((data->op == OP_REPOSITORY || (data->op == OP_BRANCHES && data->page_url == NULL)) &&
      (!is_valid_name (data->owner) || !is_valid_name (data->repo)))
    {
      g_task_return_new_error (task, FORGE_GITHUB_ERROR, FORGE_GITHUB_ERROR_NOT_FOUND,
                               _("“%s/%s” is not a GitHub repository name"),
                               data->owner != NULL ? data->owner : "",
                               data->repo != NULL ? data->repo : "");
      return;
    }

  if (data->page_url != NULL && !forge_github_host_owns_api_url (self->host, data->page_url))
    {
      GError *error = NULL;

      set_elsewhere_error (data->page_url, &error);
      g_task_return_error (task, error);
      return;
    }

  g_task_run_in_thread (task, call_thread);
}

static CallData *
call_data_new (Op          op,
               const char *owner,
               const char *repo,
               const char *page_url,
               guint       per_page)
{
  CallData *data = g_new0 (CallData, 1);

  data->op = op;
  data->owner = g_strdup (owner);
  data->repo = g_strdup (repo);
  data->page_url = page_url != NULL && *page_url != '\0' ? g_strdup (page_url) : NULL;
  data->per_page = per_page;
  return data;
}

static gpointer
finish_pointer (ForgeGithubClient  *self,
                GAsyncResult       *result,
                gpointer            source_tag,
                char              **next_page_url,
                GError            **error)
{
  gpointer value;

  g_return_val_if_fail (FORGE_IS_GITHUB_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  value = g_task_propagate_pointer (G_TASK (result), error);
  if (next_page_url != NULL)
    {
      CallData *data = g_task_get_task_data (G_TASK (result));

      *next_page_url = value != NULL ? g_strdup (data->next_page_url) : NULL;
    }
  return value;
}

void
forge_github_client_get_user_async (ForgeGithubClient   *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (FORGE_IS_GITHUB_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_call (self, forge_github_client_get_user_async,
              call_data_new (OP_USER, NULL, NULL, NULL, 0),
              cancellable, callback, user_data);
}

ForgeGithubUser *
forge_github_client_get_user_finish (ForgeGithubClient  *self,
                                     GAsyncResult       *result,
                                     GError            **error)
{
  return finish_pointer (self, result, forge_github_client_get_user_async, NULL, error);
}

void
forge_github_client_list_repositories_async (ForgeGithubClient   *self,
                                             const char          *page_url,
                                             guint                per_page,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  g_return_if_fail (FORGE_IS_GITHUB_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_call (self, forge_github_client_list_repositories_async,
              call_data_new (OP_REPOSITORIES, NULL, NULL, page_url, per_page),
              cancellable, callback, user_data);
}

GPtrArray *
forge_github_client_list_repositories_finish (ForgeGithubClient  *self,
                                              GAsyncResult       *result,
                                              char              **next_page_url,
                                              GError            **error)
{
  return finish_pointer (self, result, forge_github_client_list_repositories_async,
                         next_page_url, error);
}

void
forge_github_client_list_branches_async (ForgeGithubClient   *self,
                                         const char          *owner,
                                         const char          *repo,
                                         const char          *page_url,
                                         guint                per_page,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_return_if_fail (FORGE_IS_GITHUB_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_call (self, forge_github_client_list_branches_async,
              call_data_new (OP_BRANCHES, owner, repo, page_url, per_page),
              cancellable, callback, user_data);
}

GPtrArray *
forge_github_client_list_branches_finish (ForgeGithubClient  *self,
                                          GAsyncResult       *result,
                                          char              **next_page_url,
                                          GError            **error)
{
  return finish_pointer (self, result, forge_github_client_list_branches_async,
                         next_page_url, error);
}

void
forge_github_client_get_repository_async (ForgeGithubClient   *self,
                                          const char          *owner,
                                          const char          *repo,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_return_if_fail (FORGE_IS_GITHUB_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_call (self, forge_github_client_get_repository_async,
              call_data_new (OP_REPOSITORY, owner, repo, NULL, 0),
              cancellable, callback, user_data);
}

ForgeGithubRepository *
forge_github_client_get_repository_finish (ForgeGithubClient  *self,
                                           GAsyncResult       *result,
                                           GError            **error)
{
  return finish_pointer (self, result, forge_github_client_get_repository_async, NULL, error);
}

/* ---- the object ---- */

ForgeGithubClient *
forge_github_client_new (ForgeGithubHost *host,
                         const char      *token)
{
  ForgeGithubClient *self;

  g_return_val_if_fail (FORGE_IS_GITHUB_HOST (host), NULL);

  self = g_object_new (FORGE_TYPE_GITHUB_CLIENT, "host", host, NULL);
  /* Not a property: no property dump or notify handler may show it. */
  self->token = token != NULL && *token != '\0' ? g_strdup (token) : NULL;
  return self;
}

ForgeGithubHost *
forge_github_client_get_host (ForgeGithubClient *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_CLIENT (self), NULL);
  return self->host;
}

gboolean
forge_github_client_has_token (ForgeGithubClient *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_CLIENT (self), FALSE);
  return self->token != NULL;
}

static void
forge_github_client_finalize (GObject *object)
{
  ForgeGithubClient *self = FORGE_GITHUB_CLIENT (object);

  if (self->token != NULL)
    memset (self->token, 0, strlen (self->token));
  g_clear_pointer (&self->token, g_free);
  g_clear_object (&self->session);
  g_clear_object (&self->host);

  G_OBJECT_CLASS (forge_github_client_parent_class)->finalize (object);
}

static void
forge_github_client_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ForgeGithubClient *self = FORGE_GITHUB_CLIENT (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_value_set_object (value, self->host);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_github_client_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ForgeGithubClient *self = FORGE_GITHUB_CLIENT (object);

  switch (prop_id)
    {
    case PROP_HOST:
      self->host = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_github_client_constructed (GObject *object)
{
  ForgeGithubClient *self = FORGE_GITHUB_CLIENT (object);

  G_OBJECT_CLASS (forge_github_client_parent_class)->constructed (object);

  if (self->host == NULL)
    self->host = forge_github_host_new_default ();
}

static void
forge_github_client_class_init (ForgeGithubClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = forge_github_client_constructed;
  object_class->finalize = forge_github_client_finalize;
  object_class->get_property = forge_github_client_get_property;
  object_class->set_property = forge_github_client_set_property;

  properties[PROP_HOST] =
    g_param_spec_object ("host", NULL, NULL,
                         FORGE_TYPE_GITHUB_HOST,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_github_client_init (ForgeGithubClient *self)
{
  /* Configured here, on the creating thread and before any request, and
   * never again: libsoup's rule for sending from several threads. */
  self->session = _forge_github_session_new ();
}
