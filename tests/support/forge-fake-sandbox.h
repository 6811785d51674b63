/* forge-fake-sandbox.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox.h"

G_BEGIN_DECLS

#define FORGE_TYPE_FAKE_SANDBOX (forge_fake_sandbox_get_type ())

G_DECLARE_FINAL_TYPE (ForgeFakeSandbox, forge_fake_sandbox, FORGE, FAKE_SANDBOX, GObject)

/* A sandbox for tests of what sits above the seam (the workflow, the
 * manager): it runs commands straight on the host, in their own process
 * group, with FORGE_SANDBOX_REPO_DIR and FORGE_SANDBOX_HOME_DIR mapped to
 * @repo_dir and @home_dir. No isolation at all: only for fixtures the
 * test wrote itself. It records what the layers above asked of it. */
ForgeFakeSandbox *forge_fake_sandbox_new                 (const char       *repo_dir,
                                                          const char       *home_dir,
                                                          guint             timeout_seconds);
/* What forge_sandbox_set_timeout() was last given, and how often. */
guint             forge_fake_sandbox_get_last_timeout    (ForgeFakeSandbox *self);
guint             forge_fake_sandbox_get_n_set_timeout   (ForgeFakeSandbox *self);
/* How many commands were started with spawn() / run_sync(). */
guint             forge_fake_sandbox_get_n_spawned       (ForgeFakeSandbox *self);
guint             forge_fake_sandbox_get_n_run           (ForgeFakeSandbox *self);
/* How often the workflow asked for the work tree, and for which folder. */
guint             forge_fake_sandbox_get_n_synced        (ForgeFakeSandbox *self);
char             *forge_fake_sandbox_dup_synced_dir      (ForgeFakeSandbox *self);
/* The next sync fails with @message (as an upload that broke off). */
void              forge_fake_sandbox_fail_next_sync      (ForgeFakeSandbox *self,
                                                          const char       *message);
/* As if the backend lost it: its processes die and "died" says CRASHED. */
void              forge_fake_sandbox_crash               (ForgeFakeSandbox *self);
/* Lets its timeout pass now, as an expiry would. */
void              forge_fake_sandbox_expire              (ForgeFakeSandbox *self);

G_END_DECLS
