/* forge-sandbox.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "forge-sandbox-process.h"

G_BEGIN_DECLS

#define FORGE_SANDBOX_ERROR (forge_sandbox_error_quark ())

typedef enum
{
  FORGE_SANDBOX_ERROR_FAILED,
  FORGE_SANDBOX_ERROR_UNAVAILABLE,   /* the backend cannot run here (no bwrap, no API key) */
  FORGE_SANDBOX_ERROR_NOT_RUNNING,   /* killed or expired */
  FORGE_SANDBOX_ERROR_SPAWN_FAILED,
} ForgeSandboxError;

typedef enum
{
  FORGE_SANDBOX_DEATH_KILLED,        /* forge_sandbox_kill() */
  FORGE_SANDBOX_DEATH_EXPIRED,       /* its timeout passed */
  FORGE_SANDBOX_DEATH_CRASHED,       /* the backend lost it */
} ForgeSandboxDeath;

/* Inside every sandbox the repository is here, read-write. */
#define FORGE_SANDBOX_REPO_DIR "/home/user/repo"
#define FORGE_SANDBOX_HOME_DIR "/home/user"

/* Bytes done of @total (0 when unknown so far). */
typedef void (*ForgeSandboxProgressFunc) (guint64  done,
                                          guint64  total,
                                          gpointer user_data);

#define FORGE_TYPE_SANDBOX (forge_sandbox_get_type ())

G_DECLARE_INTERFACE (ForgeSandbox, forge_sandbox, FORGE, SANDBOX, GObject)

/* All methods are safe to call from any thread: workflow steps run on
 * worker threads. The "died" signal is emitted once, on the main context
 * that was the thread default when the sandbox was created. */
struct _ForgeSandboxInterface
{
  GTypeInterface parent_iface;

  const char          *(*get_id)      (ForgeSandbox          *self);
  /* Runs a command in the foreground, blocking the calling (worker)
   * thread; @line_func gets each output line as it comes (never two at
   * once). @env holds KEY=VALUE entries added to a minimal environment;
   * @cwd defaults to FORGE_SANDBOX_REPO_DIR. Returns TRUE when the command
   * ran, with its exit code in @exit_status (128+N when killed by signal
   * N, as in a shell). Cancelling stops it and fails with
   * G_IO_ERROR_CANCELLED. */
  gboolean             (*run_sync)    (ForgeSandbox          *self,
                                       const char * const    *argv,
                                       const char * const    *env,
                                       const char            *cwd,
                                       ForgeSandboxLineFunc   line_func,
                                       gpointer               user_data,
                                       int                   *exit_status,
                                       GCancellable          *cancellable,
                                       GError               **error);
  /* Starts a command in the background; @line_func is called from another
   * thread and @destroy once no more lines will come (also on failure). */
  ForgeSandboxProcess *(*spawn)       (ForgeSandbox          *self,
                                       const char * const    *argv,
                                       const char * const    *env,
                                       const char            *cwd,
                                       ForgeSandboxLineFunc   line_func,
                                       gpointer               user_data,
                                       GDestroyNotify         destroy,
                                       GError               **error);
  /* Where a server inside should listen for the host to reach it: an
   * address (0.0.0.0 in a network of its own, 127.0.0.1 when the host's
   * is shared) and a port to use inside. @attempt counts from 1; a later
   * attempt gets another port, for servers that found theirs taken. */
  gboolean             (*get_listen_address) (ForgeSandbox   *self,
                                              guint           attempt,
                                              char          **address,
                                              guint          *port,
                                              GError        **error);
  /* Makes @port inside reachable from the host while @process runs;
   * returns "HOST:PORT" on the host's loopback, for
   * forge_sandbox_dup_preview_urls(). */
  char                *(*expose_port) (ForgeSandbox          *self,
                                       ForgeSandboxProcess   *process,
                                       guint                  port,
                                       GError               **error);
  /* Sets the remaining life to @seconds from now (shortens or extends it);
   * when it passes, everything in the sandbox is killed and "died" is
   * emitted with FORGE_SANDBOX_DEATH_EXPIRED. */
  gboolean             (*set_timeout) (ForgeSandbox          *self,
                                       guint                  seconds,
                                       GError               **error);
  gboolean             (*is_running)  (ForgeSandbox          *self);
  void                 (*kill)        (ForgeSandbox          *self);
  /* Whether commands run on the host's own network rather than one of
   * their own (what a run reports as its "network"). Optional: FALSE
   * when unset. */
  gboolean             (*shares_host_network) (ForgeSandbox   *self);
  /* A one-line warning to show at every start when the sandbox is less
   * isolated than it should be ("Network not isolated: why, and what to
   * do"). Optional: NULL when unset or when all is well. */
  char                *(*dup_network_note)    (ForgeSandbox   *self);
  /* Where the host may reach a server inside, best first: @authority is
   * what expose_port() returned for the server's port, @url the address
   * the server printed (its scheme, path and query are kept; its host
   * and port are the sandbox's own), or NULL for "/". Only the backend
   * knows whether the server can also be found at another address of
   * the host. Optional: unset, the one URL on @authority. */
  char               **(*dup_preview_urls)    (ForgeSandbox   *self,
                                               const char     *authority,
                                               const char     *url);
  /* Makes the work tree at @repo_dir on the desktop current at
   * FORGE_SANDBOX_REPO_DIR inside, on a worker thread: a remote backend
   * uploads what changed (@progress: bytes done of total), the local one
   * binds the folder and has nothing to do. Optional: unset, nothing to
   * do. */
  gboolean             (*sync_workspace)      (ForgeSandbox             *self,
                                               const char               *repo_dir,
                                               ForgeSandboxProgressFunc  progress,
                                               gpointer                  user_data,
                                               GCancellable             *cancellable,
                                               GError                  **error);
  /* A new handle on a process that still runs inside, started through
   * another handle to the same sandbox (one reconnected after a pause,
   * whose dev server kept running), by its
   * forge_sandbox_process_get_inner_pid(). Its output from now on goes to
   * @line_func as a spawned one's, its exit is reported, and killing it
   * stops that process. @destroy as for spawn(), called on failure too.
   * Optional: unset, G_IO_ERROR_NOT_SUPPORTED. */
  ForgeSandboxProcess *(*attach_process)      (ForgeSandbox             *self,
                                               guint64                   inner_pid,
                                               ForgeSandboxLineFunc      line_func,
                                               gpointer                  user_data,
                                               GDestroyNotify            destroy,
                                               GError                  **error);
  /* One line for the log on the limits the sandbox is held to and how
   * ("Limits: memory 4 GB (cgroup v1), …"). Optional: NULL when unset. */
  char                *(*dup_limits_note)     (ForgeSandbox             *self);
  /* Which limit stopped something in the sandbox since the last call,
   * as the end of a sentence whose subject is the command ("ran out of
   * memory (limit 4 GB)"), or NULL. Asked when a command failed or a
   * server died. Optional: NULL when unset. */
  char                *(*take_limit_report)   (ForgeSandbox             *self);
};

