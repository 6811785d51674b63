/* forge-sandbox.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-sandbox"

#include "config.h"

#include "forge-sandbox.h"

G_DEFINE_QUARK (forge-sandbox-error-quark, forge_sandbox_error)

G_DEFINE_INTERFACE (ForgeSandbox, forge_sandbox, G_TYPE_OBJECT)

enum {
  DIED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
forge_sandbox_default_init (ForgeSandboxInterface *iface)
{
  /**
   * ForgeSandbox::died:
   * @death: a #ForgeSandboxDeath, why it stopped
   *
   * Emitted once when the sandbox stops for good, on the main context
   * that was the thread default when the sandbox was created.
   */
  signals[DIED] =
    g_signal_new ("died",
                  G_TYPE_FROM_INTERFACE (iface),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  g_cclosure_marshal_VOID__INT,
                  G_TYPE_NONE, 1, G_TYPE_INT);
}

/* For backends: emits "died". Call it on the sandbox's main context. */
void
forge_sandbox_emit_died (ForgeSandbox      *self,
                         ForgeSandboxDeath  death)
{
  g_return_if_fail (FORGE_IS_SANDBOX (self));

  g_signal_emit (self, signals[DIED], 0, (int) death);
}

typedef struct
{
  ForgeSandbox      *sandbox;
  ForgeSandboxDeath  death;
} ScheduledDeath;

static gboolean
emit_scheduled_died_cb (gpointer data)
{
  ScheduledDeath *scheduled = data;

  forge_sandbox_emit_died (scheduled->sandbox, scheduled->death);
  return G_SOURCE_REMOVE;
}

static void
scheduled_death_free (gpointer data)
{
  ScheduledDeath *scheduled = data;

  g_object_unref (scheduled->sandbox);
  g_free (scheduled);
}

void
forge_sandbox_schedule_died (ForgeSandbox      *self,
                             GMainContext      *context,
                             ForgeSandboxDeath  death)
{
  g_autoptr(GSource) source = g_idle_source_new ();
  ScheduledDeath *scheduled;

  g_return_if_fail (FORGE_IS_SANDBOX (self));

  scheduled = g_new0 (ScheduledDeath, 1);
  scheduled->sandbox = g_object_ref (self);
  scheduled->death = death;
  /* Always through a source, never g_main_context_invoke(): that would
   * run the handlers on the calling thread when nobody owns @context. */
  g_source_set_static_name (source, "[forge] sandbox died");
  g_source_set_callback (source, emit_scheduled_died_cb, scheduled, scheduled_death_free);
  g_source_attach (source, context);
}

const char *
forge_sandbox_get_id (ForgeSandbox *self)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX (self), NULL);

  return FORGE_SANDBOX_GET_IFACE (self)->get_id (self);
}

gboolean
forge_sandbox_run_sync (ForgeSandbox          *self,
                        const char * const    *argv,
                        const char * const    *env,
                        const char            *cwd,
                        ForgeSandboxLineFunc   line_func,
                        gpointer               user_data,
                        int                   *exit_status,
                        GCancellable          *cancellable,
                        GError               **error)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, FALSE);
  g_return_val_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return FORGE_SANDBOX_GET_IFACE (self)->run_sync (self, argv, env, cwd,
                                                   line_func, user_data,
                                                   exit_status,
                                                   cancellable, error);
}

ForgeSandboxProcess *
forge_sandbox_spawn (ForgeSandbox          *self,
                     const char * const    *argv,
                     const char * const    *env,
                     const char            *cwd,
                     ForgeSandboxLineFunc   line_func,
                     gpointer               user_data,
                     GDestroyNotify         destroy,
                     GError               **error)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX (self), NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return FORGE_SANDBOX_GET_IFACE (self)->spawn (self, argv, env, cwd,
                                                line_func, user_data, destroy,
                                                error);
}

gboolean
forge_sandbox_get_listen_address (ForgeSandbox  *self,
                                  guint          attempt,
                                  char         **address,
                                  guint         *port,
                                  GError       **error)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (attempt > 0, FALSE);
  g_return_val_if_fail (address != NULL && port != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return FORGE_SANDBOX_GET_IFACE (self)->get_listen_address (self, attempt, address, port, error);
}

char *
forge_sandbox_expose_port (ForgeSandbox         *self,
                           ForgeSandboxProcess  *process,
                           guint                 port,
                           GError              **error)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX (self), NULL);
  g_return_val_if_fail (FORGE_IS_SANDBOX_PROCESS (process), NULL);
  g_return_val_if_fail (port > 0 && port < 65536, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return FORGE_SANDBOX_GET_IFACE (self)->expose_port (self, process, port, error);
}

gboolean
forge_sandbox_set_timeout (ForgeSandbox  *self,
                           guint          seconds,
                           GError       **error)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return FORGE_SANDBOX_GET_IFACE (self)->set_timeout (self, seconds, error);
}

