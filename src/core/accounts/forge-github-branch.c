/* forge-github-branch.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-github"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "forge-github-branch.h"
#include "forge-github-private.h"

/* Git's own limit on a ref name is the file system's; GitHub's UI stops
 * far below this. */
#define MAX_BRANCH_NAME_BYTES 1024

struct _ForgeGithubBranch
{
  GObject  parent_instance;

  char    *name;
  char    *sha;
};

enum {
  PROP_0,
  PROP_NAME,
  PROP_SHA,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeGithubBranch, forge_github_branch, G_TYPE_OBJECT)

/* SHA-1 or SHA-256 object names; the sha goes to git as a revision, so
 * nothing that could read as an option or a range. */
static gboolean
is_object_name (const char *sha)
{
  gsize len = sha != NULL ? strlen (sha) : 0;

  if (len != 40 && len != 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (sha[i]))
      return FALSE;
  return TRUE;
}

ForgeGithubBranch *
_forge_github_branch_new_from_json (JsonNode  *node,
                                    GError   **error)
{
  ForgeGithubBranch *self;
  JsonObject *object, *commit;
  const char *name, *sha;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      _forge_github_set_protocol_error (error, _("a branch is not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);

  name = _forge_github_member_string (object, "name");
  if (name == NULL || *name == '\0' || strlen (name) > MAX_BRANCH_NAME_BYTES ||
      !g_utf8_validate (name, -1, NULL))
    {
      _forge_github_set_protocol_error (error, _("a branch has no valid name"));
      return NULL;
    }

  commit = _forge_github_member_object (object, "commit");
  sha = commit != NULL ? _forge_github_member_string (commit, "sha") : NULL;
  if (!is_object_name (sha))
    {
      _forge_github_set_protocol_error (error, _("a branch has no valid commit"));
      return NULL;
    }

  self = g_object_new (FORGE_TYPE_GITHUB_BRANCH, NULL);
  self->name = g_strdup (name);
  self->sha = g_ascii_strdown (sha, -1);
  return self;
}

const char *
forge_github_branch_get_name (ForgeGithubBranch *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_BRANCH (self), NULL);
  return self->name;
}

const char *
forge_github_branch_get_sha (ForgeGithubBranch *self)
{
  g_return_val_if_fail (FORGE_IS_GITHUB_BRANCH (self), NULL);
  return self->sha;
}

static void
forge_github_branch_finalize (GObject *object)
{
  ForgeGithubBranch *self = FORGE_GITHUB_BRANCH (object);

  g_free (self->name);
  g_free (self->sha);

  G_OBJECT_CLASS (forge_github_branch_parent_class)->finalize (object);
}

static void
forge_github_branch_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ForgeGithubBranch *self = FORGE_GITHUB_BRANCH (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_SHA:
      g_value_set_string (value, self->sha);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_github_branch_class_init (ForgeGithubBranchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_github_branch_finalize;
  object_class->get_property = forge_github_branch_get_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHA] =
    g_param_spec_string ("sha", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_github_branch_init (ForgeGithubBranch *self)
{
}
