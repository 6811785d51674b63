/* forge-sandbox-manager.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-sandbox"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-sandbox-manager.h"
#include "forge-sandbox-manager-private.h"
#include "forge-port-reservation.h"
#include "forge-server-probe.h"
#include "forge-util.h"

#define FAILED_STARTS_LIMIT      3
#define FAILED_STARTS_WINDOW_US  (120 * G_USEC_PER_SEC)
#define EARLY_DEATH_US           (G_USEC_PER_SEC / 2)
#define PROBE_TIMEOUT_S          5
/* A flood of server output reaches the main loop at most this often. */
#define LOG_BATCH_INTERVAL_MS    20

typedef enum
{
  STATE_STOPPED,     /* nothing running, nothing to keep alive */
  STATE_ALIVE,
  STATE_RESTARTING,
  STATE_GAVE_UP,
  STATE_IDLE,        /* hidden too long: left to expire */
} State;

static const char *state_names[] = { "stopped", "alive", "restarting", "gave-up", "idle" };

typedef struct
{
  ForgeSandboxManager *manager;          /* unowned */
  char                *project_id;

  /* Set by adopt() from any thread: under the manager's mutex. */
  ForgeSandbox        *sandbox;
  ForgeSandboxProcess *server;
  char                *preview_url;
  /* The host port of its previews, held from the first run until the
   * preview is stopped or removed (not while a new run takes over): the
   * page keeps its origin, and so its storage, across restarts. */
  ForgePortReservation *port_reservation;

  /* Main context only. */
  ForgeSandboxProcess *watched_server;   /* the one our handlers are on */
  ForgeSandbox        *watched_sandbox;
  gulong               exited_handler;
  gulong               died_handler;
  gint64               server_started;
  gboolean             watched;
  gboolean             visible;
  gint64               hidden_since;
  State                state;
  guint                heartbeat_source;
  guint                retry_source;
  GCancellable        *probe_cancellable;
  GQueue               failed_starts;    /* gint64 monotonic times */
  gint64               restart_started;
  gboolean             expired;
  /* Under the manager's mutex: restart runs ask from worker threads. */
  gboolean             restart_expected;
} Entry;

struct _ForgeSandboxManager
{
  GObject                  parent_instance;
  GMainContext            *context;
  GMutex                   mutex;
  GHashTable              *entries;   /* project id → Entry * */
  ForgeBatcher            *log_lines; /* LogLine *, from reader threads */

  guint                    keepalive_interval;
  guint                    sandbox_timeout;
  guint                    retry_delay_ms;
  gboolean                 keep_ports;  /* under mutex */
  ForgeSandboxRestartFunc  restart_func;
  gpointer                 restart_data;
  GDestroyNotify           restart_destroy;

  ForgeServerProbe        *probe;
  GNetworkMonitor         *network_monitor;
  gulong                   network_handler;
  guint                    network_check_source;
  GDBusConnection         *system_bus;
  guint                    sleep_subscription;
  GCancellable            *cancellable;
};

static void emit_log_lines (gpointer   owner,
                            GPtrArray *lines);
static void log_line_free  (gpointer   data);

enum {
  SERVER_EXITED,
  SERVER_LOG,
  SANDBOX_STATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeSandboxManager, forge_sandbox_manager, G_TYPE_OBJECT)

static void entry_check (Entry *entry);
static void entry_restart (Entry *entry);

static void
emit_state (Entry             *entry,
            ForgeSandboxState  state,
            const char        *url,
            gint64             restart_ms)
{
  /* What the server printed last comes before what became of it. */
  forge_batcher_flush (entry->manager->log_lines);
  g_signal_emit (entry->manager, signals[SANDBOX_STATE], 0, entry->project_id, state, url, restart_ms);
}

static void
entry_disconnect (Entry *entry)
{
  if (entry->watched_server != NULL)
    g_clear_signal_handler (&entry->exited_handler, entry->watched_server);
  if (entry->watched_sandbox != NULL)
    g_clear_signal_handler (&entry->died_handler, entry->watched_sandbox);
  g_clear_object (&entry->watched_server);
  g_clear_object (&entry->watched_sandbox);
}

/* Stops what runs; killing waits out grace periods on other threads. */
static void
kill_runtime (ForgeSandbox        *sandbox,
              ForgeSandboxProcess *server)
{
  if (server != NULL)
    forge_sandbox_process_kill (server);
  if (sandbox != NULL)
    forge_sandbox_kill (sandbox);
}

