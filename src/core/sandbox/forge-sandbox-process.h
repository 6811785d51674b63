/* forge-sandbox-process.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  FORGE_SANDBOX_STREAM_STDOUT,
  FORGE_SANDBOX_STREAM_STDERR,
} ForgeSandboxStream;

/* Called once per output line (without its newline), from any thread. */
typedef void (*ForgeSandboxLineFunc) (ForgeSandboxStream  stream,
                                      const char         *line,
                                      gpointer            user_data);

#define FORGE_TYPE_SANDBOX_PROCESS (forge_sandbox_process_get_type ())

G_DECLARE_FINAL_TYPE (ForgeSandboxProcess, forge_sandbox_process, FORGE, SANDBOX_PROCESS, GObject)

/* A command running in the background inside a sandbox. Thread-safe.
 * "exited" (int exit_code) is emitted once on the main context that was
 * the thread default when the sandbox was created. */
gboolean  forge_sandbox_process_is_running  (ForgeSandboxProcess  *self);
/* Its exit code once not running: 128+N when signal N ended it, as a shell
 * reports it (and as run_sync() and "server-exited" do). */
int       forge_sandbox_process_get_exit_code (ForgeSandboxProcess *self);
/* Blocks (for worker threads) until it exits or the timeout passes;
 * timeout_ms < 0 waits forever. Returns TRUE when it has exited. */
gboolean  forge_sandbox_process_wait        (ForgeSandboxProcess  *self,
                                             int                   timeout_ms,
                                             GCancellable         *cancellable);
/* Host pid of the process (for the local backend the PID namespace's init,
 * whose death takes the whole tree with it); 0 when unknown or remote. */
GPid      forge_sandbox_process_get_pid     (ForgeSandboxProcess  *self);
/* The process's pid as the sandbox itself knows it (what a remote
 * backend's daemon signals it by), for forge_sandbox_attach_process()
 * on another handle to the same sandbox; 0 when the backend has none. */
guint64   forge_sandbox_process_get_inner_pid (ForgeSandboxProcess *self);
/* Stops the whole process tree: SIGTERM, then SIGKILL after a grace period. */
void      forge_sandbox_process_kill        (ForgeSandboxProcess  *self);

G_END_DECLS
