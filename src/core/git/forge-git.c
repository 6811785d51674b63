/* forge-git.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-git"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <git2.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "forge-git.h"
#include "forge-git-checkout-private.h"
#include "forge-git-private.h"
#include "forge-util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_repository, git_repository_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_remote, git_remote_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_reference, git_reference_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_object, git_object_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_annotated_commit, git_annotated_commit_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_buf, git_buf_dispose)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_config, git_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_config_iterator, git_config_iterator_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_status_list, git_status_list_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_tree, git_tree_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_index, git_index_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (git_tree_entry, git_tree_entry_free)

/* At most ~10 progress reports per second: the UI redraws on each one. */
#define PROGRESS_INTERVAL_USEC (G_USEC_PER_SEC / 10)

G_DEFINE_QUARK (forge-git-error-quark, forge_git_error)

static void
forge_git_init (void)
{
  static gsize initialized = 0;
  static const git_config_level_t levels[] = {
    GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
    GIT_CONFIG_LEVEL_GLOBAL, GIT_CONFIG_LEVEL_PROGRAMDATA,
  };

  if (g_once_init_enter (&initialized))
    {
      git_libgit2_init ();
      /* Only a repository's own config counts, and only what we wrote
       * there (see config_is_ours()): none from /etc/gitconfig,
       * ~/.gitconfig or ~/.config/git, whose http.proxy, url.*.insteadOf
       * and such would act on repositories we fetch. An empty path, not
       * NULL, which means the default. */
      for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
        git_libgit2_opts (GIT_OPT_SET_SEARCH_PATH, levels[i], "");
      g_once_init_leave (&initialized, 1);
    }
}

/* ------------------------------------------------------------------ */
/* URLs                                                               */
/* ------------------------------------------------------------------ */

static gboolean
is_valid_name_segment (const char *s,
                       gboolean    is_owner)
{
  if (s == NULL || *s == '\0' || strlen (s) > 100)
    return FALSE;

  if (g_str_equal (s, ".") || g_str_equal (s, ".."))
    return FALSE;

  for (const char *p = s; *p; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-')
        continue;
      /* GitHub owners are [A-Za-z0-9-]; repositories also allow . and _ */
      if (!is_owner && (*p == '.' || *p == '_'))
        continue;
      return FALSE;
    }

  return TRUE;
}

static gboolean
has_scheme (const char *input,
            const char *scheme)
{
  gsize len = strlen (scheme);

  return g_ascii_strncasecmp (input, scheme, len) == 0 && input[len] == ':';
}

static gboolean
looks_like_token (const char *user)
{
  static const char * const prefixes[] = {
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "x-access-token", "oauth2",
  };

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (user, prefixes[i]))
      return TRUE;

  return strlen (user) >= 32;
}

/* Like git: "user@host:path" without "://" is an SSH address. */
static gboolean
is_scp_like (const char *input)
{
  const char *colon = strchr (input, ':');
  const char *slash = strchr (input, '/');

  if (colon == NULL || colon == input || strstr (input, "://") != NULL)
    return FALSE;
  if (slash != NULL && slash < colon)
    return FALSE;
  if (strchr (input, ' ') != NULL)
    return FALSE;

  return colon[1] != '\0';
}

/* A DNS name or an IP address (GUri takes the brackets off IPv6 ones);
 * GUri itself lets anything between "@" and the path through. */
static gboolean
is_valid_host (const char *host)
{
  if (host == NULL || *host == '\0')
    return FALSE;

  for (const char *p = host; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-._~%:", *p) == NULL)
      return FALSE;

  return TRUE;
}

/* In place; never into "scheme://": "file:///" is the root folder,
 * "file:" is nothing (a local "/" normalises to the former). */
static char *
strip_trailing_slashes (char *text)
{
  const char *authority = strstr (text, "://");
  gsize keep = authority != NULL ? (gsize) (authority - text) + strlen (":///") : 1;
  gsize len = strlen (text);

  while (len > keep && text[len - 1] == '/')
    text[--len] = '\0';
  return text;
}

static char *
normalize_local_path (const char  *input,
                      GError     **error)
{
  g_autofree char *expanded = NULL;
  g_autofree char *canonical = NULL;
  g_autoptr(GFile) file = NULL;

  if (g_str_has_prefix (input, "~/") || g_str_equal (input, "~"))
    expanded = g_build_filename (g_get_home_dir (), input + 1, NULL);
  else
    expanded = g_strdup (input);

  canonical = g_canonicalize_filename (expanded, NULL);
  /* POSIX lets a leading "//" mean something else than "/", so GLib
   * keeps it; on Linux it is "/", and "file:////" would normalise again
   * to another address. */
  if (g_str_has_prefix (canonical, "//"))
    memmove (canonical, canonical + 1, strlen (canonical));

  if (!g_file_test (canonical, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_NOT_FOUND,
                   _("There is no folder at “%s”. Check the path and try again."),
                   canonical);
      return NULL;
    }

  file = g_file_new_for_path (canonical);
  return g_file_get_uri (file);
}

char *
forge_git_normalize_url (const char  *input,
                         GError     **error)
{
  g_autofree char *text = NULL;
  gsize len;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  text = g_strstrip (g_strdup (input != NULL ? input : ""));
  len = strlen (text);

  if (len == 0)
    {
      g_set_error_literal (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_INVALID_URL,
                           _("Enter the address of a Git repository, like https://github.com/owner/repo."));
      return NULL;
    }

  /* Spaces and control characters, \f and \v as much as \n: what
   * g_strstrip() would take off the next time must not be kept now. */
  for (const char *p = text; *p; p++)
    if (*p == ' ' || g_ascii_iscntrl (*p))
      goto invalid;

  if (text[0] == '/' || g_str_equal (text, "~") || g_str_has_prefix (text, "~/") ||
      g_str_has_prefix (text, "./") ||
      g_str_has_prefix (text, "../") || g_str_equal (text, "."))
    return normalize_local_path (text, error);

  strip_trailing_slashes (text);

  if (has_scheme (text, "https") || has_scheme (text, "http") ||
      has_scheme (text, "git") || has_scheme (text, "ssh") ||
      has_scheme (text, "file"))
    {
      g_autoptr(GUri) uri = NULL;
      const char *password;
      const char *host;

      uri = g_uri_parse (text, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
      if (uri == NULL)
        goto invalid;

      host = g_uri_get_host (uri);
      password = g_uri_get_password (uri);

      if (has_scheme (text, "file"))
        {
          /* A folder on this computer: no one to log in as, no port
           * ("file://user:secret@/srv" kept its password; found by
           * fuzzing). */
          if ((host != NULL && *host != '\0' && g_ascii_strcasecmp (host, "localhost") != 0) ||
              g_uri_get_port (uri) != -1)
            goto invalid;
          if (g_uri_get_userinfo (uri) != NULL)
            goto credentials;
          return g_steal_pointer (&text);
        }

      if (host == NULL || *host == '\0')
        goto invalid;

      if (password != NULL && *password != '\0')
        goto credentials;

      if (!is_valid_host (host))
        goto invalid;

      /* https://TOKEN@github.com/… is the other common way to paste a
       * token; a plain user name (Bitbucket puts one there) is dropped
       * since the credentials callback supplies its own. */
      if ((has_scheme (text, "https") || has_scheme (text, "http")) &&
          g_uri_get_user (uri) != NULL && *g_uri_get_user (uri) != '\0')
        {
          if (looks_like_token (g_uri_get_user (uri)))
            goto credentials;

          /* GUri took the dot segments out of the path: "/a/." is
           * "/a/" now, and its slash goes as any other. */
          return strip_trailing_slashes (g_uri_join (G_URI_FLAGS_ENCODED,
                                                     g_uri_get_scheme (uri), NULL,
                                                     host, g_uri_get_port (uri),
                                                     g_uri_get_path (uri),
                                                     g_uri_get_query (uri),
                                                     g_uri_get_fragment (uri)));
        }

      return g_steal_pointer (&text);
    }

  if (strstr (text, "://") != NULL)
    goto invalid;

  if (is_scp_like (text))
    {
      const char *at = strchr (text, '@');
      const char *colon = strchr (text, ':');
      /* URIs a browser or a mail client takes: "javascript:alert(1)" has
       * the scp form, host "javascript", but a link copied from a page is
       * not an SSH address, and no host of that name is looked up. */
      static const char * const web_schemes[] = {
        "about", "blob", "data", "javascript", "mailto", "tel", "vbscript", "view-source",
      };

      /* "user:token@host:…" would be a password in scp form */
      if (at != NULL && at > colon)
        goto invalid;
      for (guint i = 0; at == NULL && i < G_N_ELEMENTS (web_schemes); i++)
        if ((gsize) (colon - text) == strlen (web_schemes[i]) &&
            g_ascii_strncasecmp (text, web_schemes[i], colon - text) == 0)
          goto invalid;
      return g_steal_pointer (&text);
    }

  /* owner/repo shorthand */
  {
    g_auto(GStrv) parts = g_strsplit (text, "/", -1);

    if (g_strv_length (parts) == 2 &&
        is_valid_name_segment (parts[0], TRUE) &&
        is_valid_name_segment (parts[1], FALSE))
      {
        const char *repo = parts[1];

        if (g_str_has_suffix (repo, ".git"))
          return g_strdup_printf ("https://github.com/%s/%s", parts[0], repo);
        return g_strdup_printf ("https://github.com/%s/%s.git", parts[0], repo);
      }
  }

  goto invalid;

credentials:
  g_set_error_literal (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_INVALID_URL,
                       _("Remove the token from the address; add it in Preferences → Accounts instead."));
  return NULL;

invalid:
  g_set_error_literal (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_INVALID_URL,
                       _("That is not a Git repository address: use https://host/owner/repo, owner/repo or a local folder."));
  return NULL;
}

char *
forge_git_dup_host (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;

  if (url == NULL)
    return NULL;

  if (strstr (url, "://") == NULL)
    {
      if (is_scp_like (url))
        {
          const char *at = strchr (url, '@');
          const char *colon = strchr (url, ':');
          const char *start = (at != NULL && at < colon) ? at + 1 : url;

          return g_ascii_strdown (start, colon - start);
        }
      return NULL;
    }

  if (has_scheme (url, "file"))
    return NULL;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_HAS_PASSWORD, NULL);
  if (uri == NULL)
    return NULL;

  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    return NULL;

  return g_ascii_strdown (host, -1);
}

gboolean
forge_git_parse_owner_repo (const char  *url,
                            char       **owner,
                            char       **repo)
{
  g_autofree char *path = NULL;
  g_auto(GStrv) parts = NULL;
  g_autofree char *host = NULL;
  const char *segments[2] = { NULL, NULL };
  guint n = 0;

  if (owner != NULL)
    *owner = NULL;
  if (repo != NULL)
    *repo = NULL;

  host = forge_git_dup_host (url);
  if (host == NULL)
    return FALSE;

  if (strstr (url, "://") != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_HAS_PASSWORD, NULL);

      if (uri == NULL)
        return FALSE;
      path = g_strdup (g_uri_get_path (uri));
    }
  else
    path = g_strdup (strchr (url, ':') + 1);

  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL && n < 2; i++)
    {
      if (*parts[i] != '\0')
        segments[n++] = parts[i];
    }

  if (n < 2)
    return FALSE;

  if (owner != NULL)
    *owner = g_strdup (segments[0]);
  if (repo != NULL)
    {
      if (g_str_has_suffix (segments[1], ".git") && strlen (segments[1]) > 4)
        *repo = g_strndup (segments[1], strlen (segments[1]) - 4);
      else
        *repo = g_strdup (segments[1]);
    }

  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Repository addresses with a ref                                    */
/* ------------------------------------------------------------------ */

/* Far more than any real address; a pasted novel is not one. */
#define MAX_SPEC_LENGTH 4096

