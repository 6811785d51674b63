/* forge-git.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FORGE_GIT_ERROR (forge_git_error_quark ())

typedef enum
{
  FORGE_GIT_ERROR_FAILED,
  FORGE_GIT_ERROR_INVALID_URL,
  FORGE_GIT_ERROR_HOST_NOT_FOUND,
  FORGE_GIT_ERROR_NOT_FOUND,
  FORGE_GIT_ERROR_AUTH_REQUIRED,
  FORGE_GIT_ERROR_NETWORK,
  FORGE_GIT_ERROR_DISK_FULL,
  FORGE_GIT_ERROR_CANCELLED,
} ForgeGitError;

typedef enum
{
  FORGE_GIT_PHASE_RECEIVING,   /* objects received / total objects */
  FORGE_GIT_PHASE_RESOLVING,   /* deltas indexed / total deltas */
  FORGE_GIT_PHASE_CHECKOUT,    /* files checked out / total files */
} ForgeGitPhase;

/* current/total in the phase's unit; bytes is what was received so far. */
typedef void (*ForgeGitProgressFunc) (ForgeGitPhase  phase,
                                      guint64        current,
                                      guint64        total,
                                      guint64        bytes,
                                      gpointer       user_data);

GQuark    forge_git_error_quark       (void);

/* Turns what a person typed into a URL libgit2 understands:
 * "owner/repo" → https://github.com/owner/repo.git, "/a/path" or "./p"
 * → file:///a/path; https, http, git, file and ssh-style URLs pass
 * through. Rejects URLs carrying credentials ("user:token@"). */
char     *forge_git_normalize_url     (const char            *input,
                                       GError               **error);
/* "github.com" for https://github.com/…; NULL for file URLs. */
char     *forge_git_dup_host          (const char            *url);
/* owner and repo for hosted URLs (github.com/owner/repo(.git)). */
gboolean  forge_git_parse_owner_repo  (const char            *url,
                                       char                 **owner,
                                       char                 **repo);

/* Clones url, or, when git_dir already holds a clone of it, fetches and
 * hard-resets to the upstream branch. git_dir is the repository (objects,
 * refs, config), which only this process may ever write; work_tree is
 * where the files are checked out, which a sandbox may write: it never
 * holds a .git, and the host never reads git state from it. Both must be
 * on one file system; their parent folders must not be writable by a
 * sandbox either. Whatever is at work_tree while git_dir holds no clone
 * is removed; every update checks out afresh and replaces work_tree,
 * keeping only its node_modules. token may be NULL; it is handed to
 * libgit2 through the credentials callback only, never written anywhere.
 * Blocking: call from a worker thread. On success *head_oid (if not NULL)
 * is the checked-out commit. Cancellation fails with
 * G_IO_ERROR_CANCELLED (not FORGE_GIT_ERROR_CANCELLED), like GIO. */
gboolean  forge_git_clone_or_update   (const char            *url,
                                       const char            *git_dir,
                                       const char            *work_tree,
                                       const char            *token,
                                       ForgeGitProgressFunc   progress,
                                       gpointer               user_data,
                                       char                 **head_oid,
                                       GCancellable          *cancellable,
                                       GError               **error);

/* Maps a libgit2 failure (return code, git_error class and message) to a
 * ForgeGitError; exposed for tests. */
ForgeGitError forge_git_classify_error    (int                    git_code,
                                           int                    error_class,
                                           const char            *message);
/* The one-line, translated message shown for code; detail is libgit2's
 * text, only used for FORGE_GIT_ERROR_FAILED. */
char     *forge_git_dup_error_message (ForgeGitError          code,
                                       const char            *url,
                                       gboolean               had_token,
                                       const char            *detail);

G_END_DECLS
