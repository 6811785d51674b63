/* forge-local-sandbox.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox.h"
#include "forge-sandbox-limits.h"

G_BEGIN_DECLS

#define FORGE_TYPE_LOCAL_SANDBOX (forge_local_sandbox_get_type ())

G_DECLARE_FINAL_TYPE (ForgeLocalSandbox, forge_local_sandbox, FORGE, LOCAL_SANDBOX, GObject)

/* A sandbox made of bubblewrap containers on this computer: every command
 * is its own bwrap (own user, PID, IPC and network namespaces; no nested
 * user namespaces) sharing @repo_dir (read-write at FORGE_SANDBOX_REPO_DIR)
 * and @home_dir (at FORGE_SANDBOX_HOME_DIR: one per project, kept between
 * runs). Each command gets a network of its own through slirp4netns, with
 * no route to the host's loopback; forge_sandbox_expose_port() forwards a
 * port of a server to the host. Without slirp4netns the host's network is
 * shared (see forge_local_sandbox_has_own_network()).
 * @timeout_seconds: 0 for no time limit. */
/* Whether sandboxes can run on this computer (bubblewrap present, able to
 * forbid user namespaces, a supported architecture); when not, a
 * FORGE_SANDBOX_ERROR_UNAVAILABLE saying why in one line. Runs bwrap the
 * first time. */
gboolean           forge_local_sandbox_check_available    (GError            **error);
ForgeLocalSandbox *forge_local_sandbox_new                (const char         *repo_dir,
                                                           const char         *home_dir,
                                                           guint               timeout_seconds,
                                                           GError            **error);
/* Inside Flatpak, commands run in the portal's sub-sandbox, or with
 * @flatpak_host in bubblewrap on the host (flatpak-spawn --host, with
 * the host's bwrap and Node); outside, @flatpak_host changes nothing. */
gboolean           forge_local_sandbox_check_available_full (gboolean         flatpak_host,
                                                             GError         **error);
ForgeLocalSandbox *forge_local_sandbox_new_full           (const char         *repo_dir,
                                                           const char         *home_dir,
                                                           guint               timeout_seconds,
                                                           gboolean            flatpak_host,
                                                           GError            **error);
/* Shares the host's network instead of giving each command its own; for
 * the fallback and its tests. Call before the first command. */
/* Holds the sandbox to @limits from its next command on; set once,
 * before the first one that should be held. */
void               forge_local_sandbox_set_limits         (ForgeLocalSandbox        *self,
                                                           const ForgeSandboxLimits *limits);
/* The most memory (bytes) and tasks its commands have used together; 0
 * when unknown (no limits set). */
guint64            forge_local_sandbox_get_memory_peak    (ForgeLocalSandbox  *self);
guint64            forge_local_sandbox_get_tasks_peak     (ForgeLocalSandbox  *self);
/* "cgroup v1" or "cgroup v2" when a cgroup holds it; NULL otherwise. */
const char        *forge_local_sandbox_get_cgroup_kind    (ForgeLocalSandbox  *self);
void               forge_local_sandbox_set_shared_network (ForgeLocalSandbox  *self,
                                                           gboolean            shared);
gboolean           forge_local_sandbox_has_own_network    (ForgeLocalSandbox  *self);
/* The host port the project's previews are served on (see
 * ForgeSandboxRequest's preview_port): the first listen address offered
 * has it, and it is forwarded under the same number when it can be.
 * Call before the first command; 0 for none. */
void               forge_local_sandbox_set_preview_port   (ForgeLocalSandbox  *self,
                                                           guint               port);
/* Without a network of its own: a one-line "Network not isolated: why,
 * and what to do"; NULL otherwise. */
const char        *forge_local_sandbox_get_network_problem (ForgeLocalSandbox *self);
/* npm's cache: @project_dir (this project's, at /var/cache/npm inside)
 * but for its content-addressed part, in @shared_dir (every project's).
 * npm checks every entry it reads there against the integrity hash it
 * asked for, so a project can spoil it for others only to the point of a
 * download; the index that maps addresses to hashes stays the project's.
 * Both must be folders only the host writes in (not inside the home).
 * Call before the first command; NULL, NULL for none. */
void               forge_local_sandbox_set_package_cache  (ForgeLocalSandbox  *self,
                                                           const char         *shared_dir,
                                                           const char         *project_dir);

G_END_DECLS