static gboolean
set_invalid_ref (GError     **error,
                 const char  *what)
{
  /* Quoted back in one line, and not a page of it. */
  g_autofree char *shown = g_utf8_make_valid (what, -1);
  g_autofree char *cut = NULL;

  for (char *p = shown; *p; p++)
    if (g_ascii_iscntrl (*p))
      *p = '?';
  if (g_utf8_strlen (shown, -1) > 80)
    {
      g_autofree char *head = g_utf8_substring (shown, 0, 80);
      cut = g_strconcat (head, "…", NULL);
    }
  else
    cut = g_strdup (shown);

  g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_INVALID_URL,
               _("“%s” is not a valid branch, tag or pull request: check the address and try again."),
               cut);
  return FALSE;
}

/* Each segment percent-decoded on its own ("%2F" stays inside it),
 * joined with '/'. NULL on an escaped NUL or bad UTF-8. */
static char *
decode_segments (char **segments)
{
  g_autoptr(GPtrArray) decoded = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; segments[i] != NULL; i++)
    {
      char *segment = g_uri_unescape_string (segments[i], NULL);

      if (segment == NULL || !g_utf8_validate (segment, -1, NULL))
        {
          g_free (segment);
          return NULL;
        }
      g_ptr_array_add (decoded, segment);
    }
  g_ptr_array_add (decoded, NULL);
  return g_strjoinv ("/", (char **) decoded->pdata);
}

/* For https://HOST/OWNER/REPO/<kind>/…: the ref, the base address in
 * *base (scheme, host, port, /OWNER/REPO). FALSE with error for a
 * malformed one; TRUE with *ref NULL when the path is no such form. */
static gboolean
parse_web_path (const char  *text,
                char       **base,
                char       **ref,
                GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) segments = g_ptr_array_new ();
  g_autofree char *base_path = NULL;
  const char *kind;
  guint rest;

  *base = NULL;
  *ref = NULL;

  /* GUri removes dot segments: ".../tree/main/../../x" would become
   * another path, not an error. */
  {
    const char *start = strstr (text, "://");
    const char *path = start != NULL ? strchr (start + 3, '/') : NULL;
    g_autofree char *raw = path != NULL ? g_strndup (path, strcspn (path, "?#")) : NULL;
    g_auto(GStrv) raw_parts = raw != NULL ? g_strsplit (raw, "/", -1) : NULL;

    for (guint i = 0; raw_parts != NULL && raw_parts[i] != NULL; i++)
      {
        g_autofree char *decoded = g_uri_unescape_string (raw_parts[i], NULL);

        if (decoded == NULL || g_str_equal (decoded, ".") || g_str_equal (decoded, ".."))
          return set_invalid_ref (error, raw_parts[i]);
      }
  }

  uri = g_uri_parse (text, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return TRUE;   /* normalize_url() says what is wrong */

  parts = g_strsplit (g_uri_get_path (uri), "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] != '\0')
      g_ptr_array_add (segments, parts[i]);

  if (segments->len < 3)
    return TRUE;

  /* GitLab puts "-" before its own /tree/. */
  rest = 2;
  if (g_str_equal (g_ptr_array_index (segments, 2), "-"))
    rest = 3;
  if (segments->len <= rest)
    return TRUE;
  kind = g_ptr_array_index (segments, rest);
  rest++;

  g_ptr_array_add (segments, NULL);

  if (g_str_equal (kind, "tree"))
    {
      g_autofree char *path = NULL;

      if (segments->len - 1 <= rest)
        return set_invalid_ref (error, text);
      path = decode_segments ((char **) segments->pdata + rest);
      if (path == NULL)
        return set_invalid_ref (error, text);

      /* One segment ("feature%2Fx" included) is a branch. */
      if (segments->len - 1 == rest + 1)
        *ref = forge_git_ref_for_branch (path);
      else if (forge_git_subdir_is_valid (path))
        {
          *ref = g_strconcat (FORGE_GIT_REF_TREE_PREFIX, path, NULL);
          if (!forge_git_ref_is_valid (*ref))
            g_clear_pointer (ref, g_free);
        }
      if (*ref == NULL)
        return set_invalid_ref (error, path);
    }
  else if (g_str_equal (kind, "pull") || g_str_equal (kind, "pulls"))
    {
      /* …/pull/7, …/pull/7/files, …/pull/7/commits/SHA */
      if (segments->len - 1 <= rest)
        return set_invalid_ref (error, text);
      *ref = g_strdup_printf ("refs/pull/%s/head", (char *) g_ptr_array_index (segments, rest));
      if (!forge_git_ref_is_valid (*ref))
        {
          g_autofree char *number = g_strdup (g_ptr_array_index (segments, rest));

          g_clear_pointer (ref, g_free);
          return set_invalid_ref (error, number);
        }
    }
  else if (g_str_equal (kind, "releases") && segments->len - 1 > rest + 1 &&
           g_str_equal (g_ptr_array_index (segments, rest), "tag"))
    {
      g_autofree char *tag = decode_segments ((char **) segments->pdata + rest + 1);

      if (tag != NULL)
        *ref = g_strconcat ("refs/tags/", tag, NULL);
      if (*ref == NULL || !forge_git_ref_is_valid (*ref))
        {
          g_clear_pointer (ref, g_free);
          return set_invalid_ref (error, tag != NULL ? tag : text);
        }
    }
  else
    return TRUE;

  base_path = g_strdup_printf ("/%s/%s", (char *) g_ptr_array_index (segments, 0),
                               (char *) g_ptr_array_index (segments, 1));
  /* The user part stays: normalize_url() refuses a token there. */
  *base = g_uri_join_with_user (G_URI_FLAGS_ENCODED | G_URI_FLAGS_HAS_PASSWORD,
                                g_uri_get_scheme (uri), g_uri_get_user (uri), g_uri_get_password (uri),
                                NULL, g_uri_get_host (uri), g_uri_get_port (uri),
                                base_path, NULL, NULL);
  return TRUE;
}

static gboolean
is_local_input (const char *text)
{
  return text[0] == '/' || text[0] == '~' || text[0] == '.' || has_scheme (text, "file");
}

ForgeRepoSpec *
forge_git_parse_repo_spec (const char  *input,
                           GError     **error)
{
  g_autofree char *text = NULL;
  g_autofree char *address = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *subdir = NULL;
  g_autofree char *url = NULL;
  char *hash;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  text = g_strstrip (g_strdup (input != NULL ? input : ""));
  if (strlen (text) > MAX_SPEC_LENGTH)
    {
      g_set_error_literal (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_INVALID_URL,
                           _("That address is too long to be a repository’s: check it and try again."));
      return NULL;
    }

  address = g_strdup (text);

  /* owner/repo#branch, https://host/owner/repo#branch. Not for folders,
   * whose names may hold '#'. */
  if (!is_local_input (address) && (hash = strchr (address, '#')) != NULL)
    {
      g_autofree char *branch = g_uri_unescape_string (hash + 1, NULL);

      *hash = '\0';
      ref = branch != NULL ? forge_git_ref_for_branch (branch) : NULL;
      if (ref == NULL)
        {
          set_invalid_ref (error, hash + 1);
          return NULL;
        }
    }

  if (has_scheme (address, "https") || has_scheme (address, "http"))
    {
      g_autofree char *base = NULL;
      g_autofree char *path_ref = NULL;

      if (!parse_web_path (address, &base, &path_ref, error))
        return NULL;

      if (path_ref != NULL)
        {
          if (ref != NULL)
            {
              set_invalid_ref (error, text);
              return NULL;
            }
          g_free (address);
          address = g_steal_pointer (&base);
          ref = g_steal_pointer (&path_ref);
        }
    }

  url = forge_git_normalize_url (address, error);
  if (url == NULL)
    return NULL;

  return forge_repo_spec_new (url, ref, subdir);
}

/* ------------------------------------------------------------------ */
/* Errors                                                             */
/* ------------------------------------------------------------------ */

typedef struct
{
  int            klass;          /* -1: any class */
  const char    *needle;         /* case-insensitive substring */
  ForgeGitError  code;
} ErrorRule;

/* Ordered: the first match wins. The texts are libgit2's (1.5) plus the
 * strerror() strings it appends to OS errors. */
static const ErrorRule error_rules[] = {
  { -1, "No space left on device", FORGE_GIT_ERROR_DISK_FULL },
  { -1, "Disk quota exceeded", FORGE_GIT_ERROR_DISK_FULL },
  /* The resolver could not ask anyone: offline rather than a bad name. */
  { -1, "Temporary failure in name resolution", FORGE_GIT_ERROR_NETWORK },
  { -1, "failed to resolve address", FORGE_GIT_ERROR_HOST_NOT_FOUND },
  { -1, "Name or service not known", FORGE_GIT_ERROR_HOST_NOT_FOUND },
  { -1, "No address associated with hostname", FORGE_GIT_ERROR_HOST_NOT_FOUND },
  { -1, "status code: 401", FORGE_GIT_ERROR_AUTH_REQUIRED },
  { -1, "status code: 403", FORGE_GIT_ERROR_AUTH_REQUIRED },
  { -1, "authentication required", FORGE_GIT_ERROR_AUTH_REQUIRED },
  { -1, "too many redirects or authentication replays", FORGE_GIT_ERROR_AUTH_REQUIRED },
  { -1, "authentication failed", FORGE_GIT_ERROR_AUTH_REQUIRED },
  { -1, "status code: 404", FORGE_GIT_ERROR_NOT_FOUND },
  { -1, "repository not found", FORGE_GIT_ERROR_NOT_FOUND },
  { -1, "does not appear to be a git repository", FORGE_GIT_ERROR_NOT_FOUND },
  { -1, "could not find repository", FORGE_GIT_ERROR_NOT_FOUND },
  { -1, "failed to resolve path", FORGE_GIT_ERROR_NOT_FOUND },
  { -1, "unsupported URL protocol", FORGE_GIT_ERROR_INVALID_URL },
  { -1, "unknown scheme", FORGE_GIT_ERROR_INVALID_URL },
  { -1, "malformed URL", FORGE_GIT_ERROR_INVALID_URL },
  { -1, "invalid url", FORGE_GIT_ERROR_INVALID_URL },
  { -1, "Connection refused", FORGE_GIT_ERROR_NETWORK },
  { -1, "timed out", FORGE_GIT_ERROR_NETWORK },
  { -1, "Network is unreachable", FORGE_GIT_ERROR_NETWORK },
  { -1, "No route to host", FORGE_GIT_ERROR_NETWORK },
  { -1, "Connection reset", FORGE_GIT_ERROR_NETWORK },
  { -1, "failed to connect", FORGE_GIT_ERROR_NETWORK },
  { -1, "early EOF", FORGE_GIT_ERROR_NETWORK },
  { -1, "SSL error", FORGE_GIT_ERROR_NETWORK },
  { GIT_ERROR_NET, NULL, FORGE_GIT_ERROR_NETWORK },
  { GIT_ERROR_SSL, NULL, FORGE_GIT_ERROR_NETWORK },
};

ForgeGitError
forge_git_classify_error (int         git_code,
                          int         error_class,
                          const char *message)
{
  g_autofree char *folded = g_utf8_casefold (message != NULL ? message : "", -1);

  if (git_code == GIT_EUSER)
    return FORGE_GIT_ERROR_CANCELLED;
  if (git_code == GIT_EAUTH)
    return FORGE_GIT_ERROR_AUTH_REQUIRED;

  for (guint i = 0; i < G_N_ELEMENTS (error_rules); i++)
    {
      const ErrorRule *rule = &error_rules[i];

      if (rule->klass != -1 && rule->klass != error_class)
        continue;

      if (rule->needle != NULL)
        {
          g_autofree char *needle = g_utf8_casefold (rule->needle, -1);

          if (strstr (folded, needle) == NULL)
            continue;
        }

      return rule->code;
    }

  if (error_class == GIT_ERROR_OS && git_code == GIT_ENOTFOUND)
    return FORGE_GIT_ERROR_NOT_FOUND;

  return FORGE_GIT_ERROR_FAILED;
}

static gboolean
is_ssh_url (const char *url)
{
  return has_scheme (url, "ssh") || has_scheme (url, "git+ssh") || is_scp_like (url);
}

/* "owner/repo" for hosted URLs, the URL otherwise. */
static char *
dup_display_name (const char *url)
{
  g_autofree char *owner = NULL;
  g_autofree char *repo = NULL;

  if (forge_git_parse_owner_repo (url, &owner, &repo))
    return g_strdup_printf ("%s/%s", owner, repo);

  if (has_scheme (url, "file"))
    {
      g_autofree char *path = g_filename_from_uri (url, NULL, NULL);

      if (path != NULL)
        return g_steal_pointer (&path);
    }

  return g_strdup (url);
}

char *
forge_git_dup_error_message (ForgeGitError  code,
                             const char    *url,
                             gboolean       had_token,
                             const char    *detail)
{
  g_autofree char *name = dup_display_name (url);
  g_autofree char *host = forge_git_dup_host (url);

  switch (code)
    {
    case FORGE_GIT_ERROR_INVALID_URL:
      return g_strdup_printf (_("Git cannot use the address “%s”: check it and try again."), url);

    case FORGE_GIT_ERROR_HOST_NOT_FOUND:
      return g_strdup_printf (_("Could not find the host “%s”. Check the address and your connection."),
                              host != NULL ? host : url);

    case FORGE_GIT_ERROR_NOT_FOUND:
      if (host == NULL)
        return g_strdup_printf (_("There is no Git repository at “%s”. Check the path and try again."), name);
      return g_strdup_printf (_("“%s” was not found on %s. Check the address; a private repository needs a token in Preferences → Accounts."),
                              name, host);

    case FORGE_GIT_ERROR_AUTH_REQUIRED:
      if (is_ssh_url (url))
        return g_strdup_printf (_("“%s” asks for an SSH key, which Forge Preview does not use: paste its https:// address instead."), name);
      if (had_token)
        return g_strdup_printf (_("The token for %s was refused for “%s”: update it in Preferences → Accounts, then try again."),
                                host != NULL ? host : name, name);
      /* GitHub answers 401, not 404, for repositories that don't exist. */
      return g_strdup_printf (_("“%s” is private or does not exist: check the address, or add a token in Preferences → Accounts and try again."), name);

    case FORGE_GIT_ERROR_NETWORK:
      return g_strdup_printf (_("Could not reach %s. Check your connection and try again."),
                              host != NULL ? host : name);

    case FORGE_GIT_ERROR_DISK_FULL:
      return g_strdup (_("The disk is full. Free some space, then try again."));

    case FORGE_GIT_ERROR_CANCELLED:
      return g_strdup (_("Cancelled."));

    case FORGE_GIT_ERROR_FAILED:
    default:
      return g_strdup_printf (_("Git could not get “%s”: %s."), name,
                              detail != NULL && *detail ? detail : _("unknown error"));
    }
}

/* ------------------------------------------------------------------ */
/* Clone / update                                                     */
/* ------------------------------------------------------------------ */

gboolean
_forge_git_operation_cancelled (ForgeGitOperation *op)
{
  return op->cancellable != NULL && g_cancellable_is_cancelled (op->cancellable);
}

static void
operation_deliver (ForgeGitOperation *op,
                   ForgeGitPhase      phase,
                   guint64            current,
                   guint64            total,
                   guint64            bytes,
                   gint64             now)
{
  op->last_phase = phase;
  op->last_current = current;
  op->last_total = total;
  op->last_report = now;
  op->progress (phase, current, total, bytes, op->user_data);
}

void
_forge_git_operation_report (ForgeGitOperation *op,
                             ForgeGitPhase      phase,
                             guint64            current,
                             guint64            total,
                             guint64            bytes)
{
  gint64 now;

  if (phase != FORGE_GIT_PHASE_CHECKOUT)
    op->bytes = bytes;

  if (op->progress == NULL)
    return;

  now = g_get_monotonic_time ();

  if ((int) phase == op->last_phase && current == op->last_current && total == op->last_total)
    return;

  /* Always let phase changes and completions through so the UI never
   * stalls on a stale number. */
  if ((int) phase == op->last_phase && current != total &&
      now - op->last_report < PROGRESS_INTERVAL_USEC)
    return;

  operation_deliver (op, phase, current, total, bytes, now);
}

void
_forge_git_operation_report_now (ForgeGitOperation *op,
                                 ForgeGitPhase      phase,
                                 guint64            current,
                                 guint64            total,
                                 guint64            bytes)
{
  if (phase != FORGE_GIT_PHASE_CHECKOUT)
    op->bytes = bytes;

  if (op->progress != NULL)
    operation_deliver (op, phase, current, total, bytes, g_get_monotonic_time ());
}

static int
credentials_cb (git_credential **out,
                const char      *url,
                const char      *username_from_url,
                unsigned int     allowed_types,
                void            *payload)
{
  ForgeGitOperation *op = payload;

  op->auth_asked = TRUE;

  if (op->token == NULL || op->token[0] == '\0')
    return GIT_PASSTHROUGH;

  if ((allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) == 0)
    return GIT_PASSTHROUGH;

  /* Never hand the token to another host (a redirect), nor in clear text
   * over the network (plain http is only tolerated on this machine). */
  {
    g_autoptr(GUri) asking = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
    const char *scheme = asking ? g_uri_get_scheme (asking) : NULL;
    const char *host = asking ? g_uri_get_host (asking) : NULL;
    gboolean loopback = g_strcmp0 (host, "127.0.0.1") == 0 || g_strcmp0 (host, "::1") == 0 ||
                        g_strcmp0 (host, "localhost") == 0;

    if (host == NULL || op->token_host == NULL || g_ascii_strcasecmp (host, op->token_host) != 0)
      return GIT_PASSTHROUGH;
    if (g_strcmp0 (scheme, "https") != 0 && !(g_strcmp0 (scheme, "http") == 0 && loopback))
      return GIT_PASSTHROUGH;
  }

  /* A second request means the server refused the token; asking again
   * would loop until libgit2's replay limit. */
  if (op->credential_calls++ > 0)
    {
      git_error_set_str (GIT_ERROR_HTTP, "authentication failed");
      return GIT_EAUTH;
    }

  return git_credential_userpass_plaintext_new (out, "x-access-token", op->token);
}

static int
transfer_progress_cb (const git_indexer_progress *stats,
                      void                       *payload)
{
  ForgeGitOperation *op = payload;

  if (_forge_git_operation_cancelled (op))
    return GIT_EUSER;

  if (stats->total_deltas > 0 && stats->received_objects == stats->total_objects)
    _forge_git_operation_report (op, FORGE_GIT_PHASE_RESOLVING,
                                 stats->indexed_deltas, stats->total_deltas,
                                 stats->received_bytes);
  else
    _forge_git_operation_report (op, FORGE_GIT_PHASE_RECEIVING,
                                 stats->received_objects, stats->total_objects,
                                 stats->received_bytes);

  return 0;
}

static int
sideband_progress_cb (const char *str,
                      int         len,
                      void       *payload)
{
  return _forge_git_operation_cancelled (payload) ? GIT_EUSER : 0;
}

static void
checkout_progress_cb (const char *path,
                      size_t      completed_steps,
                      size_t      total_steps,
                      void       *payload)
{
  ForgeGitOperation *op = payload;

  /* The files the checkout writes itself come after libgit2's. */
  op->checkout_steps = total_steps;
  _forge_git_operation_report (op, FORGE_GIT_PHASE_CHECKOUT, completed_steps,
                               total_steps + op->checkout_extra, op->checkout_bytes);
}

static int
checkout_notify_cb (git_checkout_notify_t     why,
                    const char               *path,
                    const git_diff_file      *baseline,
                    const git_diff_file      *target,
                    const git_diff_file      *workdir,
                    void                     *payload)
{
  return _forge_git_operation_cancelled (payload) ? GIT_EUSER : 0;
}

static void
operation_setup_fetch (ForgeGitOperation *op,
                       git_fetch_options *fetch_opts)
{
  fetch_opts->callbacks.credentials = credentials_cb;
  fetch_opts->callbacks.transfer_progress = transfer_progress_cb;
  fetch_opts->callbacks.sideband_progress = sideband_progress_cb;
  fetch_opts->callbacks.payload = op;
  fetch_opts->proxy_opts.type = GIT_PROXY_AUTO;
#if LIBGIT2_VER_MAJOR > 1 || (LIBGIT2_VER_MAJOR == 1 && LIBGIT2_VER_MINOR >= 7)
  /* Where libgit2 can follow redirects, it must not: credentials would
   * follow too. */
  fetch_opts->follow_redirects = GIT_REMOTE_REDIRECT_NONE;
#endif
}

void
_forge_git_operation_setup_checkout (ForgeGitOperation    *op,
                                     git_checkout_options *checkout_opts)
{
  checkout_opts->progress_cb = checkout_progress_cb;
  checkout_opts->progress_payload = op;
  checkout_opts->notify_cb = checkout_notify_cb;
  checkout_opts->notify_payload = op;
  checkout_opts->notify_flags = GIT_CHECKOUT_NOTIFY_UPDATED;
}

gboolean
_forge_git_set_error_from_libgit2 (GError            **error,
                                   ForgeGitOperation  *op,
                                   int                 rc,
                                   const char         *url)
{
  const git_error *last = git_error_last ();
  const char *detail = last != NULL ? last->message : NULL;
  int klass = last != NULL ? last->klass : GIT_ERROR_NONE;
  ForgeGitError code;
  g_autofree char *message = NULL;

  if (_forge_git_operation_cancelled (op))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
      return FALSE;
    }

  code = forge_git_classify_error (rc, klass, detail);

  /* The credentials callback only runs when the server asked for them;
   * whatever libgit2 reports afterwards is an authentication problem. */
  if (op->auth_asked && code == FORGE_GIT_ERROR_FAILED)
    code = FORGE_GIT_ERROR_AUTH_REQUIRED;

  g_debug ("git operation on %s failed (%d/%d): %s", url, rc, klass,
           detail != NULL ? detail : "(no message)");

  message = forge_git_dup_error_message (code, url, op->token != NULL && *op->token, detail);
  g_set_error_literal (error, FORGE_GIT_ERROR, code, message);

  return FALSE;
}

