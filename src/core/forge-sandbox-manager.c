/* forge-sandbox-manager.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "forge-sandbox-manager.h"
#include "forge-util.h"

typedef struct
{
  ForgeSandboxManager *manager;   /* unowned */
  char                *project_id;
  ForgeSandbox        *sandbox;
  ForgeSandboxProcess *server;
  char                *preview_url;
  gulong               exited_handler;
} Entry;

struct _ForgeSandboxManager
{
  GObject       parent_instance;
  GMainContext *context;
  GMutex        mutex;
  GHashTable *entries;   /* project id → Entry * */
};

enum {
  SERVER_EXITED,
  SERVER_LOG,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeSandboxManager, forge_sandbox_manager, G_TYPE_OBJECT)

static void
entry_free (Entry *entry)
{
  if (entry->server != NULL)
    {
      g_clear_signal_handler (&entry->exited_handler, entry->server);
      forge_sandbox_process_kill (entry->server);
    }
  if (entry->sandbox != NULL)
    forge_sandbox_kill (entry->sandbox);

  g_clear_object (&entry->server);
  g_clear_object (&entry->sandbox);
  g_free (entry->project_id);
  g_free (entry->preview_url);
  g_free (entry);
}

static void
server_exited_cb (ForgeSandboxProcess *server,
                  int                  wait_status,
                  gpointer             user_data)
{
  Entry *entry = user_data;

  g_signal_emit (entry->manager, signals[SERVER_EXITED], 0, entry->project_id, wait_status);
}

static void
forge_sandbox_manager_dispose (GObject *object)
{
  ForgeSandboxManager *self = FORGE_SANDBOX_MANAGER (object);

  forge_sandbox_manager_stop_all (self);

  G_OBJECT_CLASS (forge_sandbox_manager_parent_class)->dispose (object);
}

static void
forge_sandbox_manager_finalize (GObject *object)
{
  ForgeSandboxManager *self = FORGE_SANDBOX_MANAGER (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (forge_sandbox_manager_parent_class)->finalize (object);
}

static void
forge_sandbox_manager_class_init (ForgeSandboxManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = forge_sandbox_manager_dispose;
  object_class->finalize = forge_sandbox_manager_finalize;

  signals[SERVER_EXITED] =
    g_signal_new ("server-exited", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);
  signals[SERVER_LOG] =
    g_signal_new ("server-log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
forge_sandbox_manager_init (ForgeSandboxManager *self)
{
  g_mutex_init (&self->mutex);
  self->context = g_main_context_ref_thread_default ();
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
}

ForgeSandboxManager *
forge_sandbox_manager_new (void)
{
  return g_object_new (FORGE_TYPE_SANDBOX_MANAGER, NULL);
}

void
forge_sandbox_manager_adopt (ForgeSandboxManager *self,
                             const char          *project_id,
                             ForgeSandbox        *sandbox,
                             ForgeSandboxProcess *server,
                             const char          *preview_url)
{
  Entry *entry;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));
  g_return_if_fail (project_id != NULL);
  g_return_if_fail (FORGE_IS_SANDBOX (sandbox));

  entry = g_new0 (Entry, 1);
  entry->manager = self;
  entry->project_id = g_strdup (project_id);
  entry->sandbox = g_object_ref (sandbox);
  entry->server = server ? g_object_ref (server) : NULL;
  entry->preview_url = g_strdup (preview_url);

  /* "exited" is emitted on the main context, so the handler runs there. */
  if (entry->server != NULL)
    entry->exited_handler = g_signal_connect (entry->server, "exited", G_CALLBACK (server_exited_cb), entry);

  g_mutex_lock (&self->mutex);
  g_hash_table_replace (self->entries, entry->project_id, entry);
  g_mutex_unlock (&self->mutex);
}

ForgeSandbox *
forge_sandbox_manager_dup_sandbox (ForgeSandboxManager *self,
                                   const char          *project_id)
{
  ForgeSandbox *sandbox = NULL;
  Entry *entry;

  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), NULL);

  g_mutex_lock (&self->mutex);
  entry = g_hash_table_lookup (self->entries, project_id);
  if (entry != NULL)
    sandbox = g_object_ref (entry->sandbox);
  g_mutex_unlock (&self->mutex);

  return sandbox;
}

char *
forge_sandbox_manager_dup_preview_url (ForgeSandboxManager *self,
                                       const char          *project_id)
{
  char *url = NULL;
  Entry *entry;

  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), NULL);

  g_mutex_lock (&self->mutex);
  entry = g_hash_table_lookup (self->entries, project_id);
  if (entry != NULL)
    url = g_strdup (entry->preview_url);
  g_mutex_unlock (&self->mutex);

  return url;
}

gboolean
forge_sandbox_manager_stop (ForgeSandboxManager *self,
                            const char          *project_id)
{
  Entry *entry = NULL;
  gpointer key;

  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), FALSE);

  g_mutex_lock (&self->mutex);
  if (!g_hash_table_steal_extended (self->entries, project_id, &key, (gpointer *) &entry))
    entry = NULL;
  g_mutex_unlock (&self->mutex);

  /* Killing can wait out a grace period: never while holding the lock. */
  if (entry != NULL)
    entry_free (entry);

  return entry != NULL;
}

void
forge_sandbox_manager_stop_all (ForgeSandboxManager *self)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  GHashTableIter iter;
  Entry *entry;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    {
      g_ptr_array_add (entries, entry);
      g_hash_table_iter_steal (&iter);
    }
  g_mutex_unlock (&self->mutex);
}

guint
forge_sandbox_manager_get_n_sandboxes (ForgeSandboxManager *self)
{
  guint n;

  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), 0);

  g_mutex_lock (&self->mutex);
  n = g_hash_table_size (self->entries);
  g_mutex_unlock (&self->mutex);

  return n;
}

typedef struct
{
  ForgeSandboxManager *manager;
  char                *project_id;
  char                *stream;
  char                *line;
} LogLine;

static void
log_line_free (gpointer data)
{
  LogLine *log_line = data;

  g_object_unref (log_line->manager);
  g_free (log_line->project_id);
  g_free (log_line->stream);
  g_free (log_line->line);
  g_free (log_line);
}

static gboolean
emit_log_line (gpointer data)
{
  LogLine *log_line = data;

  g_signal_emit (log_line->manager, signals[SERVER_LOG], 0, log_line->project_id, log_line->stream, log_line->line);
  return G_SOURCE_REMOVE;
}

void
forge_sandbox_manager_log (ForgeSandboxManager *self,
                           const char          *project_id,
                           const char          *stream,
                           const char          *line)
{
  LogLine *log_line;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  log_line = g_new0 (LogLine, 1);
  log_line->manager = g_object_ref (self);
  log_line->project_id = g_strdup (project_id);
  log_line->stream = g_strdup (stream);
  log_line->line = g_strdup (line);
  forge_dispatch_on_context (self->context, G_PRIORITY_DEFAULT, emit_log_line, log_line, log_line_free);
}
