/* forge-github-standin.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "forge-github-standin.h"
#include "forge-test-server.h"

#define GRANT_TYPE "urn:ietf:params:oauth:grant-type:device_code"
#define DEFAULT_PER_PAGE 30
#define MAX_PER_PAGE 100

typedef struct
{
  char *login;
  char *name;
  char *token;
} User;

typedef struct
{
  char      *owner;
  char      *name;
  gboolean   is_private;
  char      *description;
  gint64     pushed_at;
  GPtrArray *branches;      /* char * */
} Repository;

typedef struct
{
  guint   status;
  GBytes *body;
} Override;

struct _ForgeGithubStandin
{
  ForgeTestServer *server;

  GMutex      mutex;        /* guards everything below */
  GPtrArray  *users;        /* User */
  GPtrArray  *repositories; /* Repository */
  GHashTable *overrides;    /* path → Override */
  GHashTable *path_counts;  /* path → GUINT_TO_POINTER */
  GHashTable *token_counts; /* token → GUINT_TO_POINTER */
  guint       requests;
  guint       authorized;
  guint       foreign;
  gint64      rate_reset;
  char       *next_base;

  /* The device flow. */
  char       *script_client_id;
  char       *script_token;
  ForgeGithubStandinDeviceScript script;
  char       *device_code;
  guint       polls;
  gint64      last_device_time;  /* monotonic µs */
  GArray     *poll_gaps_ms;      /* guint */
};

static void
user_free (User *user)
{
  g_free (user->login);
  g_free (user->name);
  g_free (user->token);
  g_free (user);
}

static void
repository_free (Repository *repository)
{
  g_free (repository->owner);
  g_free (repository->name);
  g_free (repository->description);
  g_ptr_array_unref (repository->branches);
  g_free (repository);
}

static void
override_free (Override *override)
{
  g_bytes_unref (override->body);
  g_free (override);
}

static void
count (GHashTable *table,
       const char *key)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (table, key));

  g_hash_table_replace (table, g_strdup (key), GUINT_TO_POINTER (n + 1));
}

/* ---- answers ---- */

static void
set_json (SoupServerMessage *msg,
          guint              status,
          JsonBuilder       *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  char *text = json_to_string (root, FALSE);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json; charset=utf-8", SOUP_MEMORY_TAKE,
                                    text, strlen (text));
}

static void
set_message (SoupServerMessage *msg,
             guint              status,
             const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_set_member_name (builder, "documentation_url");
  json_builder_add_string_value (builder, "https://docs.github.com/rest");
  json_builder_end_object (builder);
  set_json (msg, status, builder);
}

static char *
iso_time (gint64 unix_time)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_time);

  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_repository (ForgeGithubStandin *self,
                JsonBuilder        *builder,
                const Repository   *repository)
{
  const char *base = forge_test_server_get_base (self->server);
  g_autofree char *full_name = g_strdup_printf ("%s/%s", repository->owner, repository->name);
  g_autofree char *html_url = g_strdup_printf ("%s/%s", base, full_name);
  g_autofree char *clone_url = g_strdup_printf ("%s/%s.git", base, full_name);
  g_autofree char *pushed_at = iso_time (repository->pushed_at);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, g_str_hash (full_name));
  add_string (builder, "name", repository->name);
  add_string (builder, "full_name", full_name);
  json_builder_set_member_name (builder, "owner");
  json_builder_begin_object (builder);
  add_string (builder, "login", repository->owner);
  add_string (builder, "type", "User");
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "private");
  json_builder_add_boolean_value (builder, repository->is_private);
  add_string (builder, "html_url", html_url);
  add_string (builder, "description", repository->description);
  add_string (builder, "clone_url", clone_url);
  add_string (builder, "default_branch", "main");
  add_string (builder, "pushed_at", pushed_at);
  json_builder_set_member_name (builder, "permissions");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "admin");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

static char *
branch_sha (const Repository *repository,
            const char       *branch)
{
  g_autofree char *key = g_strdup_printf ("%s/%s:%s", repository->owner, repository->name, branch);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA1, key, -1);
}

