/* forge-local-workspace.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-local-sandbox"

#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "forge-local-workspace.h"

struct _ForgeLocalWorkspace
{
  GObject  parent_instance;
  char    *root;   /* fixed at construction: read from any thread */
};

enum {
  PROP_0,
  PROP_ROOT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void forge_local_workspace_iface_init (ForgeWorkspaceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ForgeLocalWorkspace, forge_local_workspace, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FORGE_TYPE_WORKSPACE,
                                                      forge_local_workspace_iface_init))

static void
forge_local_workspace_finalize (GObject *object)
{
  ForgeLocalWorkspace *self = FORGE_LOCAL_WORKSPACE (object);

  g_free (self->root);

  G_OBJECT_CLASS (forge_local_workspace_parent_class)->finalize (object);
}

static void
forge_local_workspace_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ForgeLocalWorkspace *self = FORGE_LOCAL_WORKSPACE (object);

  switch (prop_id)
    {
    case PROP_ROOT:
      g_value_set_string (value, self->root);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_local_workspace_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  ForgeLocalWorkspace *self = FORGE_LOCAL_WORKSPACE (object);

  switch (prop_id)
    {
    case PROP_ROOT:
      g_free (self->root);
      self->root = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_local_workspace_class_init (ForgeLocalWorkspaceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_local_workspace_finalize;
  object_class->get_property = forge_local_workspace_get_property;
  object_class->set_property = forge_local_workspace_set_property;

  /**
   * ForgeLocalWorkspace:root:
   *
   * The clone on the host, as local sandboxes bind it.
   */
  properties[PROP_ROOT] =
    g_param_spec_string ("root", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_local_workspace_init (ForgeLocalWorkspace *self)
{
}

ForgeLocalWorkspace *
forge_local_workspace_new (const char *repo_dir)
{
  g_return_val_if_fail (repo_dir != NULL, NULL);

  return g_object_new (FORGE_TYPE_LOCAL_WORKSPACE, "root", repo_dir, NULL);
}

const char *
forge_local_workspace_get_root (ForgeLocalWorkspace *self)
{
  g_return_val_if_fail (FORGE_IS_LOCAL_WORKSPACE (self), NULL);

  return self->root;
}

/* Reads no more than asked, whatever the file's size: the lockfile
 * headers detection looks at sit in the first few hundred bytes of files
 * that can be tens of MiB. */
static gboolean
read_head (const char  *root,
           const char  *path,
           gsize        max_length,
           char       **contents,
           gsize       *length,
           GError     **error)
{
  g_autofree char *buffer = NULL;
  gsize n_read = 0;
  int fd;

  fd = forge_open_repo_file (root, path, error);
  if (fd < 0)
    return FALSE;

  buffer = g_malloc0 (max_length + 1);
  while (n_read < max_length)
    {
      gssize n = read (fd, buffer + n_read, max_length - n_read);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      n_read += n;
    }
  close (fd);
  buffer[n_read] = '\0';

  if (length != NULL)
    *length = n_read;
  *contents = g_steal_pointer (&buffer);
  return TRUE;
}

static gboolean
forge_local_workspace_read_file (ForgeWorkspace           *workspace,
                                 const char               *path,
                                 gsize                     max_size,
                                 ForgeWorkspaceReadFlags   flags,
                                 char                    **contents,
                                 gsize                    *length,
                                 GError                  **error)
{
  ForgeLocalWorkspace *self = FORGE_LOCAL_WORKSPACE (workspace);

  if (flags & FORGE_WORKSPACE_READ_HEAD)
    return read_head (self->root, path, max_size, contents, length, error);

  return forge_read_repo_file (self->root, path, max_size, contents, length, error);
}

static gboolean
forge_local_workspace_test (ForgeWorkspace *workspace,
                            const char     *path,
                            ForgeRepoTest   test)
{
  return forge_repo_test (FORGE_LOCAL_WORKSPACE (workspace)->root, path, test);
}

static char **
forge_local_workspace_list_dir (ForgeWorkspace  *workspace,
                                const char      *path,
                                guint            max_entries,
                                GError         **error)
{
  return forge_list_repo_dir (FORGE_LOCAL_WORKSPACE (workspace)->root, path, max_entries, error);
}

static char *
forge_local_workspace_checksum_file (ForgeWorkspace  *workspace,
                                     const char      *path,
                                     gsize            max_size,
                                     GError         **error)
{
  return forge_checksum_file (FORGE_LOCAL_WORKSPACE (workspace)->root, path, max_size, error);
}

static void
forge_local_workspace_iface_init (ForgeWorkspaceInterface *iface)
{
  iface->read_file = forge_local_workspace_read_file;
  iface->test = forge_local_workspace_test;
  iface->list_dir = forge_local_workspace_list_dir;
  iface->checksum_file = forge_local_workspace_checksum_file;
}
