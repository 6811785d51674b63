/* forge-github-repository.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-github"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "forge-github-private.h"
#include "forge-github-repository.h"

struct _ForgeGithubRepository
{
  GObject    parent_instance;

  char      *full_name;
  char      *owner;
  char      *name;
  gboolean   private;
  char      *default_branch;
  GDateTime *pushed_at;
  char      *clone_url;
  char      *html_url;
  char      *description;

  /* Case-folded once: matches() runs for every row at every keystroke. */
  char      *folded_full_name;
  char      *folded_description;
};

enum {
  PROP_0,
  PROP_FULL_NAME,
  PROP_OWNER,
  PROP_NAME,
  PROP_PRIVATE,
  PROP_DEFAULT_BRANCH,
  PROP_PUSHED_AT,
  PROP_CLONE_URL,
  PROP_HTML_URL,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeGithubRepository, forge_github_repository, G_TYPE_OBJECT)

static char *
fold (const char *text)
{
  g_autofree char *normalized = NULL;

  if (text == NULL)
    return NULL;
  normalized = g_utf8_normalize (text, -1, G_NORMALIZE_ALL);
  return normalized != NULL ? g_utf8_casefold (normalized, -1) : NULL;
}

/* A member that must be a non-empty string. */
static const char *
required_string (JsonObject *object,
                 const char *name)
{
  const char *value = _forge_github_member_string (object, name);

  return value != NULL && *value != '\0' && g_utf8_validate (value, -1, NULL) ? value : NULL;
}

/* A member that may be null or absent, but not of another type. */
static gboolean
optional_string (JsonObject  *object,
                 const char  *name,
                 const char **value)
{
  *value = _forge_github_member_string (object, name);
  if (*value != NULL)
    return g_utf8_validate (*value, -1, NULL);
  return _forge_github_member_is_null (object, name);
}

ForgeGithubRepository *
_forge_github_repository_new_from_json (JsonNode  *node,
                                        GError   **error)
{
  g_autoptr(ForgeGithubRepository) self = NULL;
  JsonObject *object, *owner;
  const char *full_name, *owner_login, *name, *default_branch, *pushed_at;
  const char *clone_url, *html_url, *description;
  gboolean is_private;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      _forge_github_set_protocol_error (error, _("a repository is not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);

  full_name = required_string (object, "full_name");
  name = required_string (object, "name");
  owner = _forge_github_member_object (object, "owner");
  owner_login = owner != NULL ? required_string (owner, "login") : NULL;
  if (full_name == NULL || name == NULL || owner_login == NULL)
    {
      _forge_github_set_protocol_error (error, _("a repository has no name or owner"));
      return NULL;
    }
  if (!_forge_github_member_boolean (object, "private", &is_private))
    {
      _forge_github_set_protocol_error (error, _("a repository does not say whether it is private"));
      return NULL;
    }

  /* Given to git and to the browser: the web, nothing else. */
  clone_url = _forge_github_member_string (object, "clone_url");
  html_url = _forge_github_member_string (object, "html_url");
  if (!_forge_github_is_web_url (clone_url) || !_forge_github_is_web_url (html_url))
    {
      _forge_github_set_protocol_error (error, _("a repository has no valid address"));
      return NULL;
    }

  if (!optional_string (object, "default_branch", &default_branch) ||
      !optional_string (object, "pushed_at", &pushed_at) ||
      !optional_string (object, "description", &description))
    {
      _forge_github_set_protocol_error (error, _("a repository has a member of the wrong type"));
      return NULL;
    }

  self = g_object_new (FORGE_TYPE_GITHUB_REPOSITORY, NULL);
  self->full_name = g_strdup (full_name);
  self->owner = g_strdup (owner_login);
  self->name = g_strdup (name);
  self->private = is_private;
  self->default_branch = default_branch != NULL && *default_branch != '\0' ? g_strdup (default_branch) : NULL;
  /* A date that does not parse is shown as none, not an error: the
   * list is still worth having. */
  self->pushed_at = pushed_at != NULL ? g_date_time_new_from_iso8601 (pushed_at, NULL) : NULL;
  self->clone_url = g_strdup (clone_url);
  self->html_url = g_strdup (html_url);
  self->description = description != NULL && *description != '\0' ? g_strdup (description) : NULL;
  self->folded_full_name = fold (self->full_name);
  self->folded_description = fold (self->description);

  return g_steal_pointer (&self);
}

gboolean
forge_github_repository_matches (ForgeGithubRepository *self,
                                 const char            *query)
{
  g_autofree char *stripped = NULL;
  g_autofree char *folded = NULL;

  g_return_val_if_fail (FORGE_IS_GITHUB_REPOSITORY (self), FALSE);

  if (query == NULL)
    return TRUE;
  stripped = g_strstrip (g_strdup (query));
  if (*stripped == '\0')
    return TRUE;

  folded = fold (stripped);
  if (folded == NULL)
    return FALSE;

  return (self->folded_full_name != NULL && strstr (self->folded_full_name, folded) != NULL) ||
         (self->folded_description != NULL && strstr (self->folded_description, folded) != NULL);
}

const char *
forge_github_repository_get_full_name (ForgeGithubRepository *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_REPOSITORY (self), NULL);
  return self->full_name;
}

const char *
forge_github_repository_get_owner (ForgeGithubRepository *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_REPOSITORY (self), NULL);
  return self->owner;
}