static void
add_branch (JsonBuilder      *builder,
            const Repository *repository,
            const char       *branch)
{
  g_autofree char *sha = branch_sha (repository, branch);

  json_builder_begin_object (builder);
  add_string (builder, "name", branch);
  json_builder_set_member_name (builder, "commit");
  json_builder_begin_object (builder);
  add_string (builder, "sha", sha);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "protected");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_end_object (builder);
}

static guint
query_uint (GHashTable *query,
            const char *name,
            guint       fallback,
            guint       maximum)
{
  const char *text = query != NULL ? g_hash_table_lookup (query, name) : NULL;
  guint64 value;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, maximum, &value, NULL))
    return fallback;
  return (guint) value;
}

/* GitHub's Link header: next and last, prev and first where they apply. */
static void
set_link (ForgeGithubStandin *self,
          SoupServerMessage  *msg,
          const char         *prefix,
          const char         *path,
          const char         *extra_query,
          guint               per_page,
          guint               page,
          guint               pages)
{
  const char *base = self->next_base != NULL ? self->next_base : forge_test_server_get_base (self->server);
  g_autoptr(GString) link = g_string_new (NULL);
  struct { guint page; const char *rel; gboolean wanted; } rels[] = {
    { page + 1, "next", page < pages },
    { pages, "last", page < pages },
    { 1, "first", page > 1 },
    { page - 1, "prev", page > 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rels); i++)
    {
      if (!rels[i].wanted)
        continue;
      g_string_append_printf (link, "%s<%s%s%s?%sper_page=%u&page=%u>; rel=\"%s\"",
                              link->len > 0 ? ", " : "", base, prefix, path,
                              extra_query, per_page, rels[i].page, rels[i].rel);
    }

  if (link->len > 0)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Link", link->str);
}

static const User *
find_user_by_token (ForgeGithubStandin *self,
                    const char         *token)
{
  for (guint i = 0; token != NULL && i < self->users->len; i++)
    {
      const User *user = g_ptr_array_index (self->users, i);

      if (g_strcmp0 (user->token, token) == 0)
        return user;
    }
  return NULL;
}

static Repository *
find_repository (ForgeGithubStandin *self,
                 const char         *owner,
                 const char         *name)
{
  for (guint i = 0; i < self->repositories->len; i++)
    {
      Repository *repository = g_ptr_array_index (self->repositories, i);

      if (g_ascii_strcasecmp (repository->owner, owner) == 0 &&
          g_ascii_strcasecmp (repository->name, name) == 0)
        return repository;
    }
  return NULL;
}

static int
by_pushed_desc (gconstpointer a,
                gconstpointer b)
{
  const Repository *ra = *(Repository * const *) a;
  const Repository *rb = *(Repository * const *) b;

  return ra->pushed_at < rb->pushed_at ? 1 : ra->pushed_at > rb->pushed_at ? -1 : 0;
}

static void
answer_repositories (ForgeGithubStandin *self,
                     SoupServerMessage  *msg,
                     const char         *prefix,
                     const char         *path,
                     GHashTable         *query,
                     const User         *user)
{
  g_autoptr(GPtrArray) mine = g_ptr_array_new ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint per_page = query_uint (query, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE);
  guint page = query_uint (query, "page", 1, G_MAXINT);
  guint pages;

  for (guint i = 0; i < self->repositories->len; i++)
    {
      Repository *repository = g_ptr_array_index (self->repositories, i);

      if (g_strcmp0 (repository->owner, user->login) == 0)
        g_ptr_array_add (mine, repository);
    }
  g_ptr_array_sort (mine, by_pushed_desc);
  pages = MAX (1, (mine->len + per_page - 1) / per_page);

  json_builder_begin_array (builder);
  for (guint i = (page - 1) * per_page; i < mine->len && i < page * per_page; i++)
    add_repository (self, builder, g_ptr_array_index (mine, i));
  json_builder_end_array (builder);

  set_link (self, msg, prefix, path, "sort=pushed&", per_page, page, pages);
  set_json (msg, SOUP_STATUS_OK, builder);
}