static void
entry_free (Entry *entry)
{
  entry_disconnect (entry);
  g_clear_handle_id (&entry->heartbeat_source, g_source_remove);
  g_clear_handle_id (&entry->retry_source, g_source_remove);
  if (entry->probe_cancellable != NULL)
    g_cancellable_cancel (entry->probe_cancellable);
  g_clear_object (&entry->probe_cancellable);

  kill_runtime (entry->sandbox, entry->server);
  g_clear_object (&entry->server);
  g_clear_object (&entry->sandbox);
  g_clear_object (&entry->port_reservation);
  g_queue_clear_full (&entry->failed_starts, g_free);
  g_free (entry->project_id);
  g_free (entry->preview_url);
  g_free (entry);
}

static Entry *
lookup_locked (ForgeSandboxManager *self,
               const char          *project_id)
{
  return project_id ? g_hash_table_lookup (self->entries, project_id) : NULL;
}

/* Entries are added from any thread (adopt) but removed only on the main
 * context, so a pointer found here stays valid there. */
static Entry *
lookup (ForgeSandboxManager *self,
        const char          *project_id)
{
  Entry *entry;

  g_mutex_lock (&self->mutex);
  entry = lookup_locked (self, project_id);
  g_mutex_unlock (&self->mutex);

  return entry;
}

static Entry *
ensure_entry_locked (ForgeSandboxManager *self,
                     const char          *project_id)
{
  Entry *entry = lookup_locked (self, project_id);

  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      entry->manager = self;
      entry->project_id = g_strdup (project_id);
      entry->visible = TRUE;
      g_queue_init (&entry->failed_starts);
      g_hash_table_insert (self->entries, entry->project_id, entry);
    }

  return entry;
}

static Entry *
ensure_entry (ForgeSandboxManager *self,
              const char          *project_id)
{
  Entry *entry;

  g_mutex_lock (&self->mutex);
  entry = ensure_entry_locked (self, project_id);
  g_mutex_unlock (&self->mutex);

  return entry;
}

static gboolean
heartbeat_cb (gpointer user_data)
{
  Entry *entry = user_data;
  ForgeSandboxManager *self = entry->manager;

  /* Nobody has looked at it for a while: let it expire. */
  if (!entry->visible && entry->hidden_since > 0 &&
      g_get_monotonic_time () - entry->hidden_since > (gint64) self->sandbox_timeout * G_USEC_PER_SEC)
    {
      entry->state = STATE_IDLE;
      entry->heartbeat_source = 0;
      return G_SOURCE_REMOVE;
    }

  entry_check (entry);
  return G_SOURCE_CONTINUE;
}

static void
arm_heartbeat (Entry *entry)
{
  g_clear_handle_id (&entry->heartbeat_source, g_source_remove);

  if (!entry->watched)
    return;

  entry->heartbeat_source = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT,
                                                        entry->manager->keepalive_interval,
                                                        heartbeat_cb, entry, NULL);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, entry->heartbeat_source),
                            "[forge] sandbox heartbeat");
}

static void
extend_timeout (Entry *entry)
{
  g_autoptr(ForgeSandbox) sandbox = forge_sandbox_manager_dup_sandbox (entry->manager, entry->project_id);
  g_autoptr(GError) error = NULL;

  if (sandbox != NULL && !forge_sandbox_set_timeout (sandbox, 2 * entry->manager->keepalive_interval, &error))
    g_debug ("Could not extend sandbox of %s: %s", entry->project_id, error->message);
}

static gboolean
record_failed_start (Entry *entry)
{
  gint64 now = g_get_monotonic_time ();

  g_queue_push_tail (&entry->failed_starts, g_memdup2 (&now, sizeof now));
  while (!g_queue_is_empty (&entry->failed_starts) &&
         now - *(gint64 *) g_queue_peek_head (&entry->failed_starts) > FAILED_STARTS_WINDOW_US)
    g_free (g_queue_pop_head (&entry->failed_starts));

  return g_queue_get_length (&entry->failed_starts) >= FAILED_STARTS_LIMIT;
}

static void
give_up (Entry *entry)
{
  entry->state = STATE_GAVE_UP;
  g_clear_handle_id (&entry->heartbeat_source, g_source_remove);
  g_clear_handle_id (&entry->retry_source, g_source_remove);
  emit_state (entry, FORGE_SANDBOX_STATE_GAVE_UP, NULL, 0);
}

/* The sandbox or its server is gone: say so, then bring it back if the
 * preview is open and someone may look at it. */