/* message: the full text for errors other than a full disk. */
gboolean
_forge_git_set_error_from_errno (GError     **error,
                                 int          saved_errno,
                                 char        *message)
{
  if (saved_errno == ENOSPC || saved_errno == EDQUOT)
    g_set_error_literal (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_DISK_FULL,
                         _("The disk is full. Free some space, then try again."));
  else
    g_set_error_literal (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED, message);
  g_free (message);
  return FALSE;
}

/* Leftovers of clones and updates interrupted by a crash:
 * "<dest>.partial-XXXXXX". */
static void
remove_stale_partials (const char *dest)
{
  g_autofree char *parent = g_path_get_dirname (dest);
  g_autofree char *base = g_path_get_basename (dest);
  g_autofree char *prefix = g_strconcat (base, ".partial-", NULL);
  g_autoptr(GDir) dir = g_dir_open (parent, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (g_str_has_prefix (name, prefix) && strlen (name) == strlen (prefix) + 6)
        {
          g_autofree char *path = g_build_filename (parent, name, NULL);

          g_debug ("Removing interrupted clone %s", path);
          forge_remove_tree (path, NULL);
        }
    }
}

static gboolean
dir_is_empty (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);

  return dir != NULL && g_dir_read_name (dir) == NULL;
}

/* Equal up to a trailing slash or ".git", which name the same repo. */
static gboolean
urls_match (const char *a,
            const char *b)
{
  g_autofree char *na = NULL;
  g_autofree char *nb = NULL;

  if (a == NULL || b == NULL)
    return FALSE;

  na = g_strdup (a);
  nb = g_strdup (b);

  for (char **s = (char *[]) { na, nb, NULL }; *s != NULL; s++)
    {
      gsize len = strlen (*s);

      while (len > 0 && (*s)[len - 1] == '/')
        (*s)[--len] = '\0';
      if (g_str_has_suffix (*s, ".git"))
        (*s)[len - 4] = '\0';
    }

  return g_str_equal (na, nb);
}

