/* forge-git-checkout-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <git2.h>

#include "forge-git-private.h"

G_BEGIN_DECLS

/* What a checkout writes without holding a file whole in memory: blobs
 * from this size up. */
#define FORGE_GIT_STREAM_THRESHOLD_DEFAULT (G_GUINT64_CONSTANT (32) * 1024 * 1024)
/* The most a file may need in memory when it cannot be streamed (a delta
 * in the pack, or converted by .gitattributes): git's own
 * core.bigFileThreshold, above which git stores files whole, never as a
 * delta. */
#define FORGE_GIT_MEMORY_BOUND_DEFAULT     (G_GUINT64_CONSTANT (512) * 1024 * 1024)

/* Checks out commit's tree into the work tree repo is set to, which must
 * be a fresh, empty folder that only this process reaches (nothing there
 * can race with the writes, nor point them elsewhere). The size of what
 * it writes goes first to op's progress (phase CHECKOUT, bytes = that
 * size) before anything is written; a progress function that cancels
 * then stops it. Blobs of FORGE_GIT_STREAM_THRESHOLD_DEFAULT and more
 * are left out of libgit2's checkout, which would hold each whole in
 * memory, and are inflated from the pack (or the loose object) to their
 * file in chunks; their index entries are added, and the index is
 * written, so that the work tree reads as clean. */
gboolean  _forge_git_checkout               (git_repository     *repo,
                                             git_commit         *commit,
                                             const char         *url,
                                             ForgeGitOperation  *op,
                                             GError            **error);

/* For tests: the thresholds above (0: back to the default). */
void      _forge_git_checkout_set_limits    (guint64             stream_threshold,
                                             guint64             memory_bound);

G_END_DECLS