static void
entry_handle_death (Entry             *entry,
                    ForgeSandboxState  how)
{
  if (entry->state == STATE_RESTARTING || entry->state == STATE_GAVE_UP)
    return;

  emit_state (entry, how, NULL, 0);

  if (!entry->watched)
    {
      entry->state = STATE_STOPPED;
      return;
    }

  if (!entry->visible && entry->state == STATE_IDLE)
    return;

  entry_restart (entry);
}

static gboolean
retry_cb (gpointer user_data)
{
  Entry *entry = user_data;

  entry->retry_source = 0;
  entry->state = STATE_STOPPED;
  entry_restart (entry);
  return G_SOURCE_REMOVE;
}

static void
set_restart_expected (Entry    *entry,
                      gboolean  expected)
{
  g_mutex_lock (&entry->manager->mutex);
  entry->restart_expected = expected;
  g_mutex_unlock (&entry->manager->mutex);
}

gboolean
forge_sandbox_manager_expects_restart (ForgeSandboxManager *self,
                                       const char          *project_id)
{
  Entry *entry;
  gboolean expected;

  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), FALSE);

  g_mutex_lock (&self->mutex);
  entry = lookup_locked (self, project_id);
  expected = entry != NULL && entry->restart_expected;
  g_mutex_unlock (&self->mutex);

  return expected;
}

static void
entry_restart (Entry *entry)
{
  ForgeSandboxManager *self = entry->manager;
  g_autofree char *old_url = forge_sandbox_manager_dup_preview_url (self, entry->project_id);

  if (entry->state == STATE_RESTARTING)
    return;

  if (self->restart_func == NULL)
    {
      entry->state = STATE_STOPPED;
      return;
    }

  entry->state = STATE_RESTARTING;
  entry->restart_started = g_get_monotonic_time ();
  g_clear_handle_id (&entry->heartbeat_source, g_source_remove);
  set_restart_expected (entry, TRUE);
  emit_state (entry, FORGE_SANDBOX_STATE_RESTARTING, old_url, 0);

  self->restart_func (self, entry->project_id, self->restart_data);
}

void
forge_sandbox_manager_restart_finished (ForgeSandboxManager *self,
                                        const char          *project_id,
                                        gboolean             success,
                                        const char          *error_message)
{
  Entry *entry;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  entry = lookup (self, project_id);
  if (entry == NULL || entry->state != STATE_RESTARTING)
    return;

  set_restart_expected (entry, FALSE);

  if (success)
    {
      g_autofree char *url = forge_sandbox_manager_dup_preview_url (self, project_id);

      entry->state = STATE_ALIVE;
      entry->expired = FALSE;
      arm_heartbeat (entry);
      extend_timeout (entry);
      emit_state (entry, FORGE_SANDBOX_STATE_RESTORED, url, (g_get_monotonic_time () - entry->restart_started) / 1000);
      return;
    }

  g_debug ("Restart of %s failed: %s", project_id, error_message);
  if (record_failed_start (entry))
    {
      give_up (entry);
      return;
    }

  /* Try again after a pause that grows with each failure; the state stays
   * "restarting" meanwhile. */
  g_clear_handle_id (&entry->retry_source, g_source_remove);
  entry->retry_source = g_timeout_add (self->retry_delay_ms << (g_queue_get_length (&entry->failed_starts) - 1),
                                       retry_cb, entry);
}

void
forge_sandbox_manager_restart_cancelled (ForgeSandboxManager *self,
                                         const char          *project_id)
{
  Entry *entry;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  entry = lookup (self, project_id);
  if (entry == NULL || entry->state != STATE_RESTARTING)
    return;

  /* Someone else took over (a new run, Stop): no retry, no failure. */
  set_restart_expected (entry, FALSE);
  g_clear_handle_id (&entry->retry_source, g_source_remove);
  entry->state = STATE_STOPPED;
}