static gboolean
dup_head_oid (git_repository  *repo,
              char           **head_oid)
{
  git_oid oid;
  char buf[GIT_OID_HEXSZ + 1];

  if (head_oid == NULL)
    return TRUE;

  if (git_reference_name_to_id (&oid, repo, "HEAD") != 0)
    return FALSE;

  git_oid_tostr (buf, sizeof buf, &oid);
  *head_oid = g_strdup (buf);
  return TRUE;
}

/* The commit to move to: the current branch's upstream, else
 * origin/<branch>, else origin/HEAD. */
static int
lookup_update_target (git_repository  *repo,
                      git_object     **target)
{
  g_autoptr(git_reference) head = NULL;
  g_autoptr(git_reference) upstream = NULL;
  int rc;

  rc = git_repository_head (&head, repo);
  if (rc == 0 && git_reference_is_branch (head))
    {
      if (git_branch_upstream (&upstream, head) != 0)
        {
          const char *branch = NULL;
          g_autofree char *name = NULL;

          git_branch_name (&branch, head);
          name = g_strdup_printf ("refs/remotes/origin/%s", branch);
          git_error_clear ();
          git_reference_lookup (&upstream, repo, name);
        }
    }

  if (upstream == NULL)
    {
      git_error_clear ();
      rc = git_reference_lookup (&upstream, repo, "refs/remotes/origin/HEAD");
      if (rc != 0)
        return rc;
    }

  return git_reference_peel (target, upstream, GIT_OBJECT_COMMIT);
}

/* The checkout is written into a folder of its own, "<git_dir>.partial-
 * XXXXXX/repo", then moved over work_tree; the folder also takes the
 * old work tree on its way out, and the git directory of a fresh clone.
 * It sits next to git_dir, where no sandbox can reach. */
static char *
make_staging_dir (const char  *git_dir,
                  GError     **error)
{
  g_autofree char *parent = g_path_get_dirname (git_dir);
  g_autofree char *staging = NULL;

  if (g_mkdir_with_parents (parent, 0700) != 0)
    {
      int saved_errno = errno;
      _forge_git_set_error_from_errno (error, saved_errno,
                                       g_strdup_printf (_("Could not create the folder “%s”: %s."),
                                                        parent, g_strerror (saved_errno)));
      return NULL;
    }

  staging = g_strconcat (git_dir, ".partial-XXXXXX", NULL);
  if (g_mkdtemp_full (staging, 0700) == NULL)
    {
      int saved_errno = errno;
      _forge_git_set_error_from_errno (error, saved_errno,
                                       g_strdup_printf (_("Could not create the folder “%s”: %s."),
                                                        staging, g_strerror (saved_errno)));
      return NULL;
    }

  return g_steal_pointer (&staging);
}

static void
remove_staging_dir (const char *staging)
{
  g_autoptr(GError) local_error = NULL;

  if (!forge_remove_tree (staging, &local_error))
    g_warning ("Could not remove %s: %s", staging, local_error->message);
}

/* Puts the checkout at staged_work in place of work_tree. node_modules/
 * comes along from the old work tree (a rename moves a symlink, never
 * what it points to); everything else of the old work tree is dropped
 * with the staging folder. */
static gboolean
install_work_tree (const char  *staging,
                   const char  *staged_work,
                   const char  *work_tree,
                   gboolean     keep_node_modules,
                   GError     **error)
{
  g_autofree char *old = g_build_filename (staging, "old", NULL);

  if (keep_node_modules)
    {
      g_autofree char *old_modules = g_build_filename (work_tree, "node_modules", NULL);
      g_autofree char *new_modules = g_build_filename (staged_work, "node_modules", NULL);

      /* Fails when the tree tracks a node_modules of its own: then the
       * next install starts over, which is right. */
      if (g_rename (old_modules, new_modules) != 0 && errno != ENOENT)
        g_debug ("Not keeping %s: %s", old_modules, g_strerror (errno));
    }

  if (g_rename (work_tree, old) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;
      return _forge_git_set_error_from_errno (error, saved_errno,
                                              g_strdup_printf (_("Could not replace “%s”: %s."),
                                                               work_tree, g_strerror (saved_errno)));
    }

  if (g_rename (staged_work, work_tree) != 0)
    {
      int saved_errno = errno;
      return _forge_git_set_error_from_errno (error, saved_errno,
                                              g_strdup_printf (_("Could not move the checkout to “%s”: %s."),
                                                               work_tree, g_strerror (saved_errno)));
    }

  return TRUE;
}

/* By its own path only (never discovered from the work tree, where a
 * sandbox could plant a .git), and bare, so that no core.worktree can
 * point it anywhere: callers set the work tree, in memory. libgit2's
 * owner check stays on: we created the folder, so it always passes.
 * Hooks need no care: libgit2 runs none, whatever core.hooksPath says. */
static int
open_git_dir (git_repository **repo,
              const char      *git_dir)
{
  return git_repository_open_ext (repo, git_dir,
                                  GIT_REPOSITORY_OPEN_NO_SEARCH |
                                  GIT_REPOSITORY_OPEN_NO_DOTGIT |
                                  GIT_REPOSITORY_OPEN_BARE,
                                  NULL);
}

/* What libgit2 itself writes into a repository's config when it creates
 * a bare one and clones into it. Anything else (core.worktree,
 * core.hooksPath, core.sshCommand, include.path, url.*.insteadOf,
 * http.proxy, extensions.*, …) was not written by us. */
static gboolean
config_key_is_ours (const char *name)
{
  static const char * const exact[] = {
    "core.repositoryformatversion", "core.filemode", "core.bare",
    "core.logallrefupdates", "core.symlinks", "core.ignorecase",
    "core.precomposeunicode", "remote.origin.url", "remote.origin.fetch",
  };

  for (guint i = 0; i < G_N_ELEMENTS (exact); i++)
    if (g_ascii_strcasecmp (name, exact[i]) == 0)
      return TRUE;

  /* branch.<name>.remote and branch.<name>.merge; <name> may hold dots. */
  if (g_ascii_strncasecmp (name, "branch.", 7) == 0 &&
      (g_str_has_suffix (name, ".remote") || g_str_has_suffix (name, ".merge")) &&
      strchr (name + 7, '.') != NULL)
    return TRUE;

  return FALSE;
}

static gboolean
config_is_ours (git_repository *repo)
{
  g_autoptr(git_config) config = NULL;
  g_autoptr(git_config_iterator) iter = NULL;
  git_config_entry *entry;
  int rc;

  if (git_repository_config_snapshot (&config, repo) != 0 ||
      git_config_iterator_new (&iter, config) != 0)
    return FALSE;

  while ((rc = git_config_next (&entry, iter)) == 0)
    {
      if (entry->level != GIT_CONFIG_LEVEL_LOCAL || !config_key_is_ours (entry->name))
        {
          g_message ("Unexpected git config “%s” in %s", entry->name, git_repository_path (repo));
          return FALSE;
        }
    }

  return rc == GIT_ITEROVER;
}
/* ------------------------------------------------------------------ */
/* Refs                                                               */
/* ------------------------------------------------------------------ */

#define BRANCHES_REFSPEC "+refs/heads/*:refs/remotes/origin/*"

/* Where a fetched ref is kept in git_dir: branches as remote-tracking
 * branches, tags as tags, pull requests under refs/forge/ (no branch
 * name can collide there). NULL for the default branch. */
static char *
local_ref_for (const char *ref)
{
  switch (forge_git_ref_get_kind (ref))
    {
    case FORGE_GIT_REF_BRANCH:
      return g_strconcat ("refs/remotes/origin/", ref + strlen ("refs/heads/"), NULL);
    case FORGE_GIT_REF_TAG:
      return g_strdup (ref);
    case FORGE_GIT_REF_PULL:
      return g_strconcat ("refs/forge/", ref + strlen ("refs/"), NULL);
    case FORGE_GIT_REF_DEFAULT:
    case FORGE_GIT_REF_TREE:
    default:
      return NULL;
    }
}

/* Passed on each fetch rather than written to the config, which keeps
 * only what git_clone() wrote (see config_is_ours()). */
static int
fetch_origin (git_repository    *repo,
              const char        *ref,
              ForgeGitOperation *op)
{
  g_autoptr(git_remote) remote = NULL;
  g_autofree char *local = local_ref_for (ref);
  g_autofree char *extra = NULL;
  git_fetch_options fetch_opts = GIT_FETCH_OPTIONS_INIT;
  char *specs[2] = { (char *) BRANCHES_REFSPEC, NULL };
  git_strarray refspecs = { specs, 1 };
  int rc;

  operation_setup_fetch (op, &fetch_opts);
  /* A connection of its own: the token may be asked for once more (a
   * clone's second fetch, for a tag or a pull request). */
  op->credential_calls = 0;

  if (forge_git_ref_get_kind (ref) == FORGE_GIT_REF_TAG ||
      forge_git_ref_get_kind (ref) == FORGE_GIT_REF_PULL)
    {
      extra = g_strdup_printf ("+%s:%s", ref, local);
      specs[refspecs.count++] = extra;
    }

  if ((rc = git_remote_lookup (&remote, repo, "origin")) != 0)
    return rc;
  return git_remote_fetch (remote, &refspecs, &fetch_opts, NULL);
}

static gboolean
set_ref_not_found (GError     **error,
                   const char  *url,
                   const char  *ref)
{
  g_autofree char *name = forge_git_ref_dup_display_name (ref);
  g_autofree char *repo_name = dup_display_name (url);

  git_error_clear ();
  switch (forge_git_ref_get_kind (ref))
    {
    case FORGE_GIT_REF_TAG:
      g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_REF_NOT_FOUND,
                   _("There is no tag “%s” in “%s”: check its name and try again."), name, repo_name);
      break;
    case FORGE_GIT_REF_PULL:
      g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_REF_NOT_FOUND,
                   _("There is no pull request %s in “%s”: check its number and try again."), name, repo_name);
      break;
    default:
      g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_REF_NOT_FOUND,
                   _("There is no branch “%s” in “%s”: check its name and try again."), name, repo_name);
      break;
    }
  return FALSE;
}

/* The default branch means the branch the clone is on; a clone left
 * detached (on a tag or a pull request before) goes back to the
 * remote's default branch. */
static char *
dup_effective_ref (git_repository *repo,
                   const char     *ref)
{
  g_autoptr(git_reference) origin_head = NULL;
  const char *target;

  if (ref != NULL || git_repository_head_detached (repo) != 1)
    return g_strdup (ref);

  if (git_reference_lookup (&origin_head, repo, "refs/remotes/origin/HEAD") != 0 ||
      git_reference_type (origin_head) != GIT_REFERENCE_SYMBOLIC ||
      (target = git_reference_symbolic_target (origin_head)) == NULL ||
      !g_str_has_prefix (target, "refs/remotes/origin/"))
    {
      git_error_clear ();
      return NULL;
    }

  return forge_git_ref_for_branch (target + strlen ("refs/remotes/origin/"));
}

static int
lookup_ref_target (git_repository  *repo,
                   const char      *ref,
                   git_object     **target)
{
  g_autoptr(git_reference) reference = NULL;
  g_autofree char *local = NULL;
  int rc;

  if (ref == NULL)
    return lookup_update_target (repo, target);

  local = local_ref_for (ref);
  if ((rc = git_reference_lookup (&reference, repo, local)) != 0)
    return rc;
  return git_reference_peel (target, reference, GIT_OBJECT_COMMIT);
}

/* After the checkout is in place: HEAD (and for a branch, the local
 * branch tracking origin's) moves to target. */
static int
point_head_at (git_repository *repo,
               const char     *ref,
               git_object     *target)
{
  const git_oid *oid = git_object_id (target);
  g_autoptr(git_reference) head = NULL;
  g_autoptr(git_reference) branch = NULL;
  g_autofree char *upstream = NULL;
  int rc;

  switch (forge_git_ref_get_kind (ref))
    {
    case FORGE_GIT_REF_BRANCH:
      /* Not git_branch_create(): it refuses to move the branch HEAD is on. */
      if ((rc = git_reference_create (&branch, repo, ref, oid, 1, "forge: update")) != 0)
        return rc;
      upstream = g_strconcat ("origin/", ref + strlen ("refs/heads/"), NULL);
      if ((rc = git_branch_set_upstream (branch, upstream)) != 0)
        return rc;
      return git_repository_set_head (repo, ref);

    case FORGE_GIT_REF_TAG:
    case FORGE_GIT_REF_PULL:
      return git_repository_set_head_detached (repo, oid);

    case FORGE_GIT_REF_DEFAULT:
    case FORGE_GIT_REF_TREE:
    default:
      rc = git_repository_head (&head, repo);
      if (rc == 0 && git_reference_is_branch (head))
        {
          rc = git_reference_create (&branch, repo, git_reference_name (head), oid, 1, "forge: update");
          return rc;
        }
      git_error_clear ();
      return git_repository_set_head_detached (repo, oid);
    }
}

