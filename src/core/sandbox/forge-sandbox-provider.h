/* forge-sandbox-provider.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox.h"
#include "forge-sandbox-limits.h"
#include "forge-workspace.h"

G_BEGIN_DECLS

/* What a workflow asks of a backend for one project's sandbox. Plain and
 * borrowed: it lives on the caller's stack for the one call, and a
 * backend copies whatever it keeps. */
typedef struct
{
  const char *project_id;
  /* The project's folder on the host: its "repo" (the clone), "home"
   * (the sandbox's home, kept between runs) and "npm-cache". A local
   * backend binds parts of it; a remote one uploads the repository. */
  const char *workspace_dir;
  /* The clone, bound at FORGE_SANDBOX_REPO_DIR inside. */
  const char *repo_dir;
  /* Seconds the sandbox lives without a forge_sandbox_set_timeout();
   * 0 for no limit. */
  guint       timeout_seconds;
  /* The clone used a token: the repository (and so its packages) may be
   * private, and must not share caches with other projects. */
  gboolean    cloned_with_token;
  /* What a sandbox on this computer may use; NULL for the defaults. A
   * remote backend has its own (its template's). */
  const ForgeSandboxLimits *limits;
  /* The host port the project's previews are served on, held by the
   * sandbox manager while the preview is open (so that the page keeps
   * its origin, and with it its storage, across restarts). A backend
   * whose previews come through host ports serves there; 0 for none. */
  guint       preview_port;
} ForgeSandboxRequest;

#define FORGE_TYPE_SANDBOX_PROVIDER (forge_sandbox_provider_get_type ())

G_DECLARE_INTERFACE (ForgeSandboxProvider, forge_sandbox_provider, FORGE, SANDBOX_PROVIDER, GObject)

/* A sandbox backend ("local", later "e2b"): the one way the workflow gets
 * a ForgeSandbox, so that it never knows which kind it runs in.
 * create_sandbox() and reconnect() are called from workflow worker
 * threads and may block; the sandbox's "died" signal then comes on that
 * thread's default main context, as with any sandbox. */
struct _ForgeSandboxProviderInterface
{
  GTypeInterface parent_iface;

  /* The name projects store and --backend takes; fixed for the
   * provider's life. */
  const char   *(*get_name)       (ForgeSandboxProvider       *self);
  /* Whether sandboxes can be made here at all; when not, a
   * FORGE_SANDBOX_ERROR_UNAVAILABLE with a one-line reason (no bwrap,
   * no API key). */
  gboolean      (*is_available)   (ForgeSandboxProvider       *self,
                                   GError                    **error);
  ForgeSandbox *(*create_sandbox) (ForgeSandboxProvider       *self,
                                   const ForgeSandboxRequest  *request,
                                   GError                    **error);
  /* A sandbox this provider made earlier (maybe in another process), by
   * its forge_sandbox_get_id(); FORGE_SANDBOX_ERROR_NOT_RUNNING when it
   * is gone. For backends whose sandboxes outlive the app. */
  ForgeSandbox *(*reconnect)      (ForgeSandboxProvider       *self,
                                   const char                 *sandbox_id,
                                   GError                    **error);
  /* The project's repository as this provider's sandboxes see it, for
   * the workflow to read (package.json, lockfiles, node_modules): the
   * clone stays on the host (@request's repo_dir), and the provider
   * makes it available to its sandboxes, by binding it or by uploading
   * it. Called from worker threads; may block. */
  ForgeWorkspace *(*open_workspace) (ForgeSandboxProvider       *self,
                                     const ForgeSandboxRequest  *request,
                                     GError                    **error);
  /* Optional: the backend as people call it ("This Computer"), for
   * choosers. Translated; fixed for the provider's life. Without it,
   * forge_sandbox_provider_get_display_name() falls back to a title for
   * the names it knows, else to the name. */
  const char   *(*get_display_name) (ForgeSandboxProvider     *self);
};

const char   *forge_sandbox_provider_get_name       (ForgeSandboxProvider       *self);
gboolean      forge_sandbox_provider_is_available   (ForgeSandboxProvider       *self,
                                                     GError                    **error);
ForgeSandbox *forge_sandbox_provider_create_sandbox (ForgeSandboxProvider       *self,
                                                     const ForgeSandboxRequest  *request,
                                                     GError                    **error);
ForgeSandbox *forge_sandbox_provider_reconnect      (ForgeSandboxProvider       *self,
                                                     const char                 *sandbox_id,
                                                     GError                    **error);
ForgeWorkspace *forge_sandbox_provider_open_workspace (ForgeSandboxProvider       *self,
                                                       const ForgeSandboxRequest  *request,
                                                       GError                    **error);
/* Never NULL. */
const char   *forge_sandbox_provider_get_display_name (ForgeSandboxProvider     *self);

G_END_DECLS