static void
server_exited_cb (ForgeSandboxProcess *server,
                  int                  exit_code,
                  Entry               *entry)
{
  ForgeSandboxManager *self = entry->manager;
  gboolean early = g_get_monotonic_time () - entry->server_started < EARLY_DEATH_US;
  g_autoptr(ForgeSandboxProcess) current = forge_sandbox_manager_dup_server (self, entry->project_id);

  /* A server replaced by a newer one was stopped on purpose. */
  if (server != current)
    return;

  forge_batcher_flush (self->log_lines);

  /* The log says when a limit of the sandbox ended it: a restart would
   * meet the same limit. */
  {
    g_autoptr(ForgeSandbox) sandbox = forge_sandbox_manager_dup_sandbox (self, entry->project_id);
    g_autofree char *cause = sandbox != NULL ? forge_sandbox_take_limit_report (sandbox) : NULL;

    if (cause != NULL)
      {
        /* Translators: The dev server ran out of memory (limit 4 GB). … */
        g_autofree char *line = g_strdup_printf (_("The dev server %s. Raise the limit in Preferences → Sandbox Limits if the project needs more."),
                                                 cause);

        g_message ("%s: %s", entry->project_id, line);
        g_signal_emit (self, signals[SERVER_LOG], 0, entry->project_id, "stderr", line);
      }
  }

  g_signal_emit (self, signals[SERVER_EXITED], 0, entry->project_id, exit_code);

  if (server != entry->watched_server || entry->state == STATE_RESTARTING)
    return;

  /* A server that dies right after starting did not really start. */
  if (early && entry->watched && record_failed_start (entry))
    {
      emit_state (entry, FORGE_SANDBOX_STATE_DIED, NULL, 0);
      give_up (entry);
      return;
    }

  entry_handle_death (entry, FORGE_SANDBOX_STATE_DIED);
}

static void
sandbox_died_cb (ForgeSandbox      *sandbox,
                 ForgeSandboxDeath  death,
                 Entry             *entry)
{
  g_autoptr(ForgeSandbox) current = forge_sandbox_manager_dup_sandbox (entry->manager, entry->project_id);

  if (sandbox != entry->watched_sandbox || sandbox != current || death == FORGE_SANDBOX_DEATH_KILLED)
    return;

  entry->expired = death == FORGE_SANDBOX_DEATH_EXPIRED;
  entry_handle_death (entry, entry->expired ? FORGE_SANDBOX_STATE_EXPIRED : FORGE_SANDBOX_STATE_DIED);
}

/* What worker threads hand to the main context about a project. */
typedef struct
{
  ForgeSandboxManager *manager;
  char                *project_id;
} Dispatched;

static Dispatched *
dispatched_new (ForgeSandboxManager *manager,
                const char          *project_id)
{
  Dispatched *dispatched = g_new0 (Dispatched, 1);

  dispatched->manager = g_object_ref (manager);
  dispatched->project_id = g_strdup (project_id);
  return dispatched;
}

static void
dispatched_free (gpointer data)
{
  Dispatched *dispatched = data;

  g_object_unref (dispatched->manager);
  g_free (dispatched->project_id);
  g_free (dispatched);
}

/* On the main context after adopt(): watch the new server and sandbox. */
static gboolean
adopted_cb (gpointer data)
{
  Dispatched *adopted = data;
  ForgeSandboxManager *self = adopted->manager;
  Entry *entry = lookup (self, adopted->project_id);
  g_autoptr(ForgeSandboxProcess) server = NULL;
  g_autoptr(ForgeSandbox) sandbox = NULL;

  if (entry == NULL)
    return G_SOURCE_REMOVE;

  server = forge_sandbox_manager_dup_server (self, entry->project_id);
  sandbox = forge_sandbox_manager_dup_sandbox (self, entry->project_id);
  if (server == entry->watched_server && sandbox == entry->watched_sandbox)
    return G_SOURCE_REMOVE;

  entry_disconnect (entry);
  entry->server_started = g_get_monotonic_time ();
  if (server != NULL)
    {
      entry->watched_server = g_object_ref (server);
      entry->exited_handler = g_signal_connect (server, "exited", G_CALLBACK (server_exited_cb), entry);
    }
  if (sandbox != NULL)
    {
      entry->watched_sandbox = g_object_ref (sandbox);
      entry->died_handler = g_signal_connect (sandbox, "died", G_CALLBACK (sandbox_died_cb), entry);
    }

  if (entry->state != STATE_RESTARTING)
    {
      entry->state = STATE_ALIVE;
      arm_heartbeat (entry);
    }

  /* From here on the manager decides how long the sandbox lives. */
  if (entry->watched)
    extend_timeout (entry);
  else if (sandbox != NULL)
    forge_sandbox_set_timeout (sandbox, self->sandbox_timeout, NULL);

  /* It may have died before anyone listened. */
  if (server != NULL && !forge_sandbox_process_is_running (server))
    server_exited_cb (server, forge_sandbox_process_get_exit_code (server), entry);

  return G_SOURCE_REMOVE;
}