/* A failed update leaves HEAD where it was; the index, which the
 * checkout rewrote, goes back to HEAD's tree so that the next status
 * compares against the right commit. */
static void
reset_index_to_head (git_repository *repo)
{
  g_autoptr(git_object) head = NULL;
  g_autoptr(git_index) index = NULL;

  if (git_revparse_single (&head, repo, "HEAD^{tree}") != 0 ||
      git_repository_index (&index, repo) != 0 ||
      git_index_read_tree (index, (git_tree *) head) != 0 ||
      git_index_write (index) != 0)
    g_debug ("Could not reset the index of %s: %s", git_repository_path (repo),
             git_error_last () ? git_error_last ()->message : "?");
  git_error_clear ();
}

/* ------------------------------------------------------------------ */
/* Dirty work trees                                                   */
/* ------------------------------------------------------------------ */

/* Lockfiles an install writes when the repository has none: the
 * sandbox's own doing, not the user's. */
static const char * const install_lockfiles[] = {
  "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock",
};

static gboolean
path_in_node_modules (const char *path)
{
  g_auto(GStrv) segments = g_strsplit (path, "/", -1);

  for (guint i = 0; segments[i] != NULL; i++)
    if (g_str_equal (segments[i], "node_modules"))
      return TRUE;
  return FALSE;
}

/* libgit2 opens .gitignore and .gitattributes files (following
 * symlinks) and files it hashes: a FIFO there would block this thread
 * for good. Anything but files, folders and symlinks is a change the
 * user did not make through git, and is looked for first, by lstat()
 * only. node_modules is not walked. */
static char *
find_special_file (const char *dir,
                   const char *relative,
                   guint       depth)
{
  g_autoptr(GDir) listing = NULL;
  const char *name;

  if (depth > 64 || (listing = g_dir_open (dir, 0, NULL)) == NULL)
    return NULL;

  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *rel = relative ? g_build_path ("/", relative, name, NULL) : g_strdup (name);
      GStatBuf st;

      if (g_str_equal (name, "node_modules") || g_lstat (path, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        {
          char *found = find_special_file (path, rel, depth + 1);

          if (found != NULL)
            return found;
        }
      else if (!S_ISREG (st.st_mode) && !S_ISLNK (st.st_mode))
        return g_steal_pointer (&rel);
    }

  return NULL;
}

static gboolean
status_is_dirty (git_repository  *repo,
                 char           **first_path,
                 int             *rc_out)
{
  g_autoptr(git_status_list) list = NULL;
  git_status_options opts = GIT_STATUS_OPTIONS_INIT;
  size_t n;
  int rc;

  /* HEAD's tree against the index (ours) and the index against the work
   * tree. Submodules are left alone: their repositories would be read
   * from the work tree. */
  opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_EXCLUDE_SUBMODULES;

  *rc_out = rc = git_status_list_new (&list, repo, &opts);
  if (rc != 0)
    return FALSE;

  n = git_status_list_entrycount (list);
  for (size_t i = 0; i < n; i++)
    {
      const git_status_entry *entry = git_status_byindex (list, i);
      const git_diff_delta *delta = entry->index_to_workdir ? entry->index_to_workdir : entry->head_to_index;
      const char *path = NULL;
      gboolean skip = FALSE;

      if (entry->status == GIT_STATUS_CURRENT || (entry->status & GIT_STATUS_IGNORED) != 0)
        continue;
      if (delta != NULL)
        path = delta->new_file.path ? delta->new_file.path : delta->old_file.path;
      if (path == NULL)
        path = "";

      if (path_in_node_modules (path))
        continue;
      if (entry->status == GIT_STATUS_WT_NEW)
        for (guint j = 0; j < G_N_ELEMENTS (install_lockfiles); j++)
          if (g_str_equal (path, install_lockfiles[j]))
            skip = TRUE;
      if (skip)
        continue;

      if (first_path != NULL)
        *first_path = g_strdup (path);
      return TRUE;
    }

  return FALSE;
}

/* repo's work tree must already be set to the one to check. */
static gboolean
check_work_tree_clean (git_repository  *repo,
                       const char      *work_tree,
                       char           **first_path,
                       gboolean        *dirty,
                       GError         **error)
{
  g_autofree char *special = NULL;
  int rc = 0;

  *dirty = FALSE;

  if ((special = find_special_file (work_tree, NULL, 0)) != NULL)
    {
      *dirty = TRUE;
      if (first_path != NULL)
        *first_path = g_steal_pointer (&special);
      return TRUE;
    }

  *dirty = status_is_dirty (repo, first_path, &rc);
  if (rc != 0)
    {
      g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED,
                   _("Could not compare the work tree with its commit: %s."),
                   git_error_last () ? git_error_last ()->message : _("unknown error"));
      git_error_clear ();
      return FALSE;
    }

  return TRUE;
}

static gboolean
set_dirty_error (GError     **error,
                 const char  *path)
{
  g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_DIRTY,
               _("The project has local changes (%s): reset it to the remote to drop them, then pull again."),
               path != NULL && *path ? path : _("files changed"));
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Submodules                                                         */
/* ------------------------------------------------------------------ */

/* .gitmodules is repository content: these bound what it can ask for. */
#define MAX_SUBMODULES 50
#define MAX_SUBMODULE_DEPTH 3

/* Not git_submodule_update(): it would write a "gitdir:" link file into
 * the work tree (which sandboxes write, and which must never hold a .git)
 * and the absolute path of the staging folder as core.worktree into the
 * submodule's config, and name the git directory after .gitmodules'
 * name. Each submodule here is what the main clone is: a bare git
 * directory only this process reaches (<git dir>/modules/<hash of its
 * path>), its files checked out with the work tree set in memory. */
typedef struct
{
  ForgeGitOperation    *op;
  guint                 count;
  guint                 over_limit : 1;
  /* Received by the main fetch and by the submodules done so far: the
   * progress callback's byte count stays a total, so a size cap still
   * sees everything received. */
  guint64               bytes_base;
  /* The same for what the checkouts write: the main tree's and those of
   * the submodules checked out so far. */
  guint64               checkout_base;
  ForgeGitProgressFunc  progress;
  gpointer              user_data;
} Submodules;

typedef struct
{
  char *name;
  char *path;
  char *url;
} SubmoduleEntry;

static void
submodule_entry_free (gpointer data)
{
  SubmoduleEntry *entry = data;

  g_free (entry->name);
  g_free (entry->path);
  g_free (entry->url);
  g_free (entry);
}

static void
submodules_note (Submodules *subs,
                 char       *line)
{
  if (subs->op->notes != NULL)
    g_ptr_array_add (subs->op->notes, line);
  else
    {
      g_message ("%s", line);
      g_free (line);
    }
}

static void
submodule_progress_cb (ForgeGitPhase  phase,
                       guint64        current,
                       guint64        total,
                       guint64        bytes,
                       gpointer       user_data)
{
  Submodules *subs = user_data;
  guint64 base = phase == FORGE_GIT_PHASE_CHECKOUT ? subs->checkout_base : subs->bytes_base;

  subs->progress (phase, current, total, base + bytes, subs->user_data);
}

static int
collect_submodule_cb (git_submodule *sm,
                      const char    *name,
                      void          *payload)
{
  GPtrArray *entries = payload;
  SubmoduleEntry *entry;

  /* "update = none": git itself leaves these alone. */
  if (git_submodule_update_strategy (sm) == GIT_SUBMODULE_UPDATE_NONE)
    return 0;

  entry = g_new0 (SubmoduleEntry, 1);
  entry->name = g_strdup (name);
  entry->path = g_strdup (git_submodule_path (sm));
  entry->url = g_strdup (git_submodule_url (sm));
  g_ptr_array_add (entries, entry);
  return 0;
}

/* A relative path below the work tree, through real folders only: no
 * "..", ".", ".git" or empty segment, not absolute, no symlink on the
 * way (the checkout may have put one where .gitmodules points). */
static gboolean
submodule_path_is_safe (const char *work_tree,
                        const char *path)
{
  g_auto(GStrv) segments = NULL;
  g_autofree char *walked = NULL;

  if (path == NULL || *path == '\0' || g_path_is_absolute (path) || strchr (path, '\\') != NULL)
    return FALSE;

  segments = g_strsplit (path, "/", -1);
  for (guint i = 0; segments[i] != NULL; i++)
    if (*segments[i] == '\0' || g_str_equal (segments[i], ".") || g_str_equal (segments[i], "..") ||
        g_ascii_strcasecmp (segments[i], ".git") == 0)
      return FALSE;

  walked = g_strdup (work_tree);
  for (guint i = 0; segments[i] != NULL; i++)
    {
      GStatBuf st;
      char *next = g_build_filename (walked, segments[i], NULL);

      g_free (walked);
      walked = next;
      /* Nothing there: nothing below it can be a symlink either. */
      if (g_lstat (walked, &st) != 0)
        return errno == ENOENT;
      if (!S_ISDIR (st.st_mode))
        return FALSE;
    }

  return TRUE;
}

/* git's rule: "./x" and "../x" are relative to the parent's remote URL,
 * each "../" taking off one of its last path segments. NULL when that
 * would climb above the host (or the root, for file:// and paths). */
static char *
resolve_submodule_url (const char *parent_url,
                       const char *url)
{
  g_autofree char *base = g_strdup (parent_url);
  const char *rest = url;
  gsize floor = 0;
  gsize len;
  const char *scheme_end = strstr (base, "://");

  if (scheme_end != NULL)
    {
      const char *host_end = strchr (scheme_end + 3, '/');

      floor = host_end != NULL ? (gsize) (host_end - base) : strlen (base);
    }
  else if (is_scp_like (base))
    floor = (gsize) (strchr (base, ':') - base);

  len = strlen (base);
  while (len > floor + 1 && base[len - 1] == '/')
    base[--len] = '\0';

  for (;;)
    {
      if (g_str_has_prefix (rest, "./"))
        rest += 2;
      else if (g_str_has_prefix (rest, "../"))
        {
          char *cut = NULL;

          for (char *p = base + len; p > base + floor; p--)
            if (p[-1] == '/' || (scheme_end == NULL && p[-1] == ':'))
              {
                cut = p - 1;
                break;
              }
          if (cut == NULL)
            return NULL;
          /* "git@host:repo" keeps its colon. */
          if (*cut == ':')
            cut++;
          *cut = '\0';
          len = cut - base;
          rest += 3;
        }
      else
        break;
    }

  if (*rest == '\0')
    return NULL;
  if (len > 0 && (base[len - 1] == ':' || base[len - 1] == '/'))
    return g_strconcat (base, rest, NULL);
  return g_strconcat (base, "/", rest, NULL);
}

/* The address with no password in it, for a log line. */
static char *
dup_url_for_note (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);

  if (uri != NULL)
    return g_uri_to_string_partial (uri, G_URI_HIDE_PASSWORD);
  return g_strdup (url);
}

typedef enum
{
  SUBMODULE_URL_OK,
  SUBMODULE_URL_LOCAL_REFUSED,
  SUBMODULE_URL_INVALID,
} SubmoduleUrlCheck;

/* *resolved: the address to fetch. Local addresses only under a local
 * parent: a repository from the network would otherwise pull the user's
 * own repositories into the sandbox. */
