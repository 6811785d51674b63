/* forge-git-private.h
 *
 * What forge-git.c shares with the other files of src/core/git: the
 * state of one clone or update (its progress, its cancellation) and how
 * its failures become errors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <git2.h>

#include "forge-git.h"

G_BEGIN_DECLS

typedef struct
{
  const char           *token;
  /* The host the token was given for: it goes nowhere else. */
  char                 *token_host;
  ForgeGitProgressFunc  progress;
  gpointer              user_data;
  GCancellable         *cancellable;
  gint64                last_report;
  int                   last_phase;
  guint64               last_current;
  guint64               last_total;
  guint                 credential_calls;
  guint                 auth_asked : 1;
  /* What the last transfer report said was received. */
  guint64               bytes;
  /* What the checkout under way writes, in bytes, counted before it
   * writes anything: the bytes of its CHECKOUT reports. */
  guint64               checkout_bytes;
  /* Files the checkout writes itself, after libgit2's: added to
   * libgit2's step count so that the fraction keeps growing. */
  guint64               checkout_extra;
  /* libgit2's step count in the checkout under way. */
  guint64               checkout_steps;
  /* One line each about submodules not fetched; NULL: g_message(). */
  GPtrArray            *notes;
} ForgeGitOperation;

gboolean  _forge_git_operation_cancelled      (ForgeGitOperation     *op);
/* Throttled to ~10 reports a second, phase changes and completions
 * excepted. */
void      _forge_git_operation_report         (ForgeGitOperation     *op,
                                               ForgeGitPhase          phase,
                                               guint64                current,
                                               guint64                total,
                                               guint64                bytes);
/* Never throttled: a report the receiver must see (the size a checkout
 * is about to write, which a disk cap looks at). */
void      _forge_git_operation_report_now     (ForgeGitOperation     *op,
                                               ForgeGitPhase          phase,
                                               guint64                current,
                                               guint64                total,
                                               guint64                bytes);
/* Progress, and cancellation between files. */
void      _forge_git_operation_setup_checkout (ForgeGitOperation     *op,
                                               git_checkout_options  *checkout_opts);

/* The one-line error for libgit2's failure rc (G_IO_ERROR_CANCELLED when
 * op was cancelled). Always FALSE. */
gboolean  _forge_git_set_error_from_libgit2   (GError               **error,
                                               ForgeGitOperation     *op,
                                               int                    rc,
                                               const char            *url);
/* FORGE_GIT_ERROR_DISK_FULL for a full disk, else message (taken). Always
 * FALSE. */
gboolean  _forge_git_set_error_from_errno     (GError               **error,
                                               int                    saved_errno,
                                               char                  *message);

G_END_DECLS