void
forge_sandbox_manager_adopt (ForgeSandboxManager *self,
                             const char          *project_id,
                             ForgeSandbox        *sandbox,
                             ForgeSandboxProcess *server,
                             const char          *preview_url)
{
  g_autoptr(ForgeSandbox) old_sandbox = NULL;
  g_autoptr(ForgeSandboxProcess) old_server = NULL;
  Entry *entry;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));
  g_return_if_fail (project_id != NULL);
  g_return_if_fail (FORGE_IS_SANDBOX (sandbox));

  g_mutex_lock (&self->mutex);
  entry = ensure_entry_locked (self, project_id);
  old_sandbox = g_steal_pointer (&entry->sandbox);
  old_server = g_steal_pointer (&entry->server);
  entry->sandbox = g_object_ref (sandbox);
  entry->server = server ? g_object_ref (server) : NULL;
  g_free (entry->preview_url);
  entry->preview_url = g_strdup (preview_url);
  g_mutex_unlock (&self->mutex);

  /* A restart must not leave the old sandbox behind. A restore that
   * resumed it has a new handle on the same one (same id), and on the
   * same server when that kept running (same pid inside): killing the
   * old handles would kill what was just resumed. */
  if (old_sandbox != NULL && old_sandbox != sandbox &&
      g_strcmp0 (forge_sandbox_get_id (old_sandbox), forge_sandbox_get_id (sandbox)) == 0)
    {
      if (old_server != NULL && old_server != server &&
          (server == NULL || forge_sandbox_process_get_inner_pid (server) == 0 ||
           forge_sandbox_process_get_inner_pid (old_server) != forge_sandbox_process_get_inner_pid (server)))
        kill_runtime (NULL, old_server);
    }
  else if (old_sandbox != sandbox)
    kill_runtime (old_sandbox, old_server != server ? old_server : NULL);
  else if (old_server != server)
    kill_runtime (NULL, old_server);

  forge_dispatch_on_context (self->context, G_PRIORITY_DEFAULT, adopted_cb,
                             dispatched_new (self, project_id), dispatched_free);
}

static void
probe_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gboolean answered = forge_server_probe_check_finish (FORGE_SERVER_PROBE (object), result, NULL, &error);
  g_autoptr(GCancellable) cancellable = user_data;
  Entry *entry;
  ForgeSandboxManager *self;

  if (g_cancellable_is_cancelled (cancellable))
    return;
  /* Nothing that could be probed: as before, no verdict. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
    return;

  self = g_object_get_data (object, "forge-manager");
  entry = lookup (self, g_object_get_data (G_OBJECT (cancellable), "project-id"));
  if (entry == NULL || entry->state != STATE_ALIVE)
    return;

  /* Only the latest probe's answer counts. */
  if (entry->probe_cancellable == cancellable)
    g_clear_object (&entry->probe_cancellable);

  if (answered)
    {
      extend_timeout (entry);
      emit_state (entry, FORGE_SANDBOX_STATE_ALIVE, entry->preview_url, 0);
      return;
    }

  /* Running but not answering: as good as dead for the person looking. */
  entry_handle_death (entry, FORGE_SANDBOX_STATE_DIED);
}

static void
entry_check (Entry *entry)
{
  ForgeSandboxManager *self = entry->manager;
  g_autoptr(ForgeSandbox) sandbox = forge_sandbox_manager_dup_sandbox (self, entry->project_id);
  g_autoptr(ForgeSandboxProcess) server = forge_sandbox_manager_dup_server (self, entry->project_id);
  g_autofree char *url = forge_sandbox_manager_dup_preview_url (self, entry->project_id);

  if (entry->state == STATE_RESTARTING || entry->state == STATE_GAVE_UP)
    return;

  if (sandbox == NULL || !forge_sandbox_is_running (sandbox))
    {
      entry_handle_death (entry, entry->expired || sandbox != NULL ? FORGE_SANDBOX_STATE_EXPIRED : FORGE_SANDBOX_STATE_DIED);
      return;
    }

  if (server != NULL && !forge_sandbox_process_is_running (server))
    {
      entry_handle_death (entry, FORGE_SANDBOX_STATE_DIED);
      return;
    }

  if (entry->state == STATE_IDLE)
    {
      entry->state = STATE_ALIVE;
      arm_heartbeat (entry);
    }

  if (url == NULL)
    return;

  if (entry->probe_cancellable != NULL)
    g_cancellable_cancel (entry->probe_cancellable);
  g_clear_object (&entry->probe_cancellable);
  entry->probe_cancellable = g_cancellable_new ();

  g_object_set_data_full (G_OBJECT (entry->probe_cancellable), "project-id",
                          g_strdup (entry->project_id), g_free);
  forge_server_probe_check_async (self->probe, url, entry->probe_cancellable,
                                  probe_cb, g_object_ref (entry->probe_cancellable));
}