static SubmoduleUrlCheck
check_submodule_url (const char  *parent_url,
                     const char  *url,
                     char       **resolved)
{
  g_autofree char *absolute = NULL;
  gboolean parent_local = has_scheme (parent_url, "file");

  if (url == NULL || *url == '\0')
    return SUBMODULE_URL_INVALID;

  if (g_str_has_prefix (url, "./") || g_str_has_prefix (url, "../"))
    absolute = resolve_submodule_url (parent_url, url);
  else
    absolute = g_strdup (url);
  if (absolute == NULL)
    return SUBMODULE_URL_INVALID;

  if (absolute[0] == '/' || has_scheme (absolute, "file"))
    {
      if (!parent_local)
        return SUBMODULE_URL_LOCAL_REFUSED;
      *resolved = forge_git_normalize_url (absolute, NULL);
      return *resolved != NULL ? SUBMODULE_URL_OK : SUBMODULE_URL_INVALID;
    }

  /* Only what the main clone takes; no "owner/repo" shorthand, which git
   * would read as a local path. */
  if (!has_scheme (absolute, "https") && !has_scheme (absolute, "http") &&
      !has_scheme (absolute, "ssh") && !has_scheme (absolute, "git") && !is_scp_like (absolute))
    return SUBMODULE_URL_INVALID;

  *resolved = forge_git_normalize_url (absolute, NULL);
  return *resolved != NULL ? SUBMODULE_URL_OK : SUBMODULE_URL_INVALID;
}

static char *
dup_fetch_failure_note (const char    *path,
                        const char    *url,
                        ForgeGitError  code,
                        const char    *detail)
{
  g_autofree char *shown = dup_url_for_note (url);
  g_autofree char *host = forge_git_dup_host (url);

  switch (code)
    {
    case FORGE_GIT_ERROR_AUTH_REQUIRED:
    case FORGE_GIT_ERROR_NOT_FOUND:
      if (g_strcmp0 (host, "github.com") == 0)
        return g_strdup_printf (_("Submodule “%s” (%s) was not fetched: it needs access you have not given (connect GitHub in Preferences → Accounts, or use a token); its folder stays empty."),
                                path, shown);
      return g_strdup_printf (_("Submodule “%s” (%s) was not fetched: it was not found or needs access you have not given (add a token for %s in Preferences → Accounts); its folder stays empty."),
                              path, shown, host != NULL ? host : shown);

    case FORGE_GIT_ERROR_HOST_NOT_FOUND:
    case FORGE_GIT_ERROR_NETWORK:
      return g_strdup_printf (_("Submodule “%s” (%s) was not fetched: its host could not be reached; its folder stays empty."),
                              path, shown);

    case FORGE_GIT_ERROR_DISK_FULL:
      return g_strdup_printf (_("Submodule “%s” (%s) was not fetched: the disk is full; its folder stays empty."),
                              path, shown);

    case FORGE_GIT_ERROR_FAILED:
    case FORGE_GIT_ERROR_INVALID_URL:
    case FORGE_GIT_ERROR_CANCELLED:
    case FORGE_GIT_ERROR_REF_NOT_FOUND:
    case FORGE_GIT_ERROR_DIRTY:
    case FORGE_GIT_ERROR_DIVERGED:
    case FORGE_GIT_ERROR_TOO_BIG:
    default:
      return g_strdup_printf (_("Submodule “%s” (%s) was not fetched (%s); its folder stays empty."),
                              path, shown, detail != NULL ? detail : _("unknown error"));
    }
}

/* The submodule's own git directory, reused across updates when it is
 * still a clone of url with a config only we wrote. */
static int
open_submodule_git_dir (git_repository **repo,
                        const char      *git_dir,
                        const char      *url)
{
  git_repository_init_options init_opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  g_autoptr(git_remote) remote = NULL;
  int rc;

  if (g_file_test (git_dir, G_FILE_TEST_EXISTS))
    {
      if (open_git_dir (repo, git_dir) == 0)
        {
          if (config_is_ours (*repo) &&
              git_remote_lookup (&remote, *repo, "origin") == 0 &&
              urls_match (git_remote_url (remote), url))
            return 0;
          g_clear_pointer (repo, git_repository_free);
        }
      if (!forge_remove_tree (git_dir, NULL))
        {
          git_error_set_str (GIT_ERROR_OS, "could not remove an old submodule");
          return -1;
        }
    }

  init_opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
  if ((rc = git_repository_init_ext (repo, git_dir, &init_opts)) != 0)
    return rc;
  if ((rc = git_remote_create (&remote, *repo, "origin", url)) != 0)
    g_clear_pointer (repo, git_repository_free);
  return rc;
}

static gboolean update_submodules (Submodules     *subs,
                                   git_repository *repo,
                                   git_tree       *tree,
                                   const char     *parent_url,
                                   const char     *git_dir,
                                   const char     *work_tree,
                                   guint           depth);

/* FALSE only when cancelled; anything else is a note. */
static gboolean
update_one_submodule (Submodules     *subs,
                      SubmoduleEntry *entry,
                      const git_oid  *commit_id,
                      const char     *url,
                      const char     *parent_git_dir,
                      const char     *work_tree,
                      guint           depth)
{
  g_autoptr(git_repository) repo = NULL;
  g_autoptr(git_remote) remote = NULL;
  g_autoptr(git_object) commit = NULL;
  g_autoptr(git_tree) tree = NULL;
  g_autofree char *key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, entry->path, -1);
  g_autofree char *git_dir = g_build_filename (parent_git_dir, "modules", key, NULL);
  g_autofree char *sub_work = g_build_filename (work_tree, entry->path, NULL);
  g_autoptr(GError) checkout_error = NULL;
  git_fetch_options fetch_opts = GIT_FETCH_OPTIONS_INIT;
  g_autofree char *token_host = g_strdup (subs->op->token_host);
  ForgeGitOperation op = {
    .notes = subs->op->notes,
    .token = subs->op->token,
    .token_host = token_host,
    .progress = subs->progress != NULL ? submodule_progress_cb : NULL,
    .user_data = subs,
    .cancellable = subs->op->cancellable,
    .last_phase = -1,
  };
  int rc;

  if (g_mkdir_with_parents (sub_work, 0755) != 0)
    {
      submodules_note (subs, g_strdup_printf (_("Submodule “%s” was not fetched: its folder could not be created (%s)."),
                                              entry->path, g_strerror (errno)));
      return TRUE;
    }

  rc = open_submodule_git_dir (&repo, git_dir, url);
  if (rc == 0 && git_object_lookup (&commit, repo, commit_id, GIT_OBJECT_COMMIT) != 0)
    {
      git_error_clear ();
      operation_setup_fetch (&op, &fetch_opts);
      fetch_opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
      rc = git_remote_lookup (&remote, repo, "origin");
      if (rc == 0)
        rc = git_remote_fetch (remote, NULL, &fetch_opts, NULL);
      subs->bytes_base += op.bytes;
      if (rc == 0 && git_object_lookup (&commit, repo, commit_id, GIT_OBJECT_COMMIT) != 0)
        {
          char oid[GIT_OID_HEXSZ + 1];

          git_error_clear ();
          git_oid_tostr (oid, sizeof oid, commit_id);
          submodules_note (subs, g_strdup_printf (_("Submodule “%s” was not fetched: commit %s is on none of its branches; its folder stays empty."),
                                                  entry->path, oid));
          return TRUE;
        }
    }

  if (rc != 0)
    {
      g_autoptr(GError) local_error = NULL;

      if (_forge_git_operation_cancelled (&op))
        return FALSE;
      _forge_git_set_error_from_libgit2 (&local_error, &op, rc, url);
      {
        const git_error *last = git_error_last ();

        submodules_note (subs, dup_fetch_failure_note (entry->path, url, local_error->code,
                                                       last != NULL ? last->message : NULL));
      }
      git_error_clear ();
      return TRUE;
    }

  /* Into the staged work tree, which no sandbox reaches; the work tree is
   * set in memory only, as for the main clone. */
  if ((rc = git_repository_set_workdir (repo, sub_work, 0)) != 0 ||
      (rc = git_commit_tree (&tree, (git_commit *) commit)) != 0)
    _forge_git_set_error_from_libgit2 (&checkout_error, &op, rc, url);
  else if (_forge_git_checkout (repo, (git_commit *) commit, url, &op, &checkout_error) &&
           (rc = git_repository_set_head_detached (repo, commit_id)) != 0)
    _forge_git_set_error_from_libgit2 (&checkout_error, &op, rc, url);

  if (checkout_error != NULL)
    {
      if (_forge_git_operation_cancelled (&op))
        return FALSE;
      submodules_note (subs, g_strdup_printf (_("Submodule “%s” could not be checked out; its folder may be incomplete: %s"),
                                              entry->path, checkout_error->message));
      git_error_clear ();
      return TRUE;
    }

  /* What it wrote counts towards what the next ones report. */
  subs->checkout_base += op.checkout_bytes;
  return update_submodules (subs, repo, tree, url, git_dir, sub_work, depth + 1);
}

/* Checks out the submodules tree (the commit just checked out into
 * work_tree, which must be a folder no sandbox can reach) records, as far
 * as the policy lets them. FALSE only when cancelled (error unset: the
 * caller reports it as for the main clone). */
static gboolean
update_submodules (Submodules     *subs,
                   git_repository *repo,
                   git_tree       *tree,
                   const char     *parent_url,
                   const char     *git_dir,
                   const char     *work_tree,
                   guint           depth)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (submodule_entry_free);

  if (git_submodule_foreach (repo, collect_submodule_cb, entries) != 0)
    {
      const git_error *last = git_error_last ();

      submodules_note (subs, g_strdup_printf (_("The submodules of “%s” were not fetched: .gitmodules could not be read (%s)."),
                                              parent_url, last != NULL ? last->message : _("unknown error")));
      git_error_clear ();
      return TRUE;
    }

  for (guint i = 0; i < entries->len; i++)
    {
      SubmoduleEntry *entry = g_ptr_array_index (entries, i);
      g_autoptr(git_tree_entry) tree_entry = NULL;
      g_autofree char *url = NULL;
      g_autofree char *shown = NULL;

      if (_forge_git_operation_cancelled (subs->op))
        return FALSE;

      if (!submodule_path_is_safe (work_tree, entry->path))
        {
          submodules_note (subs, g_strdup_printf (_("Submodule “%s” was refused: its path leaves the project’s folder."),
                                                  entry->path));
          continue;
        }

      /* Listed in .gitmodules but not recorded in this commit: nothing
       * to check out. */
      if (git_tree_entry_bypath (&tree_entry, tree, entry->path) != 0 ||
          git_tree_entry_filemode (tree_entry) != GIT_FILEMODE_COMMIT)
        {
          git_error_clear ();
          continue;
        }

      if (depth > MAX_SUBMODULE_DEPTH)
        {
          submodules_note (subs, g_strdup_printf (_("Submodule “%s” was not fetched: submodules are fetched %d levels deep at most; its folder stays empty."),
                                                  entry->path, MAX_SUBMODULE_DEPTH));
          continue;
        }

      if (subs->count >= MAX_SUBMODULES)
        {
          if (!subs->over_limit)
            submodules_note (subs, g_strdup_printf (_("Submodule “%s” and those after it were not fetched: a project fetches %d submodules at most; their folders stay empty."),
                                                    entry->path, MAX_SUBMODULES));
          subs->over_limit = TRUE;
          continue;
        }
      subs->count++;

      shown = dup_url_for_note (entry->url != NULL ? entry->url : "");
      switch (check_submodule_url (parent_url, entry->url, &url))
        {
        case SUBMODULE_URL_LOCAL_REFUSED:
          submodules_note (subs, g_strdup_printf (_("Submodule “%s” (%s) was refused: a repository from the network cannot use a submodule on this computer; its folder stays empty."),
                                                  entry->path, shown));
          continue;

        case SUBMODULE_URL_INVALID:
          submodules_note (subs, g_strdup_printf (_("Submodule “%s” (%s) was refused: only https, http, ssh and git addresses (and local ones, for a repository on this computer) are fetched; its folder stays empty."),
                                                  entry->path, shown));
          continue;

        case SUBMODULE_URL_OK:
        default:
          break;
        }

      if (!update_one_submodule (subs, entry, git_tree_entry_id (tree_entry), url, git_dir, work_tree, depth))
        return FALSE;
    }

  return TRUE;
}

