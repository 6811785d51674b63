/* forge-folder-workspace.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-sandbox"

#include "config.h"

#include "forge-folder-workspace.h"

struct _ForgeFolderWorkspace
{
  GObject         parent_instance;
  /* Both fixed at construction: read from any thread. */
  ForgeWorkspace *parent;
  char           *folder;
};

enum {
  PROP_0,
  PROP_PARENT,
  PROP_FOLDER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void forge_folder_workspace_iface_init (ForgeWorkspaceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ForgeFolderWorkspace, forge_folder_workspace, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FORGE_TYPE_WORKSPACE,
                                                      forge_folder_workspace_iface_init))

static void
forge_folder_workspace_finalize (GObject *object)
{
  ForgeFolderWorkspace *self = FORGE_FOLDER_WORKSPACE (object);

  g_clear_object (&self->parent);
  g_clear_pointer (&self->folder, g_free);

  G_OBJECT_CLASS (forge_folder_workspace_parent_class)->finalize (object);
}

static void
forge_folder_workspace_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  ForgeFolderWorkspace *self = FORGE_FOLDER_WORKSPACE (object);

  switch (prop_id)
    {
    case PROP_PARENT:
      g_value_set_object (value, self->parent);
      break;

    case PROP_FOLDER:
      g_value_set_string (value, self->folder);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_folder_workspace_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  ForgeFolderWorkspace *self = FORGE_FOLDER_WORKSPACE (object);

  switch (prop_id)
    {
    case PROP_PARENT:
      g_set_object (&self->parent, g_value_get_object (value));
      break;

    case PROP_FOLDER:
      g_free (self->folder);
      self->folder = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_folder_workspace_class_init (ForgeFolderWorkspaceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_folder_workspace_finalize;
  object_class->get_property = forge_folder_workspace_get_property;
  object_class->set_property = forge_folder_workspace_set_property;

  properties[PROP_PARENT] =
    g_param_spec_object ("parent", NULL, NULL,
                         FORGE_TYPE_WORKSPACE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FOLDER] =
    g_param_spec_string ("folder", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_folder_workspace_init (ForgeFolderWorkspace *self)
{
}

/* The parent refuses ".." and absolute paths in the whole of it. */
static char *
parent_path (ForgeFolderWorkspace *self,
             const char           *path)
{
  if (*path == '\0')
    return g_strdup (self->folder);
  return g_strconcat (self->folder, "/", path, NULL);
}

static gboolean
forge_folder_workspace_read_file (ForgeWorkspace           *workspace,
                                  const char               *path,
                                  gsize                     max_size,
                                  ForgeWorkspaceReadFlags   flags,
                                  char                    **contents,
                                  gsize                    *length,
                                  GError                  **error)
{
  ForgeFolderWorkspace *self = FORGE_FOLDER_WORKSPACE (workspace);
  g_autofree char *full = parent_path (self, path);

  return FORGE_WORKSPACE_GET_IFACE (self->parent)->read_file (self->parent, full, max_size, flags,
                                                              contents, length, error);
}

static gboolean
forge_folder_workspace_test (ForgeWorkspace *workspace,
                             const char     *path,
                             ForgeRepoTest   test)
{
  ForgeFolderWorkspace *self = FORGE_FOLDER_WORKSPACE (workspace);
  g_autofree char *full = parent_path (self, path);

  return forge_workspace_test (self->parent, full, test);
}

static char **
forge_folder_workspace_list_dir (ForgeWorkspace  *workspace,
                                 const char      *path,
                                 guint            max_entries,
                                 GError         **error)
{
  ForgeFolderWorkspace *self = FORGE_FOLDER_WORKSPACE (workspace);
  g_autofree char *full = parent_path (self, path);

  return forge_workspace_list_dir (self->parent, full, max_entries, error);
}

static char *
forge_folder_workspace_checksum_file (ForgeWorkspace  *workspace,
                                      const char      *path,
                                      gsize            max_size,
                                      GError         **error)
{
  ForgeFolderWorkspace *self = FORGE_FOLDER_WORKSPACE (workspace);
  g_autofree char *full = parent_path (self, path);

  return forge_workspace_checksum_file (self->parent, full, max_size, error);
}

static void
forge_folder_workspace_iface_init (ForgeWorkspaceInterface *iface)
{
  iface->read_file = forge_folder_workspace_read_file;
  iface->test = forge_folder_workspace_test;
  iface->list_dir = forge_folder_workspace_list_dir;
  iface->checksum_file = forge_folder_workspace_checksum_file;
}

ForgeWorkspace *
forge_folder_workspace_new (ForgeWorkspace *parent,
                            const char     *folder)
{
  g_return_val_if_fail (FORGE_IS_WORKSPACE (parent), NULL);
  g_return_val_if_fail (folder != NULL && *folder != '\0', NULL);

  return g_object_new (FORGE_TYPE_FOLDER_WORKSPACE, "parent", parent, "folder", folder, NULL);
}

const char *
forge_folder_workspace_get_folder (ForgeFolderWorkspace *self)
{
  g_return_val_if_fail (FORGE_IS_FOLDER_WORKSPACE (self), NULL);

  return self->folder;
}