void
forge_sandbox_manager_check (ForgeSandboxManager *self,
                             const char          *project_id)
{
  Entry *entry;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  entry = lookup (self, project_id);
  if (entry != NULL && entry->watched)
    entry_check (entry);
}

void
forge_sandbox_manager_check_all (ForgeSandboxManager *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  Entry *entry;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->watched && entry->visible)
      g_ptr_array_add (ids, g_strdup (entry->project_id));
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < ids->len; i++)
    forge_sandbox_manager_check (self, g_ptr_array_index (ids, i));
}

static gboolean
network_check_cb (gpointer user_data)
{
  ForgeSandboxManager *self = user_data;

  self->network_check_source = 0;
  forge_sandbox_manager_check_all (self);
  return G_SOURCE_REMOVE;
}

/* Network changes come in bursts: check once they settle. */
static void
network_changed_cb (GNetworkMonitor     *monitor,
                    gboolean             available,
                    ForgeSandboxManager *self)
{
  g_clear_handle_id (&self->network_check_source, g_source_remove);
  self->network_check_source = g_timeout_add (500, network_check_cb, self);
}

static void
prepare_for_sleep_cb (GDBusConnection *connection,
                      const char      *sender_name,
                      const char      *object_path,
                      const char      *interface_name,
                      const char      *signal_name,
                      GVariant        *parameters,
                      gpointer         user_data)
{
  ForgeSandboxManager *self = user_data;
  gboolean going_to_sleep = FALSE;

  g_variant_get (parameters, "(b)", &going_to_sleep);
  if (!going_to_sleep)
    forge_sandbox_manager_check_all (self);
}

static void
system_bus_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_finish (result, &error);
  ForgeSandboxManager *self;

  if (bus == NULL)
    {
      /* No system bus (tests, containers): resume is noticed at the next
       * heartbeat instead. */
      g_debug ("No system bus: %s", error->message);
      return;
    }

  self = user_data;
  self->system_bus = bus;
  self->sleep_subscription =
    g_dbus_connection_signal_subscribe (bus, "org.freedesktop.login1", "org.freedesktop.login1.Manager",
                                        "PrepareForSleep", "/org/freedesktop/login1", NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, prepare_for_sleep_cb, self, NULL);
}

static void
forge_sandbox_manager_dispose (GObject *object)
{
  ForgeSandboxManager *self = FORGE_SANDBOX_MANAGER (object);

  g_cancellable_cancel (self->cancellable);
  forge_sandbox_manager_stop_all (self);

  if (self->restart_destroy != NULL)
    self->restart_destroy (self->restart_data);
  self->restart_func = NULL;
  self->restart_destroy = NULL;
  self->restart_data = NULL;

  if (self->system_bus != NULL && self->sleep_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->system_bus, self->sleep_subscription);
  self->sleep_subscription = 0;
  g_clear_object (&self->system_bus);
  if (self->network_monitor != NULL)
    g_clear_signal_handler (&self->network_handler, self->network_monitor);
  g_clear_handle_id (&self->network_check_source, g_source_remove);

  G_OBJECT_CLASS (forge_sandbox_manager_parent_class)->dispose (object);
}

static void
forge_sandbox_manager_finalize (GObject *object)
{
  ForgeSandboxManager *self = FORGE_SANDBOX_MANAGER (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);
  g_clear_pointer (&self->log_lines, forge_batcher_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->probe);
  g_clear_object (&self->cancellable);
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
  signals[SANDBOX_STATE] =
    g_signal_new ("sandbox-state", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_STRING, FORGE_TYPE_SANDBOX_STATE, G_TYPE_STRING, G_TYPE_INT64);
}

static void
forge_sandbox_manager_init (ForgeSandboxManager *self)
{
  g_mutex_init (&self->mutex);
  self->context = g_main_context_ref_thread_default ();
  self->log_lines = forge_batcher_new (self->context, G_OBJECT (self), LOG_BATCH_INTERVAL_MS,
                                       emit_log_lines, log_line_free);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
  self->keepalive_interval = 300;
  self->sandbox_timeout = 600;
  self->retry_delay_ms = 1000;
  self->keep_ports = TRUE;
  self->cancellable = g_cancellable_new ();
  self->probe = forge_server_probe_new ();
  forge_server_probe_set_timeout (self->probe, PROBE_TIMEOUT_S);
  g_object_set_data (G_OBJECT (self->probe), "forge-manager", self);

  self->network_monitor = g_network_monitor_get_default ();
  self->network_handler = g_signal_connect (self->network_monitor, "network-changed",
                                            G_CALLBACK (network_changed_cb), self);
  g_bus_get (G_BUS_TYPE_SYSTEM, self->cancellable, system_bus_cb, self);
}