/* The submodules of commit_id, just checked out at staged_work (a
 * folder no sandbox reaches); git_dir is the parent's. FALSE only when
 * cancelled. */
static gboolean
checkout_submodules (git_repository    *repo,
                     const git_oid     *commit_id,
                     const char        *url,
                     const char        *git_dir,
                     const char        *staged_work,
                     ForgeGitOperation *op)
{
  g_autoptr(git_object) commit = NULL;
  g_autoptr(git_tree) tree = NULL;
  Submodules subs = {
    .op = op,
    .bytes_base = op->bytes,
    .checkout_base = op->checkout_bytes,
    .progress = op->progress,
    .user_data = op->user_data,
  };

  if (git_object_lookup (&commit, repo, commit_id, GIT_OBJECT_COMMIT) != 0 ||
      git_commit_tree (&tree, (git_commit *) commit) != 0)
    {
      git_error_clear ();
      return !_forge_git_operation_cancelled (op);
    }

  return update_submodules (&subs, repo, tree, url, git_dir, staged_work, 1);
}

/* ------------------------------------------------------------------ */
/* Update an existing clone                                           */
/* ------------------------------------------------------------------ */

typedef enum
{
  UPDATE_RESET,  /* whatever the work tree holds, it becomes the remote's */
  UPDATE_PULL,   /* only a clean work tree, only a fast-forward */
} UpdateMode;

static gboolean
update_existing (git_repository     *repo,
                 const char         *url,
                 const char         *requested_ref,
                 const char         *git_dir,
                 const char         *work_tree,
                 UpdateMode          mode,
                 ForgeGitOperation  *op,
                 char              **head_oid,
                 gboolean           *updated,
                 GError            **error)
{
  g_autoptr(git_object) target = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *staging = NULL;
  g_autofree char *staged_work = NULL;
  gboolean ok;
  git_oid head;
  int rc;

  if (mode == UPDATE_PULL)
    {
      g_autofree char *changed = NULL;
      gboolean dirty = FALSE;

      /* In memory only, as below; the work tree is only read here. */
      if ((rc = git_repository_set_workdir (repo, work_tree, 0)) != 0)
        return _forge_git_set_error_from_libgit2 (error, op, rc, url);
      if (!check_work_tree_clean (repo, work_tree, &changed, &dirty, error))
        return FALSE;
      if (dirty)
        return set_dirty_error (error, changed);
    }

  ref = dup_effective_ref (repo, requested_ref);

  if ((rc = fetch_origin (repo, ref, op)) != 0)
    return _forge_git_set_error_from_libgit2 (error, op, rc, url);

  if ((rc = lookup_ref_target (repo, ref, &target)) != 0)
    {
      if (rc == GIT_ENOTFOUND && ref != NULL)
        return set_ref_not_found (error, url, ref);
      return _forge_git_set_error_from_libgit2 (error, op, rc, url);
    }

  if (mode == UPDATE_PULL && git_reference_name_to_id (&head, repo, "HEAD") == 0)
    {
      if (git_oid_equal (&head, git_object_id (target)))
        {
          if (updated != NULL)
            *updated = FALSE;
          dup_head_oid (repo, head_oid);
          return TRUE;
        }
      if (git_graph_descendant_of (repo, git_object_id (target), &head) != 1)
        {
          g_autofree char *name = ref ? forge_git_ref_dup_display_name (ref) : dup_display_name (url);

          git_error_clear ();
          g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_DIVERGED,
                       _("The history of “%s” was rewritten on the remote, so it cannot be pulled: reset the project to the remote instead."),
                       name);
          return FALSE;
        }
    }
  git_error_clear ();

  /* Not into work_tree itself: a sandbox can write there, and may still
   * be running. libgit2 (1.5, GIT_CHECKOUT_FORCE) writes and deletes
   * through symlinks that stand where the tree has a directory or a file,
   * so a symlinked src/ or index.js would have it write outside the work
   * tree; checking for symlinks first would race with the sandbox. An
   * empty folder only we can reach has nothing to race with. */
  if ((staging = make_staging_dir (git_dir, error)) == NULL)
    return FALSE;
  staged_work = g_build_filename (staging, "repo", NULL);
  if (g_mkdir (staged_work, 0755) != 0)
    {
      int saved_errno = errno;

      remove_staging_dir (staging);
      return _forge_git_set_error_from_errno (error, saved_errno,
                                              g_strdup_printf (_("Could not create the folder “%s”: %s."),
                                                               staged_work, g_strerror (saved_errno)));
    }

  /* In memory only (no .git link file). HEAD moves only once the new
   * work tree is in place: a failure or a cancel leaves the project on
   * its commit, its work tree matching it. */
  if ((rc = git_repository_set_workdir (repo, staged_work, 0)) != 0)
    ok = _forge_git_set_error_from_libgit2 (error, op, rc, url);
  else
    ok = _forge_git_checkout (repo, (git_commit *) target, url, op, error);
  if (ok && (!checkout_submodules (repo, git_object_id (target), url, git_dir, staged_work, op) ||
             _forge_git_operation_cancelled (op)))
    ok = _forge_git_set_error_from_libgit2 (error, op, GIT_EUSER, url);
  if (!ok)
    {
      reset_index_to_head (repo);
      remove_staging_dir (staging);
      return FALSE;
    }

  if (!install_work_tree (staging, staged_work, work_tree, TRUE, error))
    {
      reset_index_to_head (repo);
      remove_staging_dir (staging);
      return FALSE;
    }
  remove_staging_dir (staging);

  if ((rc = point_head_at (repo, ref, target)) != 0)
    return _forge_git_set_error_from_libgit2 (error, op, rc, url);

  if (updated != NULL)
    *updated = TRUE;
  dup_head_oid (repo, head_oid);
  return TRUE;
}

typedef struct
{
  const char *git_dir;
  const char *work_tree;
} CloneDirs;

/* git_clone() would put the git directory at <work tree>/.git. */
static int
create_repository_cb (git_repository **out,
                      const char      *path,
                      int              bare,
                      void            *payload)
{
  CloneDirs *dirs = payload;
  git_repository_init_options init_opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;
  int rc;

  /* Bare: libgit2 then writes no core.worktree into the config and no
   * ".git" link file into the work tree, which it would for a work tree
   * that is not the git directory's parent. */
  init_opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_NO_REINIT |
                    GIT_REPOSITORY_INIT_MKPATH;

  if ((rc = git_repository_init_ext (out, dirs->git_dir, &init_opts)) != 0)
    return rc;

  if ((rc = git_repository_set_workdir (*out, dirs->work_tree, 0)) != 0)
    {
      g_clear_pointer (out, git_repository_free);
      return rc;
    }

  return 0;
}

/* A tag or a pull request, in a clone that has nothing checked out yet:
 * fetched, and HEAD detached at it, for the checkout to follow. */
static int
detach_head_at (git_repository    *repo,
                const char        *ref,
                ForgeGitOperation *op)
{
  g_autoptr(git_object) target = NULL;
  int rc;

  if ((rc = fetch_origin (repo, ref, op)) != 0 ||
      (rc = lookup_ref_target (repo, ref, &target)) != 0)
    return rc;
  return git_repository_set_head_detached (repo, git_object_id (target));
}

static gboolean
clone_fresh (const char         *url,
             const char         *ref,
             const char         *git_dir,
             const char         *work_tree,
             ForgeGitOperation  *op,
             char              **head_oid,
             GError            **error)
{
  g_autoptr(git_repository) repo = NULL;
  g_autoptr(git_object) head = NULL;
  g_autofree char *staging = NULL;
  g_autofree char *staged_git = NULL;
  g_autofree char *staged_work = NULL;
  git_clone_options clone_opts = GIT_CLONE_OPTIONS_INIT;
  ForgeGitRefKind kind = forge_git_ref_get_kind (ref);
  gboolean detached = kind == FORGE_GIT_REF_TAG || kind == FORGE_GIT_REF_PULL;
  CloneDirs dirs;
  gboolean ok;
  int rc;

  /* Cloned next to git_dir and renamed into place, so a crash or cancel
   * never leaves a half clone where the next run would find it. */
  if ((staging = make_staging_dir (git_dir, error)) == NULL)
    return FALSE;
  staged_git = g_build_filename (staging, "git", NULL);
  staged_work = g_build_filename (staging, "repo", NULL);
  dirs.git_dir = staged_git;
  dirs.work_tree = staged_work;
  if (g_mkdir (staged_work, 0755) != 0)
    {
      int saved_errno = errno;

      remove_staging_dir (staging);
      return _forge_git_set_error_from_errno (error, saved_errno,
                                              g_strdup_printf (_("Could not create the folder “%s”: %s."),
                                                               staged_work, g_strerror (saved_errno)));
    }

  operation_setup_fetch (op, &clone_opts.fetch_opts);
  clone_opts.repository_cb = create_repository_cb;
  clone_opts.repository_cb_payload = &dirs;
  if (kind == FORGE_GIT_REF_BRANCH)
    clone_opts.checkout_branch = ref + strlen ("refs/heads/");
  /* Checked out below, through _forge_git_checkout(): libgit2's own
   * would hold each file whole in memory, and write before the size of
   * it all is known. */
  clone_opts.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;

  rc = git_clone (&repo, url, staged_work, &clone_opts);
  if (rc == 0 && detached)
    rc = detach_head_at (repo, ref, op);
  if (rc == 0 && _forge_git_operation_cancelled (op))
    rc = GIT_EUSER;

  if (rc != 0)
    {
      /* libgit2 says "reference 'refs/remotes/origin/x' not found". */
      if (rc == GIT_ENOTFOUND && ref != NULL && !_forge_git_operation_cancelled (op))
        set_ref_not_found (error, url, ref);
      else
        _forge_git_set_error_from_libgit2 (error, op, rc, url);
      g_clear_pointer (&repo, git_repository_free);
      remove_staging_dir (staging);
      return FALSE;
    }

  if (git_repository_head_unborn (repo) == 1)
    {
      g_autofree char *name = dup_display_name (url);

      g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED,
                   _("“%s” is empty: push a commit to it, then try again."), name);
      g_clear_pointer (&repo, git_repository_free);
      remove_staging_dir (staging);
      return FALSE;
    }

  if ((rc = git_revparse_single (&head, repo, "HEAD^{commit}")) != 0)
    ok = _forge_git_set_error_from_libgit2 (error, op, rc, url);
  else
    ok = _forge_git_checkout (repo, (git_commit *) head, url, op, error);
  if (ok && (!checkout_submodules (repo, git_object_id (head), url, staged_git, staged_work, op) ||
             _forge_git_operation_cancelled (op)))
    ok = _forge_git_set_error_from_libgit2 (error, op, GIT_EUSER, url);
  if (!ok)
    {
      g_clear_pointer (&head, git_object_free);
      g_clear_pointer (&repo, git_repository_free);
      remove_staging_dir (staging);
      return FALSE;
    }
  g_clear_pointer (&head, git_object_free);

  dup_head_oid (repo, head_oid);
  g_clear_pointer (&repo, git_repository_free);

  /* The git directory goes last: only a complete clone has one, and
   * without one the work tree is not trusted. */
  if (!install_work_tree (staging, staged_work, work_tree, FALSE, error))
    {
      remove_staging_dir (staging);
      if (head_oid != NULL)
        g_clear_pointer (head_oid, g_free);
      return FALSE;
    }

  if (g_rename (staged_git, git_dir) != 0)
    {
      int saved_errno = errno;

      remove_staging_dir (staging);
      if (head_oid != NULL)
        g_clear_pointer (head_oid, g_free);
      return _forge_git_set_error_from_errno (error, saved_errno,
                                              g_strdup_printf (_("Could not move the clone to “%s”: %s."),
                                                               git_dir, g_strerror (saved_errno)));
    }

  remove_staging_dir (staging);
  return TRUE;
}

/* Anything at work_tree without our git directory next to it, such as a
 * workspace from before the git directory moved out of the work tree
 * (its .git was writable by sandboxes), is not trusted: removed without
 * following symlinks, then cloned afresh. */