gboolean
forge_sandbox_is_running (ForgeSandbox *self)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX (self), FALSE);

  return FORGE_SANDBOX_GET_IFACE (self)->is_running (self);
}

void
forge_sandbox_kill (ForgeSandbox *self)
{
  g_return_if_fail (FORGE_IS_SANDBOX (self));

  FORGE_SANDBOX_GET_IFACE (self)->kill (self);
}

gboolean
forge_sandbox_shares_host_network (ForgeSandbox *self)
{
  ForgeSandboxInterface *iface;

  g_return_val_if_fail (FORGE_IS_SANDBOX (self), FALSE);

  iface = FORGE_SANDBOX_GET_IFACE (self);
  return iface->shares_host_network != NULL && iface->shares_host_network (self);
}

char *
forge_sandbox_dup_network_note (ForgeSandbox *self)
{
  ForgeSandboxInterface *iface;

  g_return_val_if_fail (FORGE_IS_SANDBOX (self), NULL);

  iface = FORGE_SANDBOX_GET_IFACE (self);
  return iface->dup_network_note != NULL ? iface->dup_network_note (self) : NULL;
}

char *
forge_sandbox_dup_limits_note (ForgeSandbox *self)
{
  ForgeSandboxInterface *iface;

  g_return_val_if_fail (FORGE_IS_SANDBOX (self), NULL);

  iface = FORGE_SANDBOX_GET_IFACE (self);
  return iface->dup_limits_note != NULL ? iface->dup_limits_note (self) : NULL;
}

char *
forge_sandbox_take_limit_report (ForgeSandbox *self)
{
  ForgeSandboxInterface *iface;

  g_return_val_if_fail (FORGE_IS_SANDBOX (self), NULL);

  iface = FORGE_SANDBOX_GET_IFACE (self);
  return iface->take_limit_report != NULL ? iface->take_limit_report (self) : NULL;
}

char *
forge_sandbox_url_with_authority (const char *url,
                                  const char *authority)
{
  g_autofree char *base = NULL;
  g_autoptr(GUri) where = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) moved = NULL;

  g_return_val_if_fail (authority != NULL, NULL);

  /* GUri splits HOST:PORT, brackets and all, as it would in a URL. */
  base = g_strdup_printf ("http://%s/", authority);
  where = g_uri_parse (base, G_URI_FLAGS_NONE, NULL);
  if (where == NULL || g_uri_get_host (where) == NULL || *g_uri_get_host (where) == '\0' ||
      g_uri_get_port (where) <= 0)
    return NULL;
  if (url == NULL)
    return g_uri_to_string (where);

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return NULL;

  moved = g_uri_build (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (where),
                       g_uri_get_port (where), g_uri_get_path (uri), g_uri_get_query (uri), NULL);
  return g_uri_to_string (moved);
}

char **
forge_sandbox_dup_preview_urls (ForgeSandbox *self,
                                const char   *authority,
                                const char   *url)
{
  ForgeSandboxInterface *iface;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autofree char *only = NULL;

  g_return_val_if_fail (FORGE_IS_SANDBOX (self), NULL);
  g_return_val_if_fail (authority != NULL, NULL);

  iface = FORGE_SANDBOX_GET_IFACE (self);
  if (iface->dup_preview_urls != NULL)
    return iface->dup_preview_urls (self, authority, url);

  builder = g_strv_builder_new ();
  if ((only = forge_sandbox_url_with_authority (url, authority)) != NULL)
    g_strv_builder_add (builder, only);
  return g_strv_builder_end (builder);
}

gboolean
forge_sandbox_sync_workspace (ForgeSandbox             *self,
                              const char               *repo_dir,
                              ForgeSandboxProgressFunc  progress,
                              gpointer                  user_data,
                              GCancellable             *cancellable,
                              GError                  **error)
{
  ForgeSandboxInterface *iface;

  g_return_val_if_fail (FORGE_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (repo_dir != NULL, FALSE);

  iface = FORGE_SANDBOX_GET_IFACE (self);
  if (iface->sync_workspace == NULL)
    return TRUE;

  return iface->sync_workspace (self, repo_dir, progress, user_data, cancellable, error);
}

ForgeSandboxProcess *
forge_sandbox_attach_process (ForgeSandbox          *self,
                              guint64                inner_pid,
                              ForgeSandboxLineFunc   line_func,
                              gpointer               user_data,
                              GDestroyNotify         destroy,
                              GError               **error)
{
  ForgeSandboxInterface *iface;

  g_return_val_if_fail (FORGE_IS_SANDBOX (self), NULL);

  iface = FORGE_SANDBOX_GET_IFACE (self);
  if (iface->attach_process == NULL || inner_pid == 0)
    {
      /* As spawn(): @user_data is released whatever happens. */
      if (destroy != NULL)
        destroy (user_data);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "This sandbox cannot take over a running process");
      return NULL;
    }

  return iface->attach_process (self, inner_pid, line_func, user_data, destroy, error);
}
