/* forge-workspace-archive.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A work tree as one tar stream (POSIX ustar, with pax headers for long
 * names), to upload to a remote sandbox and unpack there.
 *
 * What goes in, and why:
 * - folders and regular files, with their permission bits (no set-id
 *   bits), their modification time, owner 0;
 * - never ".git" or "node_modules", at any depth: the history stays on
 *   the desktop and dependencies are installed inside;
 * - a symbolic link only when its target is relative and stays inside
 *   the tree, going only through real folders of the tree ("docs/a.md",
 *   "../lib/x" from a sub-folder): a link out of it, an absolute one, or
 *   one through another link is skipped, so that nothing unpacked can
 *   point the sandbox's servers at files outside the project;
 * - no FIFOs, sockets or devices (skipped).
 * Everything is reached as forge_open_repo_file() reaches a file: each
 * folder opened with O_NOFOLLOW below a trusted root, files opened
 * non-blocking and accepted only when fstat() says they are regular, so
 * a symlink is never followed on the desktop and a FIFO never blocks.
 * Entries are sorted, so the same tree gives the same bytes. */

/* Above it, a project is not one to preview (and would take long to
 * upload): the tar's size, before compression. */
#define FORGE_WORKSPACE_ARCHIVE_MAX_SIZE ((guint64) 2 * 1024 * 1024 * 1024)

typedef enum
{
  FORGE_WORKSPACE_ARCHIVE_PLAIN,
  FORGE_WORKSPACE_ARCHIVE_GZIP,
} ForgeWorkspaceArchiveCompression;

/* @bytes_done: of the tar before compression, so far. */
typedef void (*ForgeWorkspaceArchiveProgressFunc) (guint64   bytes_done,
                                                   gpointer  user_data);

/* Writes the tree at @root_dir to @output (NULL: only the hash is
 * computed, to see whether an upload is needed at all). @sha256 gets the
 * hex SHA-256 of the tar before compression (the same for the same tree
 * whatever the compression), @size its size. Above @max_size bytes:
 * FORGE_REPO_FILE_ERROR_TOO_LARGE, before anything that large is read.
 * Blocks; @output is not closed. */
gboolean forge_workspace_archive_write (const char                         *root_dir,
                                        GOutputStream                      *output,
                                        ForgeWorkspaceArchiveCompression    compression,
                                        guint64                             max_size,
                                        ForgeWorkspaceArchiveProgressFunc   progress,
                                        gpointer                            progress_data,
                                        char                              **sha256,
                                        guint64                            *size,
                                        GCancellable                       *cancellable,
                                        GError                            **error);

G_END_DECLS
