/* forge-github-user.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-github"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-github-private.h"
#include "forge-github-user.h"

struct _ForgeGithubUser
{
  GObject  parent_instance;

  char    *login;
  char    *name;
  char    *avatar_url;
  char    *html_url;
};

enum {
  PROP_0,
  PROP_LOGIN,
  PROP_NAME,
  PROP_AVATAR_URL,
  PROP_HTML_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeGithubUser, forge_github_user, G_TYPE_OBJECT)

ForgeGithubUser *
_forge_github_user_new_from_json (JsonNode  *node,
                                  GError   **error)
{
  ForgeGithubUser *self;
  JsonObject *object;
  const char *login, *name, *avatar_url, *html_url;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      _forge_github_set_protocol_error (error, _("the account is not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);

  login = _forge_github_member_string (object, "login");
  if (login == NULL || *login == '\0')
    {
      _forge_github_set_protocol_error (error, _("the account has no login"));
      return NULL;
    }
  name = _forge_github_member_string (object, "name");
  if (name == NULL && !_forge_github_member_is_null (object, "name"))
    {
      _forge_github_set_protocol_error (error, _("the account’s name is not text"));
      return NULL;
    }

  /* Links the UI may open: nothing but the web. */
  avatar_url = _forge_github_member_string (object, "avatar_url");
  html_url = _forge_github_member_string (object, "html_url");

  self = g_object_new (FORGE_TYPE_GITHUB_USER, NULL);
  self->login = g_strdup (login);
  self->name = name != NULL && *name != '\0' ? g_strdup (name) : NULL;
  self->avatar_url = _forge_github_is_web_url (avatar_url) ? g_strdup (avatar_url) : NULL;
  self->html_url = _forge_github_is_web_url (html_url) ? g_strdup (html_url) : NULL;
  return self;
}

const char *
forge_github_user_get_login (ForgeGithubUser *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_USER (self), NULL);
  return self->login;
}

const char *
forge_github_user_get_name (ForgeGithubUser *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_USER (self), NULL);
  return self->name;
}

const char *
forge_github_user_get_avatar_url (ForgeGithubUser *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_USER (self), NULL);
  return self->avatar_url;
}

const char *
forge_github_user_get_html_url (ForgeGithubUser *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_USER (self), NULL);
  return self->html_url;
}

static void
forge_github_user_finalize (GObject *object)
{
  ForgeGithubUser *self = FORGE_GITHUB_USER (object);

  g_free (self->login);
  g_free (self->name);
  g_free (self->avatar_url);
  g_free (self->html_url);

  G_OBJECT_CLASS (forge_github_user_parent_class)->finalize (object);
}

static void
forge_github_user_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ForgeGithubUser *self = FORGE_GITHUB_USER (object);

  switch (prop_id)
    {
    case PROP_LOGIN:
      g_value_set_string (value, self->login);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_AVATAR_URL:
      g_value_set_string (value, self->avatar_url);
      break;
    case PROP_HTML_URL:
      g_value_set_string (value, self->html_url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_github_user_class_init (ForgeGithubUserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_github_user_finalize;
  object_class->get_property = forge_github_user_get_property;

  properties[PROP_LOGIN] =
    g_param_spec_string ("login", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_AVATAR_URL] =
    g_param_spec_string ("avatar-url", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HTML_URL] =
    g_param_spec_string ("html-url", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_github_user_init (ForgeGithubUser *self)
{
}