GQuark               forge_sandbox_error_quark (void);

const char          *forge_sandbox_get_id      (ForgeSandbox          *self);
gboolean             forge_sandbox_run_sync    (ForgeSandbox          *self,
                                                const char * const    *argv,
                                                const char * const    *env,
                                                const char            *cwd,
                                                ForgeSandboxLineFunc   line_func,
                                                gpointer               user_data,
                                                int                   *exit_status,
                                                GCancellable          *cancellable,
                                                GError               **error);
ForgeSandboxProcess *forge_sandbox_spawn       (ForgeSandbox          *self,
                                                const char * const    *argv,
                                                const char * const    *env,
                                                const char            *cwd,
                                                ForgeSandboxLineFunc   line_func,
                                                gpointer               user_data,
                                                GDestroyNotify         destroy,
                                                GError               **error);
gboolean             forge_sandbox_get_listen_address (ForgeSandbox   *self,
                                                       guint           attempt,
                                                       char          **address,
                                                       guint          *port,
                                                       GError        **error);
char                *forge_sandbox_expose_port (ForgeSandbox          *self,
                                                ForgeSandboxProcess   *process,
                                                guint                  port,
                                                GError               **error);
gboolean             forge_sandbox_set_timeout (ForgeSandbox          *self,
                                                guint                  seconds,
                                                GError               **error);
gboolean             forge_sandbox_is_running  (ForgeSandbox          *self);
void                 forge_sandbox_kill        (ForgeSandbox          *self);
gboolean             forge_sandbox_shares_host_network (ForgeSandbox *self);
char                *forge_sandbox_dup_network_note    (ForgeSandbox *self);
/* Never NULL; empty when @authority or @url cannot be parsed. */
char               **forge_sandbox_dup_preview_urls    (ForgeSandbox *self,
                                                        const char   *authority,
                                                        const char   *url);

gboolean             forge_sandbox_sync_workspace      (ForgeSandbox             *self,
                                                        const char               *repo_dir,
                                                        ForgeSandboxProgressFunc  progress,
                                                        gpointer                  user_data,
                                                        GCancellable             *cancellable,
                                                        GError                  **error);

char                *forge_sandbox_dup_limits_note     (ForgeSandbox             *self);
char                *forge_sandbox_take_limit_report   (ForgeSandbox             *self);

ForgeSandboxProcess *forge_sandbox_attach_process     (ForgeSandbox             *self,
                                                        guint64                   inner_pid,
                                                        ForgeSandboxLineFunc      line_func,
                                                        gpointer                  user_data,
                                                        GDestroyNotify            destroy,
                                                        GError                  **error);

/* For backends: emits "died". Call it once, on the sandbox's main context. */
void                 forge_sandbox_emit_died   (ForgeSandbox          *self,
                                                ForgeSandboxDeath      death);
/* For backends, from any thread: emits "died" from an idle source on
 * @context, the sandbox's main context. */
void                 forge_sandbox_schedule_died (ForgeSandbox        *self,
                                                  GMainContext        *context,
                                                  ForgeSandboxDeath    death);
/* For backends: @url (NULL for "/") moved to @authority ("HOST:PORT",
 * an IPv6 host in brackets), its scheme, path and query kept; NULL when
 * either cannot be parsed. */
char                *forge_sandbox_url_with_authority (const char     *url,
                                                       const char     *authority);

G_END_DECLS
