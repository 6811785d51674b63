/* forge-git.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "forge-repo-spec.h"

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
  /* The branch, tag or pull request is not on the remote. */
  FORGE_GIT_ERROR_REF_NOT_FOUND,
  /* The work tree has changes (files edited, added or removed outside
   * node_modules and ignored paths): pull refuses to drop them. */
  FORGE_GIT_ERROR_DIRTY,
  /* The remote's history no longer contains what is checked out (a
   * force-push): no fast-forward is possible. */
  FORGE_GIT_ERROR_DIVERGED,
  /* A file the checkout can only write whole in memory (a delta in the
   * pack, or one .gitattributes converts) is bigger than it may hold. */
  FORGE_GIT_ERROR_TOO_BIG,
} ForgeGitError;

typedef enum
{
  FORGE_GIT_PHASE_RECEIVING,   /* objects received / total objects */
  FORGE_GIT_PHASE_RESOLVING,   /* deltas indexed / total deltas */
  FORGE_GIT_PHASE_CHECKOUT,    /* files checked out / total files */
} ForgeGitPhase;

/* current/total in the phase's unit; bytes is what was received so far,
 * and in the CHECKOUT phase what the checkout writes in all (the sizes
 * of its files, submodules' included as they come), reported before it
 * writes anything: a progress function that cancels then (a disk cap)
 * stops it with nothing written. */
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

/* Reads what a person typed or pasted: anything
 * forge_git_normalize_url() takes, plus
 *   https://HOST/OWNER/REPO/tree/BRANCH[/SUBDIR]   (any http(s) host:
 *                                                    github.com, GitHub
 *                                                    Enterprise, loopback)
 *   https://HOST/OWNER/REPO/pull/N[/files|/commits…] → refs/pull/N/head
 *   https://HOST/OWNER/REPO/releases/tag/TAG        → refs/tags/TAG
 *   OWNER/REPO#BRANCH and https://…/REPO#BRANCH
 * A /tree/ path of one segment is a branch; with several segments the
 * split between branch (which may hold '/') and folder is only known
 * from the remote, so the ref is "tree:PATH" (FORGE_GIT_REF_TREE), which
 * forge_git_resolve_tree_path() turns into the longest branch or tag
 * that exists, as GitHub does. Names are percent-decoded, then checked:
 * no credentials, no "..", no spaces or control characters, at most 255
 * bytes a name. No network access. */
ForgeRepoSpec *forge_git_parse_repo_spec (const char            *input,
                                          GError               **error);

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
 * G_IO_ERROR_CANCELLED (not FORGE_GIT_ERROR_CANCELLED), like GIO.
 * Every checkout (here and below) reports what it will write before
 * writing (see ForgeGitProgressFunc) and streams big files from the pack
 * instead of holding them in memory; one that can only be put together
 * in memory (a delta, a file .gitattributes converts) and is bigger than
 * 512 MiB fails with FORGE_GIT_ERROR_TOO_BIG. */
gboolean  forge_git_clone_or_update   (const char            *url,
                                       const char            *git_dir,
                                       const char            *work_tree,
                                       const char            *token,
                                       ForgeGitProgressFunc   progress,
                                       gpointer               user_data,
                                       char                 **head_oid,
                                       GCancellable          *cancellable,
                                       GError               **error);

/* forge_git_clone_or_update() for a ref (see forge-repo-spec.h; not
 * "tree:"): a fresh clone checks it out; an existing clone fetches it
 * and moves to it (a branch becomes the local branch, tracking
 * origin's; a tag or a pull request is checked out detached), checking
 * out afresh and keeping node_modules, whatever the work tree held
 * (local changes and a diverged history are dropped): resetting a
 * project to the remote is this. NULL: the branch the clone is on (the
 * default branch when new).
 *
 * Every clone and update checks out the submodules the commit records,
 * recursively (3 levels, 50 in all), each into a bare git directory
 * under git_dir/modules/ and its files into work_tree, which still gets
 * no .git. Their addresses may be https, http, ssh or git, or relative
 * to the parent's address; a local path or file:// only when the parent
 * is local itself; a path that leaves work_tree is refused. The token
 * goes only to the parent's host. notes (may be NULL, then the lines go
 * to g_message()): on success, one line each about the submodules that
 * were not fetched (refused by that policy, unreachable, needing
 * access), NULL-terminated, empty when all were. */
gboolean  forge_git_clone_or_update_ref (const char          *url,
                                         const char          *ref,
                                         const char          *git_dir,
                                         const char          *work_tree,
                                         const char          *token,
                                         ForgeGitProgressFunc progress,
                                         gpointer             user_data,
                                         char               **head_oid,
                                         char              ***notes,
                                         GCancellable        *cancellable,
                                         GError             **error);
/* Fetches ref and fast-forwards to it. Fails with FORGE_GIT_ERROR_DIRTY
 * (before any network access) when the work tree differs from the
 * checked-out commit outside node_modules, ignored paths and an install's
 * untracked lockfile, and with FORGE_GIT_ERROR_DIVERGED when the remote
 * no longer contains the checked-out commit; nothing changes then. Up to
 * date: nothing changes and *updated is FALSE. Without a clone yet it
 * clones. Other arguments as forge_git_clone_or_update_ref(). */
gboolean  forge_git_pull                (const char          *url,
                                         const char          *ref,
                                         const char          *git_dir,
                                         const char          *work_tree,
                                         const char          *token,
                                         ForgeGitProgressFunc progress,
                                         gpointer             user_data,
                                         char               **head_oid,
                                         gboolean            *updated,
                                         char              ***notes,
                                         GCancellable        *cancellable,
                                         GError             **error);
/* Whether work_tree differs from the commit git_dir has checked out, as
 * forge_git_pull() decides. *first_path (may be NULL): one changed path,
 * for a message. Reads the work tree without following symlinks;
 * special files (FIFOs, sockets, devices) count as changes and are
 * never opened. Blocking. */
gboolean  forge_git_work_tree_is_dirty  (const char          *git_dir,
                                         const char          *work_tree,
                                         char               **first_path,
                                         GError             **error);
/* The branch names (without refs/heads/) on the remote, sorted, via
 * ls-remote; *default_branch (may be NULL) is where its HEAD points, or
 * NULL. For hosts without an API; token as for clones. Blocking. */
char    **forge_git_list_remote_branches (const char          *url,
                                          const char          *token,
                                          char               **default_branch,
                                          GCancellable        *cancellable,
                                          GError             **error);
/* Splits a /tree/ path ("feature/x/docs") into the longest prefix that
 * is a branch or tag on the remote (*ref: its full name) and the rest
 * (*subdir, NULL when empty). FORGE_GIT_ERROR_REF_NOT_FOUND when no
 * prefix is. Blocking. */
gboolean  forge_git_resolve_tree_path   (const char          *url,
                                         const char          *tree_path,
                                         const char          *token,
                                         char               **ref,
                                         char               **subdir,
                                         GCancellable        *cancellable,
                                         GError             **error);
/* The commit and the ref git_dir has checked out ("refs/heads/main", or
 * NULL when detached); FALSE when there is no clone. No network. */
gboolean  forge_git_dup_head            (const char          *git_dir,
                                         char               **head_oid,
                                         char               **head_ref);

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
