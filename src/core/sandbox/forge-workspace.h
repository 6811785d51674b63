/* forge-workspace.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "forge-util.h"

G_BEGIN_DECLS

typedef enum
{
  FORGE_WORKSPACE_READ_DEFAULT = 0,
  /* The first max_size bytes of a file of any size (a lockfile's version
   * header), instead of refusing one that is larger. */
  FORGE_WORKSPACE_READ_HEAD    = 1 << 0,
} ForgeWorkspaceReadFlags;

/* Bounds for forge_workspace_list_dir(): a folder the workflow looks into
 * (the repository root, node_modules/.bin) holds a few thousand names. */
#define FORGE_WORKSPACE_LIST_MAX_ENTRIES 65536

#define FORGE_TYPE_WORKSPACE (forge_workspace_get_type ())

G_DECLARE_INTERFACE (ForgeWorkspace, forge_workspace, FORGE, WORKSPACE, GObject)

/* How the workflow sees a project's repository: as its sandboxes see it
 * now, the clone and whatever their commands wrote to it since
 * (node_modules, a rewritten lockfile). A provider gives it (see
 * forge_sandbox_provider_open_workspace()): the local backend reads the
 * host's clone, which its sandboxes bind; a remote one, to which the
 * clone was uploaded, answers from its side, so "is node_modules there?"
 * is asked where the install wrote it.
 *
 * Everything in it is hostile: a sandbox can have put a symlink to a
 * host file, a FIFO or a huge file at any path, and swap one for another
 * between two calls. Paths are relative to the repository's root
 * ("package.json", "node_modules/.bin/vite"); absolute ones and ".." are
 * refused, a symlink on the way is never followed, only regular files
 * are read, and every read is bounded. Errors are FORGE_REPO_FILE_ERROR.
 * All methods block and are safe from any thread: workflow steps run on
 * worker threads. */
struct _ForgeWorkspaceInterface
{
  GTypeInterface parent_iface;

  /* The regular file at @path, NUL-terminated (the NUL not counted in
   * @length); larger than @max_size: FORGE_REPO_FILE_ERROR_TOO_LARGE,
   * or its first @max_size bytes with FORGE_WORKSPACE_READ_HEAD. */
  gboolean  (*read_file)     (ForgeWorkspace           *self,
                              const char               *path,
                              gsize                     max_size,
                              ForgeWorkspaceReadFlags   flags,
                              char                    **contents,
                              gsize                    *length,
                              GError                  **error);
  /* Whether @path is one of the kinds in @test (a symlink is one only
   * for FORGE_REPO_TEST_IS_SYMLINK: it is never followed). An empty
   * @path is the root. */
  gboolean  (*test)          (ForgeWorkspace           *self,
                              const char               *path,
                              ForgeRepoTest             test);
  /* The names in the folder at @path, sorted, without "." and ".."; more
   * than @max_entries: FORGE_REPO_FILE_ERROR_TOO_LARGE. */
  char    **(*list_dir)      (ForgeWorkspace           *self,
                              const char               *path,
                              guint                     max_entries,
                              GError                  **error);
  /* Hex SHA-256 of the regular file at @path, of at most @max_size
   * bytes. A remote backend hashes on its side: a lockfile can be tens
   * of MiB. */
  char     *(*checksum_file) (ForgeWorkspace           *self,
                              const char               *path,
                              gsize                     max_size,
                              GError                  **error);
};

gboolean  forge_workspace_read_file     (ForgeWorkspace  *self,
                                         const char      *path,
                                         gsize            max_size,
                                         char           **contents,
                                         gsize           *length,
                                         GError         **error);
GBytes   *forge_workspace_read_bytes    (ForgeWorkspace  *self,
                                         const char      *path,
                                         gsize            max_size,
                                         GError         **error);
/* Up to the first @max_length bytes of a file of any size, NUL-terminated
 * (so cut wherever the bound falls); NULL when it cannot be read. */
char     *forge_workspace_read_head     (ForgeWorkspace  *self,
                                         const char      *path,
                                         gsize            max_length,
                                         GError         **error);
gboolean  forge_workspace_test          (ForgeWorkspace  *self,
                                         const char      *path,
                                         ForgeRepoTest    test);
char    **forge_workspace_list_dir      (ForgeWorkspace  *self,
                                         const char      *path,
                                         guint            max_entries,
                                         GError         **error);
char     *forge_workspace_checksum_file (ForgeWorkspace  *self,
                                         const char      *path,
                                         gsize            max_size,
                                         GError         **error);
/* Hex SHA-256 of what an install reads: @lockfile (relative to the
 * root), or package.json when there is none. An install is reusable
 * while it stays the same. */
char     *forge_workspace_dup_install_fingerprint (ForgeWorkspace  *self,
                                                   const char      *lockfile,
                                                   GError         **error);

G_END_DECLS