static gboolean
clone_over (const char         *url,
            const char         *ref,
            const char         *git_dir,
            const char         *work_tree,
            ForgeGitOperation  *op,
            char              **head_oid,
            GError            **error)
{
  if (!forge_remove_tree (work_tree, error))
    return FALSE;

  return clone_fresh (url, ref, git_dir, work_tree, op, head_oid, error);
}

static gboolean
clone_or_update (const char            *url,
                 const char            *ref,
                 const char            *git_dir,
                 const char            *work_tree,
                 const char            *token,
                 UpdateMode             mode,
                 ForgeGitProgressFunc   progress,
                 gpointer               user_data,
                 char                 **head_oid,
                 gboolean              *updated,
                 GPtrArray             *notes,
                 GCancellable          *cancellable,
                 GError               **error)
{
  g_autoptr(git_repository) repo = NULL;
  g_autoptr(git_remote) remote = NULL;
  g_autofree char *token_host = forge_git_dup_host (url);
  GStatBuf st;
  ForgeGitOperation op = {
    .token = token,
    .token_host = token_host,
    .progress = progress,
    .user_data = user_data,
    .cancellable = cancellable,
    .last_phase = -1,
    .notes = notes,
  };

  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail (git_dir != NULL, FALSE);
  g_return_val_if_fail (work_tree != NULL, FALSE);
  g_return_val_if_fail (head_oid == NULL || *head_oid == NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (updated != NULL)
    *updated = TRUE;

  if (!forge_git_ref_is_valid (ref) || forge_git_ref_get_kind (ref) == FORGE_GIT_REF_TREE)
    {
      g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_INVALID_URL,
                   _("“%s” is not a branch, tag or pull request Git can fetch."), ref);
      return FALSE;
    }

  forge_git_init ();

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  remove_stale_partials (git_dir);

  if (g_lstat (git_dir, &st) != 0 && errno == ENOENT)
    return clone_over (url, ref, git_dir, work_tree, &op, head_oid, error);

  if (S_ISDIR (st.st_mode) && dir_is_empty (git_dir))
    {
      g_rmdir (git_dir);
      return clone_over (url, ref, git_dir, work_tree, &op, head_oid, error);
    }

  if (open_git_dir (&repo, git_dir) == 0)
    {
      /* Only we write there, so this is not expected; but a config we did
       * not write could send the fetch or the checkout anywhere. */
      if (!config_is_ours (repo))
        {
          g_clear_pointer (&repo, git_repository_free);
          if (!forge_remove_tree (git_dir, error))
            return FALSE;
          return clone_over (url, ref, git_dir, work_tree, &op, head_oid, error);
        }

      if (git_remote_lookup (&remote, repo, "origin") == 0 &&
          urls_match (git_remote_url (remote), url))
        return update_existing (repo, url, ref, git_dir, work_tree, mode, &op, head_oid, updated, error);
    }

  git_error_clear ();
  g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED,
               _("“%s” already holds something other than a clone of %s: remove it, then try again."),
               git_dir, url);
  return FALSE;
}

gboolean
forge_git_clone_or_update (const char            *url,
                           const char            *git_dir,
                           const char            *work_tree,
                           const char            *token,
                           ForgeGitProgressFunc   progress,
                           gpointer               user_data,
                           char                 **head_oid,
                           GCancellable          *cancellable,
                           GError               **error)
{
  return clone_or_update (url, NULL, git_dir, work_tree, token, UPDATE_RESET,
                          progress, user_data, head_oid, NULL, NULL, cancellable, error);
}

/* notes: as forge_git_clone_or_update_ref()'s. */
static gboolean
clone_or_update_with_notes (const char            *url,
                            const char            *ref,
                            const char            *git_dir,
                            const char            *work_tree,
                            const char            *token,
                            UpdateMode             mode,
                            ForgeGitProgressFunc   progress,
                            gpointer               user_data,
                            char                 **head_oid,
                            gboolean              *updated,
                            char                ***notes,
                            GCancellable          *cancellable,
                            GError               **error)
{
  g_autoptr(GPtrArray) lines = NULL;

  g_return_val_if_fail (notes == NULL || *notes == NULL, FALSE);

  if (notes != NULL)
    lines = g_ptr_array_new_with_free_func (g_free);

  if (!clone_or_update (url, ref, git_dir, work_tree, token, mode,
                        progress, user_data, head_oid, updated, lines, cancellable, error))
    return FALSE;

  if (notes != NULL)
    {
      g_ptr_array_add (lines, NULL);
      *notes = (char **) g_ptr_array_steal (lines, NULL);
    }
  return TRUE;
}

gboolean
forge_git_clone_or_update_ref (const char            *url,
                               const char            *ref,
                               const char            *git_dir,
                               const char            *work_tree,
                               const char            *token,
                               ForgeGitProgressFunc   progress,
                               gpointer               user_data,
                               char                 **head_oid,
                               char                ***notes,
                               GCancellable          *cancellable,
                               GError               **error)
{
  return clone_or_update_with_notes (url, ref, git_dir, work_tree, token, UPDATE_RESET,
                                     progress, user_data, head_oid, NULL, notes, cancellable, error);
}

gboolean
forge_git_pull (const char            *url,
                const char            *ref,
                const char            *git_dir,
                const char            *work_tree,
                const char            *token,
                ForgeGitProgressFunc   progress,
                gpointer               user_data,
                char                 **head_oid,
                gboolean              *updated,
                char                ***notes,
                GCancellable          *cancellable,
                GError               **error)
{
  return clone_or_update_with_notes (url, ref, git_dir, work_tree, token, UPDATE_PULL,
                                     progress, user_data, head_oid, updated, notes, cancellable, error);
}

gboolean
forge_git_work_tree_is_dirty (const char  *git_dir,
                              const char  *work_tree,
                              char       **first_path,
                              GError     **error)
{
  g_autoptr(git_repository) repo = NULL;
  gboolean dirty = FALSE;
  int rc;

  g_return_val_if_fail (git_dir != NULL, FALSE);
  g_return_val_if_fail (work_tree != NULL, FALSE);

  forge_git_init ();

  if ((rc = open_git_dir (&repo, git_dir)) != 0 || !config_is_ours (repo))
    {
      git_error_clear ();
      g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED,
                   _("There is no clone in “%s”."), git_dir);
      return FALSE;
    }

  if ((rc = git_repository_set_workdir (repo, work_tree, 0)) != 0)
    {
      g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_FAILED,
                   _("Could not compare the work tree with its commit: %s."),
                   git_error_last () ? git_error_last ()->message : _("unknown error"));
      git_error_clear ();
      return FALSE;
    }

  if (!check_work_tree_clean (repo, work_tree, first_path, &dirty, error))
    return FALSE;
  return dirty;
}

gboolean
forge_git_dup_head (const char  *git_dir,
                    char       **head_oid,
                    char       **head_ref)
{
  g_autoptr(git_repository) repo = NULL;
  g_autoptr(git_reference) head = NULL;

  forge_git_init ();

  if (open_git_dir (&repo, git_dir) != 0 || git_repository_head (&head, repo) != 0)
    {
      git_error_clear ();
      return FALSE;
    }

  if (head_ref != NULL)
    *head_ref = git_reference_is_branch (head) ? g_strdup (git_reference_name (head)) : NULL;
  return dup_head_oid (repo, head_oid);
}

/* ------------------------------------------------------------------ */
/* The remote's refs                                                  */
/* ------------------------------------------------------------------ */

/* Every ref the remote advertises: name → symref target or "". */
static GHashTable *
list_remote_refs (const char    *url,
                  const char    *token,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(git_remote) remote = NULL;
  g_autoptr(GHashTable) refs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *token_host = forge_git_dup_host (url);
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  git_proxy_options proxy = GIT_PROXY_OPTIONS_INIT;
  const git_remote_head **heads = NULL;
  size_t n = 0;
  ForgeGitOperation op = {
    .token = token,
    .token_host = token_host,
    .cancellable = cancellable,
    .last_phase = -1,
  };
  int rc;

  forge_git_init ();

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  callbacks.credentials = credentials_cb;
  callbacks.sideband_progress = sideband_progress_cb;
  callbacks.payload = &op;
  proxy.type = GIT_PROXY_AUTO;

  /* A remote of no repository: nothing is written anywhere. */
  if ((rc = git_remote_create_detached (&remote, url)) != 0 ||
      (rc = git_remote_connect (remote, GIT_DIRECTION_FETCH, &callbacks, &proxy, NULL)) != 0 ||
      (rc = git_remote_ls (&heads, &n, remote)) != 0)
    {
      _forge_git_set_error_from_libgit2 (error, &op, rc, url);
      return NULL;
    }

  for (size_t i = 0; i < n; i++)
    g_hash_table_replace (refs, g_strdup (heads[i]->name),
                          g_strdup (heads[i]->symref_target ? heads[i]->symref_target : ""));

  git_remote_disconnect (remote);
  return g_steal_pointer (&refs);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

char **
forge_git_list_remote_branches (const char    *url,
                                const char    *token,
                                char         **default_branch,
                                GCancellable  *cancellable,
                                GError       **error)
{
  g_autoptr(GHashTable) refs = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *name;
  const char *target;

  g_return_val_if_fail (url != NULL, NULL);

  if (default_branch != NULL)
    *default_branch = NULL;

  if ((refs = list_remote_refs (url, token, cancellable, error)) == NULL)
    return NULL;

  g_hash_table_iter_init (&iter, refs);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &target))
    {
      if (g_str_has_prefix (name, "refs/heads/") && forge_git_ref_is_valid (name))
        g_ptr_array_add (names, g_strdup (name + strlen ("refs/heads/")));
      else if (g_str_equal (name, "HEAD") && default_branch != NULL &&
               g_str_has_prefix (target, "refs/heads/"))
        *default_branch = g_strdup (target + strlen ("refs/heads/"));
    }

  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

gboolean
forge_git_resolve_tree_path (const char    *url,
                             const char    *tree_path,
                             const char    *token,
                             char         **ref,
                             char         **subdir,
                             GCancellable  *cancellable,
                             GError       **error)
{
  g_autoptr(GHashTable) refs = NULL;
  g_auto(GStrv) segments = NULL;
  guint n;

  g_return_val_if_fail (url != NULL, FALSE);
  g_return_val_if_fail (tree_path != NULL, FALSE);
  g_return_val_if_fail (ref != NULL && subdir != NULL, FALSE);

  *ref = NULL;
  *subdir = NULL;

  if (!forge_git_subdir_is_valid (tree_path))
    {
      g_set_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_INVALID_URL,
                   _("“%s” is not a branch and folder name: check the address and try again."), tree_path);
      return FALSE;
    }

  if ((refs = list_remote_refs (url, token, cancellable, error)) == NULL)
    return FALSE;

  /* The longest name that exists wins, as on GitHub: with branches "a"
   * and "a/b", tree/a/b/c is branch "a/b", folder "c". */
  segments = g_strsplit (tree_path, "/", -1);
  n = g_strv_length (segments);
  for (guint i = n; i > 0; i--)
    {
      g_autofree char *prefix = NULL;
      g_autofree char *branch = NULL;
      g_autofree char *tag = NULL;
      char *saved = segments[i];

      segments[i] = NULL;
      prefix = g_strjoinv ("/", segments);
      segments[i] = saved;

      branch = g_strconcat ("refs/heads/", prefix, NULL);
      tag = g_strconcat ("refs/tags/", prefix, NULL);
      if (g_hash_table_contains (refs, branch) && forge_git_ref_is_valid (branch))
        *ref = g_steal_pointer (&branch);
      else if (g_hash_table_contains (refs, tag) && forge_git_ref_is_valid (tag))
        *ref = g_steal_pointer (&tag);
      else
        continue;

      if (i < n)
        *subdir = g_strjoinv ("/", segments + i);
      return TRUE;
    }

  {
    g_autofree char *as_branch = g_strconcat ("refs/heads/", tree_path, NULL);
    return set_ref_not_found (error, url, as_branch);
  }
}
