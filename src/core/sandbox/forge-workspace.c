/* forge-workspace.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-sandbox"

#include "config.h"

#include "forge-workspace.h"

G_DEFINE_INTERFACE (ForgeWorkspace, forge_workspace, G_TYPE_OBJECT)

static void
forge_workspace_default_init (ForgeWorkspaceInterface *iface)
{
}

gboolean
forge_workspace_read_file (ForgeWorkspace  *self,
                           const char      *path,
                           gsize            max_size,
                           char           **contents,
                           gsize           *length,
                           GError         **error)
{
  g_return_val_if_fail (FORGE_IS_WORKSPACE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (contents != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return FORGE_WORKSPACE_GET_IFACE (self)->read_file (self, path, max_size, FORGE_WORKSPACE_READ_DEFAULT,
                                                      contents, length, error);
}

GBytes *
forge_workspace_read_bytes (ForgeWorkspace  *self,
                            const char      *path,
                            gsize            max_size,
                            GError         **error)
{
  char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (FORGE_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!FORGE_WORKSPACE_GET_IFACE (self)->read_file (self, path, max_size, FORGE_WORKSPACE_READ_DEFAULT,
                                                    &contents, &length, error))
    return NULL;

  return g_bytes_new_take (contents, length);
}

char *
forge_workspace_read_head (ForgeWorkspace  *self,
                           const char      *path,
                           gsize            max_length,
                           GError         **error)
{
  char *contents = NULL;

  g_return_val_if_fail (FORGE_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!FORGE_WORKSPACE_GET_IFACE (self)->read_file (self, path, max_length, FORGE_WORKSPACE_READ_HEAD,
                                                    &contents, NULL, error))
    return NULL;

  return contents;
}

gboolean
forge_workspace_test (ForgeWorkspace *self,
                      const char     *path,
                      ForgeRepoTest   test)
{
  g_return_val_if_fail (FORGE_IS_WORKSPACE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  return FORGE_WORKSPACE_GET_IFACE (self)->test (self, path, test);
}

char **
forge_workspace_list_dir (ForgeWorkspace  *self,
                          const char      *path,
                          guint            max_entries,
                          GError         **error)
{
  g_return_val_if_fail (FORGE_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return FORGE_WORKSPACE_GET_IFACE (self)->list_dir (self, path, max_entries, error);
}

char *
forge_workspace_checksum_file (ForgeWorkspace  *self,
                               const char      *path,
                               gsize            max_size,
                               GError         **error)
{
  g_return_val_if_fail (FORGE_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return FORGE_WORKSPACE_GET_IFACE (self)->checksum_file (self, path, max_size, error);
}

char *
forge_workspace_dup_install_fingerprint (ForgeWorkspace  *self,
                                         const char      *lockfile,
                                         GError         **error)
{
  g_return_val_if_fail (FORGE_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Read like any other file: the last install's sandbox could have left
   * the lockfile a link to a host file, or a FIFO. */
  return forge_workspace_checksum_file (self, lockfile != NULL ? lockfile : "package.json",
                                        FORGE_REPO_LOCKFILE_MAX_SIZE, error);
}