ForgeSandboxManager *
forge_sandbox_manager_new (void)
{
  return g_object_new (FORGE_TYPE_SANDBOX_MANAGER, NULL);
}

void
forge_sandbox_manager_set_keepalive_interval (ForgeSandboxManager *self,
                                              guint                seconds)
{
  GHashTableIter iter;
  Entry *entry;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  self->keepalive_interval = MAX (seconds, 1);

  /* Re-arming touches only main-context fields; the lock guards the table. */
  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->heartbeat_source != 0)
      arm_heartbeat (entry);
  g_mutex_unlock (&self->mutex);
}

guint
forge_sandbox_manager_get_keepalive_interval (ForgeSandboxManager *self)
{
  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), 0);
  return self->keepalive_interval;
}

void
forge_sandbox_manager_set_sandbox_timeout (ForgeSandboxManager *self,
                                           guint                seconds)
{
  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));
  self->sandbox_timeout = MAX (seconds, 1);
}

void
forge_sandbox_manager_set_retry_delay_ms (ForgeSandboxManager *self,
                                          guint                milliseconds)
{
  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));
  self->retry_delay_ms = MAX (milliseconds, 1);
}

void
forge_sandbox_manager_set_restarter (ForgeSandboxManager     *self,
                                     ForgeSandboxRestartFunc  func,
                                     gpointer                 user_data,
                                     GDestroyNotify           destroy)
{
  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  if (self->restart_destroy != NULL)
    self->restart_destroy (self->restart_data);

  self->restart_func = func;
  self->restart_data = user_data;
  self->restart_destroy = destroy;
}

void
_forge_sandbox_manager_set_keep_ports (ForgeSandboxManager *self,
                                       gboolean             keep_ports)
{
  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  g_mutex_lock (&self->mutex);
  self->keep_ports = !!keep_ports;
  g_mutex_unlock (&self->mutex);
}

guint
forge_sandbox_manager_ensure_preview_port (ForgeSandboxManager  *self,
                                           const char           *project_id,
                                           GError              **error)
{
  g_autoptr(ForgePortReservation) reservation = NULL;
  Entry *entry;
  guint port = 0;

  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), 0);
  g_return_val_if_fail (project_id != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  /* Binding one socket is quick enough to do under the lock, and two
   * runs of one project asking at once must get the same port. */
  g_mutex_lock (&self->mutex);
  if (self->keep_ports)
    {
      entry = ensure_entry_locked (self, project_id);
      if (entry->port_reservation == NULL)
        entry->port_reservation = forge_port_reservation_new (0, error);
      if (entry->port_reservation != NULL)
        port = forge_port_reservation_get_port (entry->port_reservation);
    }
  g_mutex_unlock (&self->mutex);

  return port;
}

/* A consistent snapshot of what a project runs; NULL pointers are skipped. */
static gboolean
dup_runtime (ForgeSandboxManager  *self,
             const char           *project_id,
             ForgeSandbox        **sandbox,
             ForgeSandboxProcess **server,
             char                **preview_url)
{
  Entry *entry;

  g_mutex_lock (&self->mutex);
  entry = lookup_locked (self, project_id);
  if (entry != NULL && entry->sandbox != NULL)
    {
      if (sandbox != NULL)
        *sandbox = g_object_ref (entry->sandbox);
      if (server != NULL)
        *server = entry->server ? g_object_ref (entry->server) : NULL;
      if (preview_url != NULL)
        *preview_url = g_strdup (entry->preview_url);
    }
  g_mutex_unlock (&self->mutex);

  return entry != NULL && entry->sandbox != NULL;
}

ForgeSandbox *
forge_sandbox_manager_dup_sandbox (ForgeSandboxManager *self,
                                   const char          *project_id)
{
  ForgeSandbox *sandbox = NULL;

  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), NULL);

  dup_runtime (self, project_id, &sandbox, NULL, NULL);
  return sandbox;
}

ForgeSandboxProcess *
forge_sandbox_manager_dup_server (ForgeSandboxManager *self,
                                  const char          *project_id)
{
  ForgeSandboxProcess *server = NULL;

  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), NULL);

  dup_runtime (self, project_id, NULL, &server, NULL);
  return server;
}

char *
forge_sandbox_manager_dup_preview_url (ForgeSandboxManager *self,
                                       const char          *project_id)
{
  char *url = NULL;

  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), NULL);

  dup_runtime (self, project_id, NULL, NULL, &url);
  return url;
}