static void
answer_branches (ForgeGithubStandin *self,
                 SoupServerMessage  *msg,
                 const char         *prefix,
                 const char         *path,
                 GHashTable         *query,
                 const Repository   *repository)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint per_page = query_uint (query, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE);
  guint page = query_uint (query, "page", 1, G_MAXINT);
  guint n = repository->branches->len;
  guint pages = MAX (1, (n + per_page - 1) / per_page);

  json_builder_begin_array (builder);
  for (guint i = (page - 1) * per_page; i < n && i < page * per_page; i++)
    add_branch (builder, repository, g_ptr_array_index (repository->branches, i));
  json_builder_end_array (builder);

  set_link (self, msg, prefix, path, "", per_page, page, pages);
  set_json (msg, SOUP_STATUS_OK, builder);
}

static void
answer_user (SoupServerMessage *msg,
             const char        *base,
             const User        *user)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *avatar_url = g_strdup_printf ("%s/avatars/%s", base, user->login);
  g_autofree char *html_url = g_strdup_printf ("%s/%s", base, user->login);

  json_builder_begin_object (builder);
  add_string (builder, "login", user->login);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, g_str_hash (user->login));
  add_string (builder, "name", user->name);
  add_string (builder, "avatar_url", avatar_url);
  add_string (builder, "html_url", html_url);
  add_string (builder, "type", "User");
  json_builder_end_object (builder);
  set_json (msg, SOUP_STATUS_OK, builder);
}

static void
oauth_error (SoupServerMessage *msg,
             const char        *code,
             guint              interval)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string (builder, "error", code);
  add_string (builder, "error_description", code);
  if (interval > 0)
    {
      json_builder_set_member_name (builder, "interval");
      json_builder_add_int_value (builder, interval);
    }
  json_builder_end_object (builder);
  /* GitHub answers the device flow's errors with 200. */
  set_json (msg, SOUP_STATUS_OK, builder);
}

static GHashTable *
read_form (SoupServerMessage *msg)
{
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  return soup_form_decode (text);
}

static void
record_poll_gap (ForgeGithubStandin *self)
{
  gint64 now = g_get_monotonic_time ();
  guint gap = (guint) ((now - self->last_device_time) / 1000);

  g_array_append_val (self->poll_gaps_ms, gap);
  self->last_device_time = now;
}

static void
answer_device_code (ForgeGithubStandin *self,
                    SoupServerMessage  *msg)
{
  g_autoptr(GHashTable) form = read_form (msg);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *verification_uri = g_strdup_printf ("%s/login/device", forge_test_server_get_base (self->server));
  const char *client_id = g_hash_table_lookup (form, "client_id");

  if (client_id == NULL || *client_id == '\0' ||
      (self->script_client_id != NULL && g_strcmp0 (client_id, self->script_client_id) != 0))
    {
      oauth_error (msg, "incorrect_client_credentials", 0);
      return;
    }

  g_free (self->device_code);
  self->device_code = g_strdup_printf ("dc-%08x%08x", g_random_int (), g_random_int ());
  self->polls = 0;
  self->last_device_time = g_get_monotonic_time ();
  g_array_set_size (self->poll_gaps_ms, 0);

  json_builder_begin_object (builder);
  add_string (builder, "device_code", self->device_code);
  add_string (builder, "user_code", FORGE_GITHUB_STANDIN_USER_CODE);
  add_string (builder, "verification_uri", verification_uri);
  json_builder_set_member_name (builder, "expires_in");
  json_builder_add_int_value (builder, self->script.expires_in);
  json_builder_set_member_name (builder, "interval");
  json_builder_add_int_value (builder, self->script.interval);
  json_builder_end_object (builder);
  set_json (msg, SOUP_STATUS_OK, builder);
}