const char *
forge_github_repository_get_name (ForgeGithubRepository *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_REPOSITORY (self), NULL);
  return self->name;
}

gboolean
forge_github_repository_get_private (ForgeGithubRepository *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_REPOSITORY (self), FALSE);
  return self->private;
}

const char *
forge_github_repository_get_default_branch (ForgeGithubRepository *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_REPOSITORY (self), NULL);
  return self->default_branch;
}

GDateTime *
forge_github_repository_get_pushed_at (ForgeGithubRepository *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_REPOSITORY (self), NULL);
  return self->pushed_at;
}

const char *
forge_github_repository_get_clone_url (ForgeGithubRepository *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_REPOSITORY (self), NULL);
  return self->clone_url;
}

const char *
forge_github_repository_get_html_url (ForgeGithubRepository *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_REPOSITORY (self), NULL);
  return self->html_url;
}

const char *
forge_github_repository_get_description (ForgeGithubRepository *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_REPOSITORY (self), NULL);
  return self->description;
}

static void
forge_github_repository_finalize (GObject *object)
{
  ForgeGithubRepository *self = FORGE_GITHUB_REPOSITORY (object);

  g_free (self->full_name);
  g_free (self->owner);
  g_free (self->name);
  g_free (self->default_branch);
  g_clear_pointer (&self->pushed_at, g_date_time_unref);
  g_free (self->clone_url);
  g_free (self->html_url);
  g_free (self->description);
  g_free (self->folded_full_name);
  g_free (self->folded_description);

  G_OBJECT_CLASS (forge_github_repository_parent_class)->finalize (object);
}

static void
forge_github_repository_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  ForgeGithubRepository *self = FORGE_GITHUB_REPOSITORY (object);

  switch (prop_id)
    {
    case PROP_FULL_NAME:
      g_value_set_string (value, self->full_name);
      break;
    case PROP_OWNER:
      g_value_set_string (value, self->owner);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_PRIVATE:
      g_value_set_boolean (value, self->private);
      break;
    case PROP_DEFAULT_BRANCH:
      g_value_set_string (value, self->default_branch);
      break;
    case PROP_PUSHED_AT:
      g_value_set_boxed (value, self->pushed_at);
      break;
    case PROP_CLONE_URL:
      g_value_set_string (value, self->clone_url);
      break;
    case PROP_HTML_URL:
      g_value_set_string (value, self->html_url);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_github_repository_class_init (ForgeGithubRepositoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_github_repository_finalize;
  object_class->get_property = forge_github_repository_get_property;

  properties[PROP_FULL_NAME] =
    g_param_spec_string ("full-name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_OWNER] =
    g_param_spec_string ("owner", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PRIVATE] =
    g_param_spec_boolean ("private", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEFAULT_BRANCH] =
    g_param_spec_string ("default-branch", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PUSHED_AT] =
    g_param_spec_boxed ("pushed-at", NULL, NULL, G_TYPE_DATE_TIME, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLONE_URL] =
    g_param_spec_string ("clone-url", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HTML_URL] =
    g_param_spec_string ("html-url", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_github_repository_init (ForgeGithubRepository *self)
{
}