void
forge_sandbox_manager_watch (ForgeSandboxManager *self,
                             const char          *project_id)
{
  Entry *entry;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));
  g_return_if_fail (project_id != NULL);

  entry = ensure_entry (self, project_id);
  if (entry->watched)
    return;

  entry->watched = TRUE;
  if (entry->state == STATE_ALIVE)
    {
      arm_heartbeat (entry);
      extend_timeout (entry);
    }
}

void
forge_sandbox_manager_unwatch (ForgeSandboxManager *self,
                               const char          *project_id)
{
  Entry *entry;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  entry = lookup (self, project_id);
  if (entry == NULL)
    return;

  entry->watched = FALSE;
  g_clear_handle_id (&entry->heartbeat_source, g_source_remove);
  g_clear_handle_id (&entry->retry_source, g_source_remove);

  /* A restart in flight is no longer awaited; whoever unwatched decides. */
  if (entry->state == STATE_RESTARTING || entry->state == STATE_GAVE_UP)
    entry->state = STATE_STOPPED;
  set_restart_expected (entry, FALSE);
  g_queue_clear_full (&entry->failed_starts, g_free);
}

gboolean
forge_sandbox_manager_is_watched (ForgeSandboxManager *self,
                                  const char          *project_id)
{
  Entry *entry;

  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), FALSE);

  entry = lookup (self, project_id);
  return entry != NULL && entry->watched;
}

void
forge_sandbox_manager_set_visible (ForgeSandboxManager *self,
                                   const char          *project_id,
                                   gboolean             visible)
{
  Entry *entry;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  entry = lookup (self, project_id);
  if (entry == NULL || entry->visible == !!visible)
    return;

  entry->visible = !!visible;
  entry->hidden_since = visible ? 0 : g_get_monotonic_time ();

  /* Coming back: restore at once whatever expired meanwhile. */
  if (visible && entry->watched)
    {
      if (entry->state == STATE_IDLE || entry->state == STATE_STOPPED)
        {
          entry->state = STATE_ALIVE;
          arm_heartbeat (entry);
        }
      entry_check (entry);
    }
}

void
forge_sandbox_manager_restart (ForgeSandboxManager *self,
                               const char          *project_id)
{
  Entry *entry;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  entry = ensure_entry (self, project_id);
  if (entry->state == STATE_RESTARTING && entry->retry_source == 0)
    return;

  /* By hand, the count of failures starts over. */
  g_queue_clear_full (&entry->failed_starts, g_free);
  g_clear_handle_id (&entry->retry_source, g_source_remove);
  entry->state = STATE_STOPPED;
  entry_restart (entry);
}

const char *
forge_sandbox_manager_get_state (ForgeSandboxManager *self,
                                 const char          *project_id)
{
  Entry *entry;

  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), NULL);

  entry = lookup (self, project_id);
  return entry ? state_names[entry->state] : NULL;
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
  GHashTableIter iter;
  Entry *entry;
  guint n = 0;

  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (self), 0);

  g_mutex_lock (&self->mutex);
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->sandbox != NULL)
      n++;
  g_mutex_unlock (&self->mutex);

  return n;
}

typedef struct
{
  char *project_id;
  char *stream;
  char *line;
} LogLine;

static void
log_line_free (gpointer data)
{
  LogLine *log_line = data;

  g_free (log_line->project_id);
  g_free (log_line->stream);
  g_free (log_line->line);
  g_free (log_line);
}

/* One batch of server output on the main context, still one signal per
 * line for the log view and the headless output. */
static void
emit_log_lines (gpointer   owner,
                GPtrArray *lines)
{
  ForgeSandboxManager *self = owner;

  for (guint i = 0; i < lines->len; i++)
    {
      LogLine *log_line = g_ptr_array_index (lines, i);

      g_signal_emit (self, signals[SERVER_LOG], 0, log_line->project_id, log_line->stream, log_line->line);
    }
}

void
forge_sandbox_manager_log (ForgeSandboxManager *self,
                           const char          *project_id,
                           const char          *stream,
                           const char          *line)
{
  LogLine *log_line;

  g_return_if_fail (FORGE_IS_SANDBOX_MANAGER (self));

  /* A dev server can print without end, and lines of any length: batched
   * (one main loop wake-up per batch) and cut, whatever the sandbox did. */
  log_line = g_new0 (LogLine, 1);
  log_line->project_id = g_strdup (project_id);
  log_line->stream = g_strdup (stream);
  log_line->line = forge_log_line_sanitize (line);
  forge_batcher_push (self->log_lines, log_line, FALSE);
}