static void
answer_access_token (ForgeGithubStandin *self,
                     SoupServerMessage  *msg)
{
  g_autoptr(GHashTable) form = read_form (msg);
  g_autoptr(JsonBuilder) builder = NULL;
  const ForgeGithubStandinDeviceScript *script = &self->script;
  guint poll;

  if (g_strcmp0 (g_hash_table_lookup (form, "grant_type"), GRANT_TYPE) != 0)
    {
      oauth_error (msg, "unsupported_grant_type", 0);
      return;
    }
  if (self->script_client_id != NULL &&
      g_strcmp0 (g_hash_table_lookup (form, "client_id"), self->script_client_id) != 0)
    {
      oauth_error (msg, "incorrect_client_credentials", 0);
      return;
    }
  if (self->device_code == NULL || g_strcmp0 (g_hash_table_lookup (form, "device_code"), self->device_code) != 0)
    {
      oauth_error (msg, "incorrect_device_code", 0);
      return;
    }

  record_poll_gap (self);
  poll = self->polls++;

  if (poll < script->pending)
    {
      oauth_error (msg, "authorization_pending", 0);
      return;
    }
  if (script->slow_down && poll == script->pending)
    {
      oauth_error (msg, "slow_down", script->slow_down_interval);
      return;
    }

  switch (script->end)
    {
    case FORGE_GITHUB_STANDIN_EXPIRE:
      oauth_error (msg, "expired_token", 0);
      return;
    case FORGE_GITHUB_STANDIN_DENY:
      oauth_error (msg, "access_denied", 0);
      return;
    case FORGE_GITHUB_STANDIN_GRANT:
    default:
      break;
    }

  /* A code is good for one token. */
  g_clear_pointer (&self->device_code, g_free);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_string (builder, "access_token", self->script_token != NULL ? self->script_token : "");
  add_string (builder, "token_type", "bearer");
  add_string (builder, "scope", "repo");
  json_builder_end_object (builder);
  set_json (msg, SOUP_STATUS_OK, builder);
}

/* "Bearer T" or "token T" → T. */
static const char *
authorization_token (const char *header)
{
  if (header == NULL)
    return NULL;
  if (g_ascii_strncasecmp (header, "Bearer ", 7) == 0)
    return header + 7;
  if (g_ascii_strncasecmp (header, "token ", 6) == 0)
    return header + 6;
  return header;
}

static void
handle_locked (ForgeGithubStandin *self,
               SoupServerMessage  *msg,
               const char         *full_path,
               GHashTable         *query)
{
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");
  const char *token = authorization_token (header);
  const char *prefix = g_str_has_prefix (full_path, "/api/v3/") ? "/api/v3" : "";
  const char *path = full_path + strlen (prefix);
  gboolean device_flow = g_str_has_prefix (path, "/login/");
  const User *user = find_user_by_token (self, token);
  g_auto(GStrv) parts = NULL;
  Override *override;

  self->requests++;
  count (self->path_counts, path);
  if (token != NULL)
    {
      self->authorized++;
      count (self->token_counts, token);
      if (user == NULL || device_flow)
        self->foreign++;
    }

  if ((override = g_hash_table_lookup (self->overrides, path)) != NULL)
    {
      soup_server_message_set_status (msg, override->status, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (override->body, NULL),
                                        g_bytes_get_size (override->body));
      return;
    }

  if (device_flow)
    {
      if (strcmp (method, SOUP_METHOD_POST) != 0)
        set_message (msg, SOUP_STATUS_NOT_FOUND, "Not Found");
      else if (strcmp (path, "/login/device/code") == 0)
        answer_device_code (self, msg);
      else if (strcmp (path, "/login/oauth/access_token") == 0)
        answer_access_token (self, msg);
      else
        set_message (msg, SOUP_STATUS_NOT_FOUND, "Not Found");
      return;
    }

  if (self->rate_reset != 0)
    {
      g_autofree char *reset = g_strdup_printf ("%" G_GINT64_FORMAT, self->rate_reset);

      soup_message_headers_replace (response_headers, "X-RateLimit-Limit", "5000");
      soup_message_headers_replace (response_headers, "X-RateLimit-Remaining", "0");
      soup_message_headers_replace (response_headers, "X-RateLimit-Reset", reset);
      set_message (msg, SOUP_STATUS_FORBIDDEN, "API rate limit exceeded for user.");
      return;
    }
  soup_message_headers_replace (response_headers, "X-RateLimit-Limit", "5000");
  soup_message_headers_replace (response_headers, "X-RateLimit-Remaining", "4999");

  if (strcmp (method, SOUP_METHOD_GET) != 0)
    {
      set_message (msg, SOUP_STATUS_NOT_FOUND, "Not Found");
      return;
    }

  if (token != NULL && user == NULL)
    {
      set_message (msg, SOUP_STATUS_UNAUTHORIZED, "Bad credentials");
      return;
    }

  if (strcmp (path, "/user") == 0 || strcmp (path, "/user/repos") == 0)
    {
      if (user == NULL)
        set_message (msg, SOUP_STATUS_UNAUTHORIZED, "Requires authentication");
      else if (strcmp (path, "/user") == 0)
        answer_user (msg, forge_test_server_get_base (self->server), user);
      else
        answer_repositories (self, msg, prefix, path, query, user);
      return;
    }

  parts = g_strsplit (path + 1, "/", -1);
  if (g_strv_length (parts) >= 3 && strcmp (parts[0], "repos") == 0 &&
      (parts[3] == NULL || (strcmp (parts[3], "branches") == 0 && parts[4] == NULL)))
    {
      Repository *repository = find_repository (self, parts[1], parts[2]);

      /* GitHub hides private repositories behind 404, not 403. */
      if (repository == NULL ||
          (repository->is_private && (user == NULL || g_strcmp0 (user->login, repository->owner) != 0)))
        set_message (msg, SOUP_STATUS_NOT_FOUND, "Not Found");
      else if (parts[3] == NULL)
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();

          add_repository (self, builder, repository);
          set_json (msg, SOUP_STATUS_OK, builder);
        }
      else
        answer_branches (self, msg, prefix, path, query, repository);
      return;
    }

  set_message (msg, SOUP_STATUS_NOT_FOUND, "Not Found");
}

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  ForgeGithubStandin *self = user_data;

  g_mutex_lock (&self->mutex);
  handle_locked (self, msg, path, query);
  g_mutex_unlock (&self->mutex);
}

/* ---- the API ---- */

ForgeGithubStandin *
forge_github_standin_new (void)
{
  ForgeGithubStandin *self = g_new0 (ForgeGithubStandin, 1);

  g_mutex_init (&self->mutex);
  self->users = g_ptr_array_new_with_free_func ((GDestroyNotify) user_free);
  self->repositories = g_ptr_array_new_with_free_func ((GDestroyNotify) repository_free);
  self->overrides = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) override_free);
  self->path_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->token_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->poll_gaps_ms = g_array_new (FALSE, FALSE, sizeof (guint));
  self->script.interval = 1;
  self->script.expires_in = 900;
  self->script.end = FORGE_GITHUB_STANDIN_GRANT;

  /* Last: the handler may run from here on. */
  self->server = forge_test_server_new ("GitHub.com", handle, self);
  return self;
}

void
forge_github_standin_free (ForgeGithubStandin *self)
{
  if (self == NULL)
    return;

  forge_test_server_free (self->server);
  g_ptr_array_unref (self->users);
  g_ptr_array_unref (self->repositories);
  g_hash_table_unref (self->overrides);
  g_hash_table_unref (self->path_counts);
  g_hash_table_unref (self->token_counts);
  g_array_unref (self->poll_gaps_ms);
  g_free (self->next_base);
  g_free (self->script_client_id);
  g_free (self->script_token);
  g_free (self->device_code);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

const char *
forge_github_standin_get_base (ForgeGithubStandin *self)
{
  return forge_test_server_get_base (self->server);
}

void
forge_github_standin_add_user (ForgeGithubStandin *self,
                               const char         *login,
                               const char         *name,
                               const char         *token)
{
  User *user = g_new0 (User, 1);

  user->login = g_strdup (login);
  user->name = g_strdup (name);
  user->token = g_strdup (token);

  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->users, user);
  g_mutex_unlock (&self->mutex);
}

void
forge_github_standin_add_repository (ForgeGithubStandin *self,
                                     const char         *owner,
                                     const char         *name,
                                     gboolean            is_private,
                                     const char         *description,
                                     gint64              pushed_at)
{
  Repository *repository = g_new0 (Repository, 1);

  repository->owner = g_strdup (owner);
  repository->name = g_strdup (name);
  repository->is_private = is_private;
  repository->description = g_strdup (description);
  repository->pushed_at = pushed_at;
  repository->branches = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (repository->branches, g_strdup ("main"));

  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->repositories, repository);
  g_mutex_unlock (&self->mutex);
}

void
forge_github_standin_add_branch (ForgeGithubStandin *self,
                                 const char         *owner,
                                 const char         *name,
                                 const char         *branch)
{
  Repository *repository;

  g_mutex_lock (&self->mutex);
  repository = find_repository (self, owner, name);
  g_assert_nonnull (repository);
  g_ptr_array_add (repository->branches, g_strdup (branch));
  g_mutex_unlock (&self->mutex);
}

void
forge_github_standin_set_device_script (ForgeGithubStandin                   *self,
                                        const ForgeGithubStandinDeviceScript *script)
{
  g_mutex_lock (&self->mutex);
  self->script = *script;
  g_free (self->script_client_id);
  self->script_client_id = g_strdup (script->client_id);
  g_free (self->script_token);
  self->script_token = g_strdup (script->token);
  /* The copies own the strings. */
  self->script.client_id = NULL;
  self->script.token = NULL;
  g_mutex_unlock (&self->mutex);
}

void
forge_github_standin_set_rate_limited (ForgeGithubStandin *self,
                                       gint64              reset)
{
  g_mutex_lock (&self->mutex);
  self->rate_reset = reset;
  g_mutex_unlock (&self->mutex);
}

void
forge_github_standin_set_next_base (ForgeGithubStandin *self,
                                    const char         *other_base)
{
  g_mutex_lock (&self->mutex);
  g_free (self->next_base);
  self->next_base = g_strdup (other_base);
  g_mutex_unlock (&self->mutex);
}

void
forge_github_standin_override (ForgeGithubStandin *self,
                               const char         *path,
                               guint               status,
                               GBytes             *body)
{
  g_mutex_lock (&self->mutex);
  if (body == NULL)
    g_hash_table_remove (self->overrides, path);
  else
    {
      Override *override = g_new0 (Override, 1);

      override->status = status;
      override->body = g_bytes_ref (body);
      g_hash_table_replace (self->overrides, g_strdup (path), override);
    }
  g_mutex_unlock (&self->mutex);
}

guint
forge_github_standin_count_requests (ForgeGithubStandin *self,
                                     const char         *path)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = path == NULL ? self->requests : GPOINTER_TO_UINT (g_hash_table_lookup (self->path_counts, path));
  g_mutex_unlock (&self->mutex);
  return n;
}

guint
forge_github_standin_count_authorization (ForgeGithubStandin *self,
                                          const char         *token)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = token == NULL ? self->authorized : GPOINTER_TO_UINT (g_hash_table_lookup (self->token_counts, token));
  g_mutex_unlock (&self->mutex);
  return n;
}

guint
forge_github_standin_count_foreign_authorization (ForgeGithubStandin *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = self->foreign;
  g_mutex_unlock (&self->mutex);
  return n;
}

GArray *
forge_github_standin_dup_poll_gaps_ms (ForgeGithubStandin *self)
{
  GArray *copy;

  g_mutex_lock (&self->mutex);
  copy = g_array_copy (self->poll_gaps_ms);
  g_mutex_unlock (&self->mutex);
  return copy;
}
