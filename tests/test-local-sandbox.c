/* test-local-sandbox.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gunixsocketaddress.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <gio/gio.h>
#include <libsoup/soup.h>
#include "forge-util.h"

#include "forge-local-sandbox-private.h"

typedef struct
{
  char              *tmp;
  char              *repo_dir;
  char              *home_dir;
  char              *outside_dir;
  ForgeLocalSandbox *sandbox;
} Fixture;

typedef struct
{
  GMutex     mutex;
  GPtrArray *out;
  GPtrArray *err;
} Lines;

static GThread *main_thread;
static char *helper_dir;

static void
lines_init (Lines *lines)
{
  g_mutex_init (&lines->mutex);
  lines->out = g_ptr_array_new_with_free_func (g_free);
  lines->err = g_ptr_array_new_with_free_func (g_free);
}

static void
lines_clear (Lines *lines)
{
  g_clear_pointer (&lines->out, g_ptr_array_unref);
  g_clear_pointer (&lines->err, g_ptr_array_unref);
  g_mutex_clear (&lines->mutex);
}

static void
collect_line (ForgeSandboxStream  stream,
              const char         *line,
              gpointer            user_data)
{
  Lines *lines = user_data;

  g_mutex_lock (&lines->mutex);
  g_ptr_array_add (stream == FORGE_SANDBOX_STREAM_STDOUT ? lines->out : lines->err,
                   g_strdup (line));
  g_mutex_unlock (&lines->mutex);
}

static guint
lines_count_out (Lines *lines)
{
  guint n;

  g_mutex_lock (&lines->mutex);
  n = lines->out->len;
  g_mutex_unlock (&lines->mutex);

  return n;
}

static char *
lines_join_out (Lines *lines)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_mutex_lock (&lines->mutex);
  for (guint i = 0; i < lines->out->len; i++)
    g_string_append_printf (s, "%s\n", (char *) g_ptr_array_index (lines->out, i));
  g_mutex_unlock (&lines->mutex);

  return g_string_free (g_steal_pointer (&s), FALSE);
}

static guint64
pid_namespace_of (GPid pid)
{
  char path[64];
  struct stat st;

  g_snprintf (path, sizeof path, "/proc/%d/ns/pid", (int) pid);
  if (stat (path, &st) != 0)
    return 0;

  return st.st_ino;
}

/* @comm: only count processes of that name, or NULL */
static guint
count_namespace_processes_named (guint64     pid_ns,
                                 const char *comm)
{
  DIR *dir = opendir ("/proc");
  struct dirent *ent;
  guint n = 0;

  g_assert_nonnull (dir);

  while ((ent = readdir (dir)))
    {
      char *end = NULL;
      gint64 pid = g_ascii_strtoll (ent->d_name, &end, 10);

      if (pid > 0 && *end == '\0' && pid_namespace_of ((GPid) pid) == pid_ns)
        {
          g_autofree char *path = g_strdup_printf ("/proc/%s/comm", ent->d_name);
          g_autofree char *name = NULL;

          if (comm != NULL &&
              (!g_file_get_contents (path, &name, NULL, NULL) ||
               !g_str_equal (g_strchomp (name), comm)))
            continue;

          n++;
        }
    }

  closedir (dir);

  return n;
}

static guint
count_namespace_processes (guint64 pid_ns)
{
  return count_namespace_processes_named (pid_ns, NULL);
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the default main context until @condition holds; FALSE on timeout. */
static gboolean
wait_until (Condition condition,
            gpointer  data,
            guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;

      /* Polls as well, for conditions no source wakes us for (/proc). */
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }

  return TRUE;
}

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

static void
spin_main_loop (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  g_assert_true (wait_until (time_passed, &until, ms + 1000));
}

static gboolean
namespace_empty (gpointer data)
{
  return count_namespace_processes (*(guint64 *) data) == 0;
}

static gboolean
process_exited (gpointer data)
{
  return !forge_sandbox_process_is_running (data);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;

  fixture->tmp = g_dir_make_tmp ("forge-sandbox-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->repo_dir = g_build_filename (fixture->tmp, "repo", NULL);
  fixture->home_dir = g_build_filename (fixture->tmp, "cache", "sandbox-home", NULL);
  fixture->outside_dir = g_build_filename (fixture->tmp, "outside", NULL);
  g_assert_cmpint (g_mkdir (fixture->repo_dir, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (fixture->outside_dir, 0700), ==, 0);

  fixture->sandbox = forge_local_sandbox_new (fixture->repo_dir, fixture->home_dir,
                                              GPOINTER_TO_UINT (user_data), &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->sandbox);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_clear_object (&fixture->sandbox);

  /* Let pending sources (exited, died) run and drop their references. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  g_assert_true (forge_remove_tree (fixture->tmp, NULL));
  g_assert_false (g_file_test (fixture->tmp, G_FILE_TEST_EXISTS));

  g_clear_pointer (&fixture->tmp, g_free);
  g_clear_pointer (&fixture->repo_dir, g_free);
  g_clear_pointer (&fixture->home_dir, g_free);
  g_clear_pointer (&fixture->outside_dir, g_free);
}

/* Runs a command to its end; @lines may be NULL. Returns its status. */
static int
run_in (ForgeLocalSandbox  *sandbox,
        const char * const *argv,
        Lines              *lines)
{
  g_autoptr(GError) error = NULL;
  int status = -1;
  gboolean ok;

  ok = forge_sandbox_run_sync (FORGE_SANDBOX (sandbox), argv, NULL, NULL,
                               lines != NULL ? collect_line : NULL, lines, &status, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);

  if (status != 0 && lines != NULL)
    for (guint i = 0; i < lines->err->len; i++)
      g_test_message ("stderr: %s", (char *) g_ptr_array_index (lines->err, i));

  return status;
}

static int
run_sh (Fixture    *fixture,
        const char *script,
        Lines      *lines)
{
  const char *argv[] = { "sh", "-c", script, NULL };

  return run_in (fixture->sandbox, argv, lines);
}


/* {{{ Running commands */

static void
test_run_streams (Fixture       *fixture,
                  gconstpointer  user_data)
{
  Lines lines;

  lines_init (&lines);
  g_assert_cmpint (run_sh (fixture, "echo one; echo two >&2; echo three; printf four; exit 3", &lines), ==, 3);

  g_assert_cmpuint (lines.out->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (lines.out, 0), ==, "one");
  g_assert_cmpstr (g_ptr_array_index (lines.out, 1), ==, "three");
  g_assert_cmpstr (g_ptr_array_index (lines.out, 2), ==, "four");
  g_assert_cmpuint (lines.err->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (lines.err, 0), ==, "two");

  g_assert_true (g_str_has_prefix (forge_sandbox_get_id (FORGE_SANDBOX (fixture->sandbox)), "local-"));
  lines_clear (&lines);
}

typedef struct
{
  Fixture      *fixture;
  Lines         lines;
  GCancellable *cancellable;
  GError       *error;
  gboolean      ok;
  gint          done;
} SyncRun;

static gpointer
run_sync_thread (gpointer data)
{
  SyncRun *run = data;
  const char *argv[] = { "sh", "-c", "echo first; sleep 30; echo never", NULL };
  int status = -1;

  run->ok = forge_sandbox_run_sync (FORGE_SANDBOX (run->fixture->sandbox), argv, NULL, NULL,
                                    collect_line, &run->lines, &status,
                                    run->cancellable, &run->error);
  g_atomic_int_set (&run->done, TRUE);

  return NULL;
}

static gboolean
first_line_arrived (gpointer data)
{
  return lines_count_out (data) >= 1;
}

static gboolean
sync_run_done (gpointer data)
{
  return g_atomic_int_get (&((SyncRun *) data)->done);
}

static void
test_run_lines_live_and_cancel (Fixture       *fixture,
                                gconstpointer  user_data)
{
  SyncRun run = { fixture };
  GThread *thread;
  gint64 cancelled_at;

  lines_init (&run.lines);
  run.cancellable = g_cancellable_new ();
  thread = g_thread_new ("run-sync", run_sync_thread, &run);

  g_assert_true (wait_until (first_line_arrived, &run.lines, 5000));
  /* The line came while the command was still sleeping. */
  g_assert_false (g_atomic_int_get (&run.done));
  g_assert_cmpstr (g_ptr_array_index (run.lines.out, 0), ==, "first");

  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (run.cancellable);
  g_assert_true (wait_until (sync_run_done, &run, 5000));
  g_thread_join (thread);

  g_assert_false (run.ok);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (run.lines.out->len, ==, 1);
  /* sleep dies of SIGTERM: no grace period needed. */
  g_assert_cmpint (g_get_monotonic_time () - cancelled_at, <, 2 * G_TIME_SPAN_SECOND);

  g_clear_error (&run.error);
  g_clear_object (&run.cancellable);
  lines_clear (&run.lines);
}

/* }}} */

/* {{{ Isolation */

static void
test_isolation (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autofree char *host_file = g_build_filename (fixture->repo_dir, "from-host", NULL);
  g_autofree char *written = g_build_filename (fixture->repo_dir, "from-sandbox", NULL);
  g_autofree char *marker = g_build_filename (fixture->outside_dir, "marker", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *script = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *env_argv[] = { "env", NULL };
  const char *env[] = { "FORGE_TEST_PASSED=yes", NULL };
  Lines lines;
  int status = -1;

  g_assert_true (g_file_set_contents (host_file, "hello from host", -1, NULL));
  g_assert_true (g_file_set_contents (marker, "secret", -1, NULL));

  /* The repository is read-write. */
  lines_init (&lines);
  g_assert_cmpint (run_sh (fixture, "cat /home/user/repo/from-host; echo; pwd; echo written > from-sandbox", &lines), ==, 0);
  g_assert_cmpstr (g_ptr_array_index (lines.out, 0), ==, "hello from host");
  g_assert_cmpstr (g_ptr_array_index (lines.out, 1), ==, FORGE_SANDBOX_REPO_DIR);
  g_assert_true (g_file_get_contents (written, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "written\n");
  lines_clear (&lines);

  /* Nothing else of the host's files: not our temp dir, not the real home. */
  lines_init (&lines);
  script = g_strdup_printf ("test -e '%s' && echo marker-visible; "
                            "test -e '%s' && echo outside-visible; "
                            "test -e '%s' && echo home-visible; "
                            "ls /home; "
                            "echo hostname=$(cat /proc/sys/kernel/hostname); "
                            "echo pid=$$; "
                            "echo user=$(id -un); "
                            "echo home=$HOME; "
                            "forge-hello",
                            marker, fixture->outside_dir, g_get_home_dir ());
  g_assert_cmpint (run_sh (fixture, script, &lines), ==, 0);
  out = lines_join_out (&lines);
  g_assert_cmpstr (out, ==,
                   "user\n"
                   "hostname=forge-sandbox\n"
                   "pid=2\n"
                   "user=user\n"
                   "home=/home/user\n"
                   "hello from /opt/forge/bin/forge-hello\n");
  lines_clear (&lines);
  g_clear_pointer (&out, g_free);

  /* The environment is cleared, except what the command is given. */
  g_assert_cmpstr (g_getenv ("FORGE_SECRET_CANARY"), ==, "do-not-leak");
  lines_init (&lines);
  g_assert_true (forge_sandbox_run_sync (FORGE_SANDBOX (fixture->sandbox), env_argv, env, "/tmp",
                                         collect_line, &lines, &status, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  out = lines_join_out (&lines);
  g_assert_null (strstr (out, "FORGE_SECRET_CANARY"));
  g_assert_null (strstr (out, "do-not-leak"));
  g_assert_nonnull (strstr (out, "FORGE_TEST_PASSED=yes\n"));
  g_assert_nonnull (strstr (out, "PATH=/opt/forge/bin:/usr/local/bin:/usr/bin:/bin\n"));
  g_assert_nonnull (strstr (out, "PWD=/tmp\n"));
  lines_clear (&lines);
}

/* }}} */

/* {{{ Node and the network */

static void
test_node_and_loopback (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(ForgeSandboxProcess) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *listen_address = NULL;
  g_autofree char *port_env = NULL;
  g_autofree char *host_env = NULL;
  const char *node_argv[] = { "node", "-e", NULL, NULL };
  const char *env[] = { NULL, NULL, NULL };
  const char *request = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
  char response[4096] = { 0 };
  gsize n_read = 0;
  Lines lines;
  guint port = 0;
  int status = -1;

  lines_init (&lines);
  node_argv[2] = "console.log(1+1)";
  g_assert_true (forge_sandbox_run_sync (FORGE_SANDBOX (fixture->sandbox), node_argv, NULL, NULL,
                                         collect_line, &lines, &status, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpuint (lines.out->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (lines.out, 0), ==, "2");
  lines_clear (&lines);

  g_assert_true (forge_sandbox_get_listen_address (FORGE_SANDBOX (fixture->sandbox), 1,
                                                   &listen_address, &port, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (port, >, 0);
  /* In a network of its own the server must take connections on the
   * sandbox's interface. */
  if (forge_local_sandbox_has_own_network (fixture->sandbox))
    g_assert_cmpstr (listen_address, ==, "0.0.0.0");
  else
    g_assert_cmpstr (listen_address, ==, "127.0.0.1");

  lines_init (&lines);
  port_env = g_strdup_printf ("PORT=%u", port);
  host_env = g_strdup_printf ("HOST=%s", listen_address);
  env[0] = port_env;
  env[1] = host_env;
  node_argv[2] =
    "require('http').createServer((q, s) => s.end('hello-from-sandbox'))"
    ".listen(+process.env.PORT, process.env.HOST, () => console.log('listening'))";
  server = forge_sandbox_spawn (FORGE_SANDBOX (fixture->sandbox), node_argv, env, NULL,
                                collect_line, &lines, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (wait_until (first_line_arrived, &lines, 8000));
  g_assert_cmpstr (g_ptr_array_index (lines.out, 0), ==, "listening");

  host = forge_sandbox_expose_port (FORGE_SANDBOX (fixture->sandbox), server, port, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (host, "127.0.0.1:"));

  g_socket_client_set_timeout (client, 5);
  connection = g_socket_client_connect_to_host (client, host, 0, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                           response, sizeof response - 1, &n_read, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 200"));
  g_assert_nonnull (strstr (response, "hello-from-sandbox"));

  forge_sandbox_process_kill (server);
  g_assert_true (wait_until (process_exited, server, 5000));
  lines_clear (&lines);
}

/* }}} */

/* {{{ Lifetime */

typedef struct
{
  int  count;
  int  death;
} Died;

static void
on_died (ForgeSandbox *sandbox,
         int           death,
         Died         *died)
{
  g_assert_true (g_thread_self () == main_thread);
  died->count++;
  died->death = death;
}

static gboolean
died_once (gpointer data)
{
  return ((Died *) data)->count > 0;
}

static ForgeSandboxProcess *
spawn_sh (Fixture    *fixture,
          const char *script)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "sh", "-c", script, NULL };
  ForgeSandboxProcess *process;

  process = forge_sandbox_spawn (FORGE_SANDBOX (fixture->sandbox), argv, NULL, NULL,
                                 NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (process);
  g_assert_cmpint (forge_sandbox_process_get_pid (process), >, 0);

  return process;
}

static void
assert_not_running_anymore (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeSandboxProcess) process = NULL;
  const char *argv[] = { "true", NULL };
  int status;

  g_assert_false (forge_sandbox_is_running (FORGE_SANDBOX (fixture->sandbox)));

  g_assert_false (forge_sandbox_run_sync (FORGE_SANDBOX (fixture->sandbox), argv, NULL, NULL,
                                          NULL, NULL, &status, NULL, &error));
  g_assert_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  process = forge_sandbox_spawn (FORGE_SANDBOX (fixture->sandbox), argv, NULL, NULL,
                                 NULL, NULL, NULL, &error);
  g_assert_null (process);
  g_assert_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  g_assert_false (forge_sandbox_set_timeout (FORGE_SANDBOX (fixture->sandbox), 10, &error));
  g_assert_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING);
}

static void
test_expiry (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(ForgeSandboxProcess) process = NULL;
  Died died = { 0 };
  guint64 pid_ns;
  GPid pid;

  g_signal_connect (fixture->sandbox, "died", G_CALLBACK (on_died), &died);

  process = spawn_sh (fixture, "sleep 1000");
  pid = forge_sandbox_process_get_pid (process);
  pid_ns = pid_namespace_of (pid);
  g_assert_cmpuint (pid_ns, !=, 0);
  g_assert_cmpuint (pid_ns, !=, pid_namespace_of (getpid ()));

  g_assert_true (wait_until (died_once, &died, 5000));
  g_assert_cmpint (died.death, ==, FORGE_SANDBOX_DEATH_EXPIRED);

  g_assert_true (wait_until (process_exited, process, 5000));
  g_assert_true (wait_until (namespace_empty, &pid_ns, 5000));
  g_assert_cmpuint (pid_namespace_of (pid), !=, pid_ns);

  assert_not_running_anymore (fixture);

  spin_main_loop (100);
  g_assert_cmpint (died.count, ==, 1);
}

static void
test_set_timeout_extends (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(ForgeSandboxProcess) process = NULL;
  g_autoptr(GError) error = NULL;
  Died died = { 0 };
  gint64 set_at;
  gint64 lifetime;

  g_signal_connect (fixture->sandbox, "died", G_CALLBACK (on_died), &died);

  g_assert_true (forge_sandbox_set_timeout (FORGE_SANDBOX (fixture->sandbox), 3, &error));
  g_assert_no_error (error);
  set_at = g_get_monotonic_time ();
  process = spawn_sh (fixture, "sleep 1000");

  /* Past the original 1 s timeout. */
  spin_main_loop (1500);
  g_assert_cmpint (died.count, ==, 0);
  g_assert_true (forge_sandbox_is_running (FORGE_SANDBOX (fixture->sandbox)));
  g_assert_true (forge_sandbox_process_is_running (process));

  g_assert_true (wait_until (died_once, &died, 4000));
  lifetime = g_get_monotonic_time () - set_at;
  g_assert_cmpint (lifetime, >=, 3 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (died.death, ==, FORGE_SANDBOX_DEATH_EXPIRED);
  g_assert_true (wait_until (process_exited, process, 5000));
}

static void
test_set_timeout_shortens (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  Died died = { 0 };

  g_signal_connect (fixture->sandbox, "died", G_CALLBACK (on_died), &died);

  /* The sandbox was made with a 60 s life. */
  g_assert_true (forge_sandbox_set_timeout (FORGE_SANDBOX (fixture->sandbox), 1, &error));
  g_assert_no_error (error);

  g_assert_true (wait_until (died_once, &died, 3000));
  g_assert_cmpint (died.death, ==, FORGE_SANDBOX_DEATH_EXPIRED);
  assert_not_running_anymore (fixture);
}

/* Grandchildren, and processes that ignore SIGTERM. */
#define STUBBORN_TREE \
  "sleep 1000 & (trap '' TERM; sleep 1000) & trap '' TERM; echo started; wait; wait"

typedef struct
{
  guint64  pid_ns;
  Lines   *lines;
} Tree;

/* Both sleeps run, the second one and the shell ignoring SIGTERM. */
static gboolean
tree_ready (gpointer data)
{
  Tree *tree = data;

  return lines_count_out (tree->lines) >= 1 &&
         count_namespace_processes_named (tree->pid_ns, "sleep") >= 2;
}

static ForgeSandboxProcess *
spawn_stubborn_tree (Fixture *fixture,
                     Lines   *lines,
                     guint64 *pid_ns)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "sh", "-c", STUBBORN_TREE, NULL };
  ForgeSandboxProcess *process;
  Tree tree;

  process = forge_sandbox_spawn (FORGE_SANDBOX (fixture->sandbox), argv, NULL, NULL,
                                 collect_line, lines, NULL, &error);
  g_assert_no_error (error);

  tree.pid_ns = pid_namespace_of (forge_sandbox_process_get_pid (process));
  tree.lines = lines;
  g_assert_cmpuint (tree.pid_ns, !=, 0);
  g_assert_true (wait_until (tree_ready, &tree, 5000));
  g_assert_cmpstr (g_ptr_array_index (lines->out, 0), ==, "started");

  *pid_ns = tree.pid_ns;

  return process;
}

static void
test_kill_leaves_nothing (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(ForgeSandboxProcess) tree = NULL;
  g_autoptr(ForgeSandboxProcess) other = NULL;
  Died died = { 0 };
  guint64 tree_ns;
  guint64 other_ns;
  Lines lines;

  g_signal_connect (fixture->sandbox, "died", G_CALLBACK (on_died), &died);

  lines_init (&lines);
  tree = spawn_stubborn_tree (fixture, &lines, &tree_ns);
  other = spawn_sh (fixture, "sleep 1000");
  other_ns = pid_namespace_of (forge_sandbox_process_get_pid (other));
  g_assert_cmpuint (other_ns, !=, 0);
  g_assert_cmpuint (other_ns, !=, tree_ns);

  forge_sandbox_kill (FORGE_SANDBOX (fixture->sandbox));
  g_assert_false (forge_sandbox_is_running (FORGE_SANDBOX (fixture->sandbox)));
  /* Emitted from the main loop, not inside kill(). */
  g_assert_cmpint (died.count, ==, 0);

  g_assert_true (wait_until (died_once, &died, 1000));
  g_assert_cmpint (died.death, ==, FORGE_SANDBOX_DEATH_KILLED);

  g_assert_true (wait_until (namespace_empty, &tree_ns, 6000));
  g_assert_true (wait_until (namespace_empty, &other_ns, 6000));
  g_assert_true (wait_until (process_exited, tree, 5000));
  g_assert_true (wait_until (process_exited, other, 5000));

  assert_not_running_anymore (fixture);

  /* A second kill is harmless and does not die twice. */
  forge_sandbox_kill (FORGE_SANDBOX (fixture->sandbox));
  spin_main_loop (100);
  g_assert_cmpint (died.count, ==, 1);
  lines_clear (&lines);
}

static void
test_process_kill (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(ForgeSandboxProcess) tree = NULL;
  guint64 tree_ns;
  Lines tree_lines;
  Lines lines;

  lines_init (&tree_lines);
  lines_init (&lines);
  tree = spawn_stubborn_tree (fixture, &tree_lines, &tree_ns);

  forge_sandbox_process_kill (tree);
  /* The SIGTERM-ignoring shell needs the grace period and SIGKILL. */
  g_assert_false (forge_sandbox_process_wait (tree, 500, NULL));
  g_assert_true (forge_sandbox_process_wait (tree, 5000, NULL));
  g_assert_true (wait_until (namespace_empty, &tree_ns, 5000));

  /* Only that process: the sandbox lives on. */
  g_assert_true (forge_sandbox_is_running (FORGE_SANDBOX (fixture->sandbox)));
  g_assert_cmpint (run_sh (fixture, "echo still-here", &lines), ==, 0);
  g_assert_cmpstr (g_ptr_array_index (lines.out, 0), ==, "still-here");
  lines_clear (&lines);
  lines_clear (&tree_lines);
}

typedef struct
{
  int      count;
  int      status;
  gboolean destroyed;
} Exited;

static void
on_exited (ForgeSandboxProcess *process,
           int                  status,
           Exited              *exited)
{
  g_assert_true (g_thread_self () == main_thread);
  /* The line callback's data is released before "exited". */
  g_assert_true (exited->destroyed);
  exited->count++;
  exited->status = status;
}

static gboolean
exited_once (gpointer data)
{
  return ((Exited *) data)->count > 0;
}

static void
mark_destroyed (gpointer data)
{
  ((Exited *) data)->destroyed = TRUE;
}

static void
ignore_line (ForgeSandboxStream  stream,
             const char         *line,
             gpointer            user_data)
{
}

static void
test_exited_signal (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(ForgeSandboxProcess) process = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "sh", "-c", "sleep 0.2; exit 7", NULL };
  Exited exited = { 0 };

  process = forge_sandbox_spawn (FORGE_SANDBOX (fixture->sandbox), argv, NULL, NULL,
                                 ignore_line, &exited, mark_destroyed, &error);
  g_assert_no_error (error);
  g_signal_connect (process, "exited", G_CALLBACK (on_exited), &exited);

  g_assert_true (wait_until (exited_once, &exited, 5000));
  g_assert_false (forge_sandbox_process_is_running (process));
  g_assert_cmpint (exited.status, ==, 7);
  g_assert_cmpint (forge_sandbox_process_get_exit_code (process), ==, 7);
  g_assert_true (forge_sandbox_process_wait (process, 0, NULL));

  spin_main_loop (100);
  g_assert_cmpint (exited.count, ==, 1);
  g_assert_true (forge_sandbox_is_running (FORGE_SANDBOX (fixture->sandbox)));
}

/* One convention for run_sync(), spawn() and "exited": the exit code,
 * 128+N for signal N, never a raw wait status. */
static void
test_exit_code_convention (Fixture       *fixture,
                           gconstpointer  user_data)
{
  const char *cases[][2] = {
    { "exit 1", "1" },
    { "exit 128", "128" },
    { "kill -TERM $$", "143" },
    { "kill -KILL $$", "137" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *argv[] = { "sh", "-c", cases[i][0], NULL };
      g_autoptr(ForgeSandboxProcess) process = NULL;
      g_autoptr(GError) error = NULL;
      int expected = atoi (cases[i][1]);
      Exited exited = { 0 };
      int exit_status = -1;

      g_test_message ("%s", cases[i][0]);
      g_assert_true (forge_sandbox_run_sync (FORGE_SANDBOX (fixture->sandbox), argv, NULL, NULL,
                                             NULL, NULL, &exit_status, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpint (exit_status, ==, expected);

      process = forge_sandbox_spawn (FORGE_SANDBOX (fixture->sandbox), argv, NULL, NULL,
                                     ignore_line, &exited, mark_destroyed, &error);
      g_assert_no_error (error);
      g_signal_connect (process, "exited", G_CALLBACK (on_exited), &exited);
      g_assert_true (wait_until (exited_once, &exited, 5000));
      g_assert_cmpint (exited.status, ==, expected);
      g_assert_cmpint (forge_sandbox_process_get_exit_code (process), ==, expected);
    }
}

static GPid
parent_of (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *p;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || !(p = strrchr (stat, ')')))
    return 0;

  /* "pid (comm) state ppid ..." */
  return (GPid) g_ascii_strtoll (p + 4, NULL, 10);
}

static gpointer
spawn_thread (gpointer data)
{
  Fixture *fixture = data;

  return spawn_sh (fixture, "sleep 1000");
}

/* bwrap's --die-with-parent is PR_SET_PDEATHSIG, which follows the thread
 * that forked it: a worker thread ending must not take its commands along. */
static void
test_survives_spawning_thread (Fixture       *fixture,
                               gconstpointer  user_data)
{
  g_autoptr(ForgeSandboxProcess) process = NULL;
  guint64 pid_ns;

  process = g_thread_join (g_thread_new ("short-lived", spawn_thread, fixture));
  pid_ns = pid_namespace_of (forge_sandbox_process_get_pid (process));

  g_assert_false (forge_sandbox_process_wait (process, 500, NULL));
  g_assert_cmpuint (count_namespace_processes (pid_ns), >=, 2);
  /* The namespace init's parent is still the outer bwrap, our child; if
   * that had died the init would have been re-parented. */
  g_assert_cmpint (parent_of (parent_of (forge_sandbox_process_get_pid (process))), ==, getpid ());

  forge_sandbox_process_kill (process);
  g_assert_true (forge_sandbox_process_wait (process, 5000, NULL));
  g_assert_true (wait_until (namespace_empty, &pid_ns, 5000));
}

/* Even when bwrap is killed right after starting, before the namespace's
 * init has set up --die-with-parent, nothing is left behind. */
static void
test_bwrap_killed (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(ForgeSandboxProcess) process = spawn_sh (fixture, "sleep 1000");
  GPid init_pid = forge_sandbox_process_get_pid (process);
  guint64 pid_ns = pid_namespace_of (init_pid);
  GPid bwrap_pid = parent_of (init_pid);

  g_assert_cmpuint (pid_ns, !=, 0);
  g_assert_cmpint (parent_of (bwrap_pid), ==, getpid ());
  g_assert_cmpint (kill (bwrap_pid, SIGKILL), ==, 0);

  g_assert_true (forge_sandbox_process_wait (process, 5000, NULL));
  g_assert_true (wait_until (namespace_empty, &pid_ns, 5000));
}

static void
test_dispose_kills (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(ForgeSandboxProcess) process = spawn_sh (fixture, "sleep 1000");
  guint64 pid_ns = pid_namespace_of (forge_sandbox_process_get_pid (process));

  g_assert_cmpuint (pid_ns, !=, 0);
  g_clear_object (&fixture->sandbox);

  g_assert_true (forge_sandbox_process_wait (process, 5000, NULL));
  g_assert_true (wait_until (namespace_empty, &pid_ns, 5000));
}

/* }}} */

static void
test_unavailable (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-sandbox-XXXXXX", NULL);
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));
  g_autoptr(ForgeLocalSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;

  g_setenv ("PATH", tmp, TRUE);
  sandbox = forge_local_sandbox_new (tmp, tmp, 0, &error);
  g_setenv ("PATH", old_path, TRUE);

  g_assert_null (sandbox);
  g_assert_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE);
  g_assert_null (strchr (error->message, '\n'));

  g_rmdir (tmp);
}

/* {{{ Escapes: hostile code trying to get out */

static guint
http_get (const char  *url,
          char       **body)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 5, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GBytes) bytes = soup_session_send_and_read (session, message, NULL, NULL);

  if (bytes == NULL)
    return 0;
  *body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return soup_message_get_status (message);
}

static void
fixture_set_up_shared_network (Fixture       *fixture,
                               gconstpointer  user_data)
{
  fixture_set_up (fixture, user_data);
  forge_local_sandbox_set_shared_network (fixture->sandbox, TRUE);
}

/* A little program of the repository's: Python, as it can name abstract
 * addresses and make raw system calls. */
static char *
run_python (Fixture    *fixture,
            const char *program)
{
  g_autofree char *path = g_build_filename (fixture->repo_dir, "hostile.py", NULL);
  const char *argv[] = { "python3", FORGE_SANDBOX_REPO_DIR "/hostile.py", NULL };
  Lines lines;
  char *out;

  g_assert_true (g_file_set_contents (path, program, -1, NULL));
  lines_init (&lines);
  g_assert_cmpint (run_in (fixture->sandbox, argv, &lines), ==, 0);
  out = lines_join_out (&lines);
  lines_clear (&lines);

  return out;
}

static GSocket *
listen_abstract (const char *name,
                 GSocketType type)
{
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new_with_type (name, -1, G_UNIX_SOCKET_ADDRESS_ABSTRACT);
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, type, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_no_error (error);
  if (type == G_SOCKET_TYPE_STREAM)
    {
      g_assert_true (g_socket_listen (socket, &error));
      g_assert_no_error (error);
    }
  g_socket_set_blocking (socket, FALSE);

  return socket;
}

static void
assert_nothing_arrived (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  char buffer[64];

  if (g_socket_get_socket_type (socket) == G_SOCKET_TYPE_STREAM)
    {
      g_autoptr(GSocket) accepted = g_socket_accept (socket, NULL, &error);

      g_assert_null (accepted);
    }
  else
    g_assert_cmpint (g_socket_receive (socket, buffer, sizeof buffer, NULL, &error), <, 0);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

/* The host's abstract unix sockets (X11, sometimes a session bus) are out
 * of reach, by stream, by datagram, and by a datagram socketpair whose
 * sendto() names an address. */
static const char abstract_sockets_program[] =
  "import socket, sys\n"
  "name = sys.argv[1] if len(sys.argv) > 1 else open('/home/user/repo/name').read()\n"
  "def attempt(label, f):\n"
  "  try:\n"
  "    f()\n"
  "    print(label + ' reached')\n"
  "  except OSError as e:\n"
  "    print(label + ' refused')\n"
  "def stream():\n"
  "  s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
  "  s.connect('\\0' + name + '-stream')\n"
  "def dgram():\n"
  "  s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
  "  s.sendto(b'x', '\\0' + name + '-dgram')\n"
  "def pair():\n"
  "  a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
  "  a.sendto(b'x', '\\0' + name + '-dgram')\n"
  "attempt('stream', stream)\n"
  "attempt('dgram', dgram)\n"
  "attempt('socketpair-dgram', pair)\n";

static void
assert_host_abstract_sockets_unreachable (Fixture *fixture)
{
  g_autofree char *name = g_strdup_printf ("forge-test-abstract-%d-%u", getpid (), g_random_int ());
  g_autofree char *stream_name = g_strconcat (name, "-stream", NULL);
  g_autofree char *dgram_name = g_strconcat (name, "-dgram", NULL);
  g_autofree char *name_file = g_build_filename (fixture->repo_dir, "name", NULL);
  g_autoptr(GSocket) stream = listen_abstract (stream_name, G_SOCKET_TYPE_STREAM);
  g_autoptr(GSocket) dgram = listen_abstract (dgram_name, G_SOCKET_TYPE_DATAGRAM);
  g_autofree char *out = NULL;

  g_assert_true (g_file_set_contents (name_file, name, -1, NULL));
  out = run_python (fixture, abstract_sockets_program);
  g_assert_cmpstr (out, ==,
                   "stream refused\n"
                   "dgram refused\n"
                   "socketpair-dgram refused\n");
  assert_nothing_arrived (stream);
  assert_nothing_arrived (dgram);
}

static void
test_escape_abstract_sockets (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_assert_true (forge_local_sandbox_has_own_network (fixture->sandbox));
  assert_host_abstract_sockets_unreachable (fixture);
}

/* Without a network of its own the filter must hold on its own. */
static void
test_escape_abstract_sockets_shared_network (Fixture       *fixture,
                                             gconstpointer  user_data)
{
  g_assert_false (forge_local_sandbox_has_own_network (fixture->sandbox));
  assert_host_abstract_sockets_unreachable (fixture);
}

/* Node's IPC channels (child_process.fork(), as Next.js uses) are
 * socketpair(AF_UNIX, SOCK_STREAM): allowed in both modes. */
static void
assert_fork_with_ipc_works (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *child = g_build_filename (fixture->repo_dir, "child.js", NULL);
  const char *fork_script =
    "const cp = require('child_process');"
    "const c = cp.fork('/home/user/repo/child.js');"
    "c.on('message', m => { console.log('got ' + m); c.disconnect(); });";
  const char *argv[] = { "node", "-e", fork_script, NULL };
  Lines lines;

  g_assert_true (g_file_set_contents (child, "process.send('pong');\n", -1, NULL));
  lines_init (&lines);
  g_assert_cmpint (run_in (fixture->sandbox, argv, &lines), ==, 0);
  g_assert_cmpuint (lines.out->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (lines.out, 0), ==, "got pong");
  lines_clear (&lines);
}

static void
test_fork_with_ipc (Fixture       *fixture,
                    gconstpointer  user_data)
{
  assert_fork_with_ipc_works (fixture);
}

/* io_uring would bypass every socket rule (IORING_OP_SOCKET). */
static void
test_escape_io_uring (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autofree char *out = run_python (fixture,
    "import ctypes, ctypes.util, errno, platform\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "params = ctypes.create_string_buffer(120)\n"
    "for name, nr in (('setup', 425), ('enter', 426), ('register', 427)):\n"
    "  args = (8, params) if nr == 425 else (0, 0, 0, 0)\n"
    "  r = libc.syscall(nr, *args)\n"
    "  e = ctypes.get_errno()\n"
    "  print(name, 'ENOSYS' if r < 0 and e == errno.ENOSYS else 'allowed (%d, %s)' % (r, errno.errorcode.get(e)))\n");

  g_assert_cmpstr (out, ==,
                   "setup ENOSYS\n"
                   "enter ENOSYS\n"
                   "register ENOSYS\n");
}

/* Root in a new user namespace (with a private network stack) would undo
 * every other limit. */
static void
test_escape_user_namespace (Fixture       *fixture,
                            gconstpointer  user_data)
{
  Lines lines;

  lines_init (&lines);
  g_assert_cmpint (run_sh (fixture,
                           "unshare -Urn true 2>/dev/null && echo userns-net-made || echo userns-net-refused; "
                           "unshare -U true 2>/dev/null && echo userns-made || echo userns-refused; "
                           "python3 -c 'import os; os.unshare(os.CLONE_NEWUSER)' 2>/dev/null && echo python-made || echo python-refused",
                           &lines), ==, 0);
  g_assert_cmpuint (lines.out->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (lines.out, 0), ==, "userns-net-refused");
  g_assert_cmpstr (g_ptr_array_index (lines.out, 1), ==, "userns-refused");
  g_assert_cmpstr (g_ptr_array_index (lines.out, 2), ==, "python-refused");
  lines_clear (&lines);
}

/* A service on the host's loopback (a database, another dev server, a
 * local admin page) is out of reach. */
static void
test_escape_host_loopback (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *program = NULL;
  g_autofree char *out = NULL;
  guint port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_socket_listen (socket, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  effective = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));

  program = g_strdup_printf ("import socket\n"
                             "for host in ('127.0.0.1', '10.0.2.2', 'localhost'):\n"
                             "  try:\n"
                             "    socket.create_connection((host, %u), timeout=3)\n"
                             "    print(host, 'reached')\n"
                             "  except OSError:\n"
                             "    print(host, 'refused')\n",
                             port);
  out = run_python (fixture, program);
  g_assert_cmpstr (out, ==,
                   "127.0.0.1 refused\n"
                   "10.0.2.2 refused\n"
                   "localhost refused\n");
  assert_nothing_arrived (socket);
}

/* Nuxt's Nitro worker listens on an abstract unix socket: in a network of
 * its own that is the sandbox's business. */
static void
test_abstract_socket_inside (Fixture       *fixture,
                             gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  const char *script =
    "const net = require('net');"
    "const name = '\\0nitro-worker-' + process.pid + '.sock';"
    "const server = net.createServer(c => c.end('worker ok'));"
    "server.listen(name, () => {"
    "  net.connect(name).on('data', d => { console.log(String(d)); server.close(); });"
    "});";
  const char *argv[] = { "node", "-e", script, NULL };
  Lines lines;

  lines_init (&lines);
  g_assert_cmpint (run_in (fixture->sandbox, argv, &lines), ==, 0);
  g_assert_cmpuint (lines.out->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (lines.out, 0), ==, "worker ok");
  lines_clear (&lines);
}

static ForgeSandboxProcess *
spawn_port_3000_server (ForgeLocalSandbox *sandbox,
                        const char        *greeting,
                        Lines             *lines)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = g_strdup_printf ("require('http').createServer((q, s) => s.end('%s'))"
                                             ".listen(3000, '0.0.0.0', () => console.log('listening'))",
                                             greeting);
  const char *argv[] = { "node", "-e", script, NULL };
  ForgeSandboxProcess *process;

  process = forge_sandbox_spawn (FORGE_SANDBOX (sandbox), argv, NULL, NULL,
                                 collect_line, lines, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (wait_until (first_line_arrived, lines, 8000));
  g_assert_cmpstr (g_ptr_array_index (lines->out, 0), ==, "listening");

  return process;
}

/* Many servers take "localhost" whatever HOST says: ports they listen on
 * only on the loopback are relayed to the sandbox's interface. */
static void
test_loopback_only_server (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  const char *script =
    "const http = require('http');"
    "http.createServer((q, s) => s.end(q.url === '/big' ? 'x'.repeat(1 << 20) : 'v4 ' + q.url)).listen(3001, '127.0.0.1', () =>"
    "  http.createServer((q, s) => s.end('v6 ' + q.url)).listen(3002, '::1', () => console.log('listening')));";
  const char *argv[] = { "node", "-e", script, NULL };
  g_autoptr(ForgeSandboxProcess) server = NULL;
  g_autofree char *v4_host = NULL;
  g_autofree char *v6_host = NULL;
  g_autofree char *v4_url = NULL;
  g_autofree char *v6_url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *big_url = NULL;
  Lines lines;

  g_assert_true (forge_local_sandbox_has_own_network (fixture->sandbox));

  lines_init (&lines);
  server = forge_sandbox_spawn (FORGE_SANDBOX (fixture->sandbox), argv, NULL, NULL,
                                collect_line, &lines, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (wait_until (first_line_arrived, &lines, 8000));

  v4_host = forge_sandbox_expose_port (FORGE_SANDBOX (fixture->sandbox), server, 3001, &error);
  g_assert_no_error (error);
  v6_host = forge_sandbox_expose_port (FORGE_SANDBOX (fixture->sandbox), server, 3002, &error);
  g_assert_no_error (error);

  /* The relay looks for new listeners a few times a second. */
  v4_url = g_strdup_printf ("http://%s/a", v4_host);
  v6_url = g_strdup_printf ("http://%s/b", v6_host);
  for (guint i = 0; i < 50 && http_get (v4_url, &body) != 200; i++)
    {
      g_clear_pointer (&body, g_free);
      g_usleep (100 * 1000);
    }
  g_assert_cmpstr (body, ==, "v4 /a");
  g_clear_pointer (&body, g_free);
  for (guint i = 0; i < 50 && http_get (v6_url, &body) != 200; i++)
    {
      g_clear_pointer (&body, g_free);
      g_usleep (100 * 1000);
    }
  g_assert_cmpstr (body, ==, "v6 /b");
  g_clear_pointer (&body, g_free);

  /* A long answer (many reads) arrives whole. */
  big_url = g_strdup_printf ("http://%s/big", v4_host);
  g_assert_cmpuint (http_get (big_url, &body), ==, 200);
  g_assert_cmpuint (strlen (body), ==, 1 << 20);

  forge_sandbox_process_kill (server);
  g_assert_true (wait_until (process_exited, server, 5000));
  lines_clear (&lines);
}

/* Each project has its ports to itself: two both on 3000 inside. */
static void
test_two_servers_same_port (Fixture       *fixture,
                            gconstpointer  user_data)
{
  g_autofree char *other_repo = g_build_filename (fixture->tmp, "other-repo", NULL);
  g_autofree char *other_home = g_build_filename (fixture->tmp, "other-home", NULL);
  g_autoptr(ForgeLocalSandbox) other = NULL;
  g_autoptr(ForgeSandboxProcess) first = NULL;
  g_autoptr(ForgeSandboxProcess) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first_host = NULL;
  g_autofree char *second_host = NULL;
  g_autofree char *first_url = NULL;
  g_autofree char *second_url = NULL;
  g_autofree char *body = NULL;
  Lines first_lines;
  Lines second_lines;

  g_assert_cmpint (g_mkdir (other_repo, 0700), ==, 0);
  other = forge_local_sandbox_new (other_repo, other_home, 0, &error);
  g_assert_no_error (error);

  lines_init (&first_lines);
  lines_init (&second_lines);
  first = spawn_port_3000_server (fixture->sandbox, "first project", &first_lines);
  second = spawn_port_3000_server (other, "second project", &second_lines);

  first_host = forge_sandbox_expose_port (FORGE_SANDBOX (fixture->sandbox), first, 3000, &error);
  g_assert_no_error (error);
  second_host = forge_sandbox_expose_port (FORGE_SANDBOX (other), second, 3000, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first_host, !=, second_host);
  /* 3000 was the servers' choice, not a port the sandbox offered: a
   * server must not choose which host ports get taken. */
  g_assert_false (g_str_has_suffix (first_host, ":3000"));
  g_assert_false (g_str_has_suffix (second_host, ":3000"));

  first_url = g_strdup_printf ("http://%s/", first_host);
  second_url = g_strdup_printf ("http://%s/", second_host);
  g_assert_cmpuint (http_get (first_url, &body), ==, 200);
  g_assert_cmpstr (body, ==, "first project");
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (http_get (second_url, &body), ==, 200);
  g_assert_cmpstr (body, ==, "second project");

  forge_sandbox_process_kill (first);
  forge_sandbox_process_kill (second);
  g_assert_true (wait_until (process_exited, first, 5000));
  g_assert_true (wait_until (process_exited, second, 5000));
  lines_clear (&first_lines);
  lines_clear (&second_lines);
}

/* Installs reach the npm registry through the sandbox's own network. */
static void
test_outbound_network (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  const char *script =
    "require('https').get('https://registry.npmjs.org/is-number', r => { console.log('status ' + r.statusCode); r.resume(); })"
    ".on('error', e => console.log('error ' + e.code));";
  const char *argv[] = { "node", "-e", script, NULL };
  Lines lines;

  lines_init (&lines);
  g_assert_cmpint (run_in (fixture->sandbox, argv, &lines), ==, 0);
  g_assert_cmpuint (lines.out->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (lines.out, 0), ==, "status 200");
  lines_clear (&lines);
}

/* Without slirp4netns the sandbox still runs, on the host's network. */
static void
test_network_fallback (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-sandbox-XXXXXX", NULL);
  g_autofree char *bin = g_build_filename (tmp, "bin", NULL);
  g_autofree char *bwrap_link = g_build_filename (bin, "bwrap", NULL);
  g_autofree char *bwrap = g_find_program_in_path ("bwrap");
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));
  g_autoptr(ForgeLocalSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "true", NULL };
  int status = -1;

  g_assert_cmpint (g_mkdir (bin, 0700), ==, 0);
  g_assert_cmpint (symlink (bwrap, bwrap_link), ==, 0);
  g_setenv ("PATH", bin, TRUE);
  sandbox = forge_local_sandbox_new (tmp, tmp, 0, &error);
  g_setenv ("PATH", old_path, TRUE);
  g_assert_no_error (error);

  g_assert_false (forge_local_sandbox_has_own_network (sandbox));
  g_assert_nonnull (strstr (forge_local_sandbox_get_network_problem (sandbox), "install slirp4netns"));
  g_assert_true (forge_sandbox_run_sync (FORGE_SANDBOX (sandbox), argv, NULL, NULL,
                                         NULL, NULL, &status, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);

  g_clear_object (&sandbox);
  g_assert_true (forge_remove_tree (tmp, NULL));
}

/* Where slirp4netns is there but cannot work (no /dev/net/tun for the
 * user, say), the sandbox still runs, on the host's network, and says
 * why. */
static void
test_network_helper_fails (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-sandbox-XXXXXX", NULL);
  g_autofree char *bin = g_build_filename (tmp, "bin", NULL);
  g_autofree char *bwrap_link = g_build_filename (bin, "bwrap", NULL);
  g_autofree char *fake = g_build_filename (bin, "slirp4netns", NULL);
  g_autofree char *bwrap = g_find_program_in_path ("bwrap");
  g_autofree char *old_path = g_strdup (g_getenv ("PATH"));
  g_autoptr(ForgeLocalSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "true", NULL };

  g_assert_cmpint (g_mkdir (bin, 0700), ==, 0);
  g_assert_cmpint (symlink (bwrap, bwrap_link), ==, 0);
  g_assert_true (g_file_set_contents (fake, "#!/bin/sh\necho 'cannot open /dev/net/tun' >&2\nexit 1\n", -1, NULL));
  g_assert_cmpint (g_chmod (fake, 0755), ==, 0);
  g_setenv ("PATH", bin, TRUE);
  sandbox = forge_local_sandbox_new (tmp, tmp, 0, &error);
  g_setenv ("PATH", old_path, TRUE);
  g_assert_no_error (error);

  g_assert_false (forge_local_sandbox_has_own_network (sandbox));
  g_assert_nonnull (strstr (forge_local_sandbox_get_network_problem (sandbox), "slirp4netns cannot run here"));
  g_assert_cmpint (run_in (sandbox, argv, NULL), ==, 0);

  g_clear_object (&sandbox);
  g_assert_true (forge_remove_tree (tmp, NULL));
}

/* A server printing endless lines must not grow the app: each line is cut
 * at 4 KiB, and what follows a cut line is dropped up to its newline. */
static void
test_long_lines_are_cut (Fixture       *fixture,
                         gconstpointer  user_data)
{
  Lines lines;
  const char *first;

  lines_init (&lines);
  g_assert_cmpint (run_sh (fixture,
                           "head -c 65536 /dev/zero | tr '\\0' 'a'; echo; "
                           "echo next; "
                           "head -c 1048576 /dev/zero | tr '\\0' 'b'; echo; "
                           "printf 'é%.0s' $(seq 3000); echo; "
                           "echo last",
                           &lines), ==, 0);
  g_assert_cmpuint (lines.out->len, ==, 5);
  first = g_ptr_array_index (lines.out, 0);
  g_assert_cmpuint (strlen (first), <=, 4096 + strlen ("…"));
  g_assert_true (g_str_has_prefix (first, "aaaa"));
  g_assert_true (g_str_has_suffix (first, "…"));
  g_assert_cmpstr (g_ptr_array_index (lines.out, 1), ==, "next");
  g_assert_cmpuint (strlen (g_ptr_array_index (lines.out, 2)), <=, 4096 + strlen ("…"));
  /* Cut between characters, never inside one. */
  g_assert_true (g_utf8_validate (g_ptr_array_index (lines.out, 3), -1, NULL));
  g_assert_true (g_str_has_suffix (g_ptr_array_index (lines.out, 3), "é…"));
  g_assert_cmpstr (g_ptr_array_index (lines.out, 4), ==, "last");
  lines_clear (&lines);
}

/* One project's code writes rc files and executables into its home: the
 * next project's sandbox sees none of them, only npm's shared content. */
static void
test_homes_are_private (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autofree char *cache = g_build_filename (fixture->tmp, "npm-content", NULL);
  g_autofree char *planter_npm = g_build_filename (fixture->tmp, "planter-npm-cache", NULL);
  g_autofree char *victim_npm = g_build_filename (fixture->tmp, "victim-npm-cache", NULL);
  g_autofree char *other_repo = g_build_filename (fixture->tmp, "other-repo", NULL);
  g_autofree char *other_home = g_build_filename (fixture->tmp, "other-home", NULL);
  g_autoptr(ForgeLocalSandbox) victim = NULL;
  g_autoptr(GError) error = NULL;
  const char *plant_argv[] = {
    "sh", "-c",
    "echo 'yarn-path \"/home/user/evil.js\"' > ~/.yarnrc && "
    "echo 'registry=http://evil.invalid/' > ~/.npmrc && "
    "echo 'echo pwned' > ~/.bashrc && "
    "mkdir -p ~/.node_modules/lodash $npm_config_cache/_npx/evil $npm_config_cache/_cacache/index-v5/ff "
    "         $npm_config_cache/_cacache/content-v2/sha512 && "
    "echo evil > $npm_config_cache/_npx/evil/package.json && "
    "echo evil > $npm_config_cache/_cacache/index-v5/ff/poisoned && "
    "echo blob > $npm_config_cache/_cacache/content-v2/sha512/shared-blob",
    NULL
  };
  const char *look_argv[] = {
    "sh", "-c",
    "for f in ~/.yarnrc ~/.npmrc ~/.bashrc ~/.node_modules $npm_config_cache/_npx $npm_config_cache/_cacache/index-v5/ff/poisoned; do "
    "  test -e $f && echo \"visible $f\"; done; "
    "cat $npm_config_cache/_cacache/content-v2/sha512/shared-blob",
    NULL
  };
  Lines lines;

  forge_local_sandbox_set_package_cache (fixture->sandbox, cache, planter_npm);
  g_assert_cmpint (run_in (fixture->sandbox, plant_argv, NULL), ==, 0);

  g_assert_cmpint (g_mkdir (other_repo, 0700), ==, 0);
  victim = forge_local_sandbox_new (other_repo, other_home, 0, &error);
  g_assert_no_error (error);
  forge_local_sandbox_set_package_cache (victim, cache, victim_npm);

  lines_init (&lines);
  g_assert_cmpint (run_in (victim, look_argv, &lines), ==, 0);
  g_assert_cmpuint (lines.out->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (lines.out, 0), ==, "blob");
  lines_clear (&lines);
}

/* The project's npm cache is the sandbox's to write in: symlinks planted
 * there never lead the host (which lays out the cache before each
 * sandbox) or bwrap (which mounts it) anywhere else. */
static void
test_planted_cache_symlinks (Fixture       *fixture,
                             gconstpointer  user_data)
{
  g_autofree char *cache = g_build_filename (fixture->tmp, "npm-content", NULL);
  g_autofree char *npm_cache = g_build_filename (fixture->tmp, "npm-cache", NULL);
  g_autofree char *cacache = g_build_filename (npm_cache, "_cacache", NULL);
  g_autofree char *plant = g_strdup_printf ("rm -rf $npm_config_cache/_cacache && "
                                            "ln -s '%s' $npm_config_cache/_cacache",
                                            fixture->outside_dir);
  g_autoptr(ForgeLocalSandbox) next = NULL;
  g_autoptr(GDir) outside = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *blob = NULL;
  const char *write_argv[] = {
    "sh", "-c", "mkdir -p $npm_config_cache/_cacache/content-v2/x && echo blob > $npm_config_cache/_cacache/content-v2/x/y",
    NULL
  };
  Lines lines;

  forge_local_sandbox_set_package_cache (fixture->sandbox, cache, npm_cache);
  lines_init (&lines);
  g_assert_cmpint (run_sh (fixture, plant, &lines), ==, 0);
  lines_clear (&lines);
  g_assert_true (g_file_test (cacache, G_FILE_TEST_IS_SYMLINK));

  next = forge_local_sandbox_new (fixture->repo_dir, fixture->home_dir, 0, &error);
  g_assert_no_error (error);
  forge_local_sandbox_set_package_cache (next, cache, npm_cache);
  g_assert_cmpint (run_in (next, write_argv, NULL), ==, 0);

  /* Nothing was made in the outside folder, and the entry is shared. */
  outside = g_dir_open (fixture->outside_dir, 0, &error);
  g_assert_no_error (error);
  g_assert_null (g_dir_read_name (outside));
  g_assert_false (g_file_test (cacache, G_FILE_TEST_IS_SYMLINK));
  blob = g_build_filename (cache, "content-v2", "x", "y", NULL);
  g_assert_true (g_file_test (blob, G_FILE_TEST_IS_REGULAR));
}

/* What stands where the repository is mounted in the home is replaced,
 * never followed. */
static void
test_planted_repo_mount_point (Fixture       *fixture,
                               gconstpointer  user_data)
{
  g_autofree char *home = g_build_filename (fixture->tmp, "planted-home", NULL);
  g_autofree char *mount_point = g_build_filename (home, "repo", NULL);
  g_autofree char *target = g_build_filename (fixture->outside_dir, "made-through-symlink", NULL);
  g_autoptr(ForgeLocalSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "sh", "-c", "test -f /home/user/repo/from-host", NULL };
  g_autofree char *host_file = g_build_filename (fixture->repo_dir, "from-host", NULL);

  g_assert_cmpint (g_mkdir (home, 0700), ==, 0);
  g_assert_cmpint (symlink (target, mount_point), ==, 0);
  g_assert_true (g_file_set_contents (host_file, "x", -1, NULL));

  sandbox = forge_local_sandbox_new (fixture->repo_dir, home, 0, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (mount_point, G_FILE_TEST_IS_SYMLINK));
  g_assert_cmpint (run_in (sandbox, argv, NULL), ==, 0);
}

/* Inside Flatpak bwrap runs on the host through flatpak-spawn, which
 * passes on only the fds it is told to: every fd bwrap reads (the seccomp
 * filter's above all) must be forwarded, or it would run unfiltered or
 * not at all. */
static void
assert_fds_forwarded (ForgeLocalSandbox *sandbox)
{
  const char *argv[] = { "true", NULL };
  g_auto(GStrv) line = _forge_local_sandbox_dup_command_line (sandbox, TRUE, argv);
  g_autoptr(GHashTable) forwarded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean filtered = FALSE;

  g_assert_cmpstr (line[0], ==, "flatpak-spawn");
  for (guint i = 0; line[i] != NULL; i++)
    if (g_str_has_prefix (line[i], "--forward-fd="))
      g_hash_table_add (forwarded, g_strdup (line[i] + strlen ("--forward-fd=")));

  /* Through every bwrap on the line: with a network of its own, an outer
   * one holds the namespace and runs the real one. The command is "true". */
  for (guint i = 0; line[i] != NULL; i++)
    {
      static const char * const fd_options[] = { "--seccomp", "--info-fd", "--block-fd", "--ro-bind-data" };

      for (guint j = 0; j < G_N_ELEMENTS (fd_options); j++)
        if (g_str_equal (line[i], fd_options[j]))
          {
            g_assert_nonnull (line[i + 1]);
            if (!g_hash_table_contains (forwarded, line[i + 1]))
              g_error ("%s %s is not forwarded to flatpak-spawn", line[i], line[i + 1]);
          }

      filtered |= g_str_equal (line[i], "--seccomp");
    }

  g_assert_true (filtered);
}

static void
test_flatpak_forwards_fds (Fixture       *fixture,
                           gconstpointer  user_data)
{
  assert_fds_forwarded (fixture->sandbox);
  forge_local_sandbox_set_shared_network (fixture->sandbox, TRUE);
  assert_fds_forwarded (fixture->sandbox);
}

/* }}} */

#define ADD(path, timeout, func) \
  g_test_add (path, Fixture, GUINT_TO_POINTER (timeout), fixture_set_up, func, fixture_tear_down)

/* {{{ Limits: hostile fixtures */

#define MB (G_GUINT64_CONSTANT (1024) * 1024)

static void
set_limits (Fixture  *fixture,
            guint64   memory_bytes,
            guint     max_tasks,
            guint64   tmp_bytes,
            guint64   workspace_bytes)
{
  ForgeSandboxLimits limits = {
    .memory_bytes = memory_bytes,
    .max_tasks = max_tasks,
    .max_open_files = 256,
    .tmp_bytes = tmp_bytes,
    .workspace_bytes = workspace_bytes,
  };
  g_autofree char *note = NULL;

  forge_local_sandbox_set_limits (fixture->sandbox, &limits);
  note = forge_sandbox_dup_limits_note (FORGE_SANDBOX (fixture->sandbox));
  g_test_message ("%s", note);
  g_assert_true (g_str_has_prefix (note, "Limits: "));
}

typedef struct
{
  guint64 pid_ns;
  guint   most;
} Sampled;

static gboolean
sample_tasks (gpointer data)
{
  Sampled *sampled = data;

  sampled->most = MAX (sampled->most, count_namespace_processes (sampled->pid_ns));
  return FALSE;
}

static void
test_limits_fork_bomb (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(ForgeSandboxProcess) bomb = NULL;
  g_autofree char *note = NULL;
  g_autofree char *report = NULL;
  Sampled sampled = { 0 };
  const char *argv[] = { "echo", "still here", NULL };
  Lines lines;

  set_limits (fixture, 0, 48, 0, 0);
  note = forge_sandbox_dup_limits_note (FORGE_SANDBOX (fixture->sandbox));

  /* Forks without end; each copy that cannot fork dies and makes room
   * for another. */
  bomb = spawn_sh (fixture, "f() { f & f & wait; }; f");
  sampled.pid_ns = pid_namespace_of (forge_sandbox_process_get_pid (bomb));
  g_assert_cmpuint (sampled.pid_ns, !=, 0);

  /* 3 s of sampling: never more than the limit at once. */
  wait_until (sample_tasks, &sampled, 3000);
  g_test_message ("at most %u processes", sampled.most);
  g_assert_cmpuint (sampled.most, >, 8);
  g_assert_cmpuint (sampled.most, <=, 48);

  /* The reported limit, where a cgroup counts the refused forks. */
  if (forge_local_sandbox_get_cgroup_kind (fixture->sandbox) != NULL)
    {
      report = forge_sandbox_take_limit_report (FORGE_SANDBOX (fixture->sandbox));
      g_assert_cmpstr (report, ==, "reached its limit of 48 processes");
    }
  else
    g_assert_nonnull (strstr (note, "48 processes (rlimit)"));

  /* Stopped, it leaves nothing; the sandbox still runs commands. */
  forge_sandbox_process_kill (bomb);
  g_assert_true (wait_until (namespace_empty, &sampled.pid_ns, 10000));
  lines_init (&lines);
  g_assert_cmpint (run_in (fixture->sandbox, argv, &lines), ==, 0);
  g_assert_cmpstr (g_ptr_array_index (lines.out, 0), ==, "still here");
  lines_clear (&lines);
}

static void
test_limits_memory_hog (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autofree char *report = NULL;
  g_autofree char *node = g_find_program_in_path ("node");
  const char *node_hog[] = { "node", "-e", "const a = []; for (;;) a.push(Buffer.alloc(8 << 20, 1));", NULL };
  const char *sh_hog[] = { "sh", "-c", "x=0123456789abcdef; while :; do x=$x$x; done", NULL };
  const char *argv[] = { "echo", "still here", NULL };
  Lines lines;
  int status;

  set_limits (fixture, 192 * MB, 0, 0, 0);

  lines_init (&lines);
  status = run_in (fixture->sandbox, node != NULL ? node_hog : sh_hog, &lines);
  lines_clear (&lines);

  /* Killed (SIGKILL), by the kernel or by the guard, and said so. */
  g_assert_cmpint (status, ==, 128 + SIGKILL);
  report = forge_sandbox_take_limit_report (FORGE_SANDBOX (fixture->sandbox));
  g_assert_cmpstr (report, ==, "ran out of memory (limit 192 MB)");
  /* Without a cgroup, the guard saw it grow; with one, the kernel may
   * have been quicker than the guard's first look. */
  if (forge_local_sandbox_get_cgroup_kind (fixture->sandbox) == NULL)
    g_assert_cmpuint (forge_local_sandbox_get_memory_peak (fixture->sandbox), >, 64 * MB);

  /* Said once; the sandbox lives on. */
  g_clear_pointer (&report, g_free);
  report = forge_sandbox_take_limit_report (FORGE_SANDBOX (fixture->sandbox));
  g_assert_null (report);
  lines_init (&lines);
  g_assert_cmpint (run_in (fixture->sandbox, argv, &lines), ==, 0);
  lines_clear (&lines);
}

static void
test_limits_tmp (Fixture       *fixture,
                 gconstpointer  user_data)
{
  Lines lines;
  int status;

  set_limits (fixture, 0, 0, 16 * MB, 0);

  /* /tmp (and /var/tmp, the same) holds 16 MB; bwrap's root, which the
   * host's memory backs, holds nothing at all. */
  lines_init (&lines);
  status = run_sh (fixture,
                   "dd if=/dev/zero of=/tmp/big bs=1M count=64 2>&1; "
                   "echo tmp $(du -sm /tmp | cut -f1); "
                   "echo var-tmp $(readlink /var/tmp); "
                   "if touch /planted 2>/dev/null; then echo root writable; fi; "
                   "if mkdir /opt/planted 2>/dev/null; then echo opt writable; fi",
                   &lines);
  g_assert_cmpint (status, ==, 0);
  {
    g_autofree char *out = NULL;

    g_ptr_array_add (lines.out, NULL);
    out = g_strjoinv ("\n", (char **) lines.out->pdata);
    g_test_message ("%s", out);
    g_assert_nonnull (strstr (out, "No space left on device"));
    g_assert_nonnull (strstr (out, "tmp 16\n"));
    g_assert_nonnull (strstr (out, "var-tmp ../tmp"));
    g_assert_null (strstr (out, "writable"));
  }
  lines_clear (&lines);
}

static void
test_limits_workspace (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autofree char *report = NULL;
  g_autofree char *big = g_build_filename (fixture->repo_dir, "big", NULL);
  Lines lines;
  int status;

  set_limits (fixture, 0, 0, 0, 32 * MB);

  /* Past the cap, then waits: the guard stops it, while it writes or
   * once it sleeps. */
  lines_init (&lines);
  status = run_sh (fixture, "dd if=/dev/urandom of=big bs=1M count=48 2>/dev/null; sleep 600; echo slept", &lines);
  g_assert_cmpint (status, ==, 128 + SIGKILL);
  g_assert_cmpuint (lines.out->len, ==, 0);
  lines_clear (&lines);

  report = forge_sandbox_take_limit_report (FORGE_SANDBOX (fixture->sandbox));
  g_assert_cmpstr (report, ==, "filled the workspace past its disk limit (32 MB)");
  g_assert_true (g_file_test (big, G_FILE_TEST_IS_REGULAR));
}

static void
test_limits_workspace_symlinks_not_followed (Fixture       *fixture,
                                             gconstpointer  user_data)
{
  g_autofree char *outside_file = g_build_filename (fixture->outside_dir, "big", NULL);
  g_autofree char *report = NULL;
  g_autofree char *content = g_malloc0 (48 * MB);
  g_autoptr(GError) error = NULL;
  g_autofree char *symlink_path = g_build_filename (fixture->repo_dir, "outside", NULL);
  g_autofree char *hard = g_build_filename (fixture->repo_dir, "hard", NULL);
  g_autofree char *inside = g_build_filename (fixture->repo_dir, "inside", NULL);
  Lines lines;

  /* 48 MB outside, behind a symlink: not the workspace's. A hard-linked
   * file inside counts once. */
  g_assert_true (g_file_set_contents (outside_file, content, 48 * MB, &error));
  g_assert_no_error (error);
  g_assert_cmpint (symlink (fixture->outside_dir, symlink_path), ==, 0);
  g_assert_true (g_file_set_contents (inside, content, 20 * MB, &error));
  g_assert_cmpint (link (inside, hard), ==, 0);

  set_limits (fixture, 0, 0, 0, 32 * MB);
  lines_init (&lines);
  g_assert_cmpint (run_sh (fixture, "sleep 3; echo done", &lines), ==, 0);
  lines_clear (&lines);

  report = forge_sandbox_take_limit_report (FORGE_SANDBOX (fixture->sandbox));
  g_assert_null (report);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_autofree char *bwrap = NULL;
  g_autofree char *helper = NULL;
  g_autofree char *built_relay = NULL;
  g_autofree char *relay = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  main_thread = g_thread_self ();
  /* Set before any thread exists; must not show up inside. */
  g_setenv ("FORGE_SECRET_CANARY", "do-not-leak", TRUE);

  /* Our own helper programs are on PATH inside: a test one, and the
   * real loopback relay from the build tree. */
  helper_dir = g_dir_make_tmp ("forge-helpers-XXXXXX", NULL);
  g_assert_nonnull (helper_dir);
  helper = g_build_filename (helper_dir, "forge-hello", NULL);
  g_assert_true (g_file_set_contents (helper, "#!/bin/sh\necho hello from $0\n", -1, NULL));
  g_assert_cmpint (g_chmod (helper, 0755), ==, 0);
  built_relay = g_build_filename (g_getenv ("FORGE_HELPER_DIR"), "forge-loopback-relay", NULL);
  relay = g_build_filename (helper_dir, "forge-loopback-relay", NULL);
  g_assert_true (g_file_test (built_relay, G_FILE_TEST_IS_EXECUTABLE));
  {
    /* A copy: a symlink would point outside what the sandbox sees. */
    g_autoptr(GFile) source = g_file_new_for_path (built_relay);
    g_autoptr(GFile) destination = g_file_new_for_path (relay);

    g_assert_true (g_file_copy (source, destination, G_FILE_COPY_ALL_METADATA, NULL, NULL, NULL, NULL));
  }
  g_setenv ("FORGE_HELPER_DIR", helper_dir, TRUE);

  if (!(bwrap = g_find_program_in_path ("bwrap")))
    {
      g_test_skip ("bwrap is not installed");
      return g_test_run ();
    }

  ADD ("/local-sandbox/run/streams", 0, test_run_streams);
  ADD ("/local-sandbox/run/live-and-cancel", 0, test_run_lines_live_and_cancel);
  ADD ("/local-sandbox/isolation", 0, test_isolation);
  ADD ("/local-sandbox/node-and-loopback", 0, test_node_and_loopback);
  ADD ("/local-sandbox/escape/abstract-sockets", 0, test_escape_abstract_sockets);
  g_test_add ("/local-sandbox/escape/abstract-sockets-shared-network", Fixture, NULL,
              fixture_set_up_shared_network, test_escape_abstract_sockets_shared_network, fixture_tear_down);
  ADD ("/local-sandbox/escape/io-uring", 0, test_escape_io_uring);
  g_test_add ("/local-sandbox/escape/io-uring-shared-network", Fixture, NULL,
              fixture_set_up_shared_network, test_escape_io_uring, fixture_tear_down);
  ADD ("/local-sandbox/escape/user-namespace", 0, test_escape_user_namespace);
  ADD ("/local-sandbox/escape/host-loopback", 0, test_escape_host_loopback);
  ADD ("/local-sandbox/fork-with-ipc", 0, test_fork_with_ipc);
  g_test_add ("/local-sandbox/fork-with-ipc-shared-network", Fixture, NULL,
              fixture_set_up_shared_network, test_fork_with_ipc, fixture_tear_down);
  ADD ("/local-sandbox/network/abstract-socket-inside", 0, test_abstract_socket_inside);
  ADD ("/local-sandbox/network/two-servers-same-port", 0, test_two_servers_same_port);
  ADD ("/local-sandbox/network/loopback-only-server", 0, test_loopback_only_server);
  ADD ("/local-sandbox/network/outbound", 0, test_outbound_network);
  g_test_add_func ("/local-sandbox/network/fallback", test_network_fallback);
  g_test_add_func ("/local-sandbox/network/helper-fails", test_network_helper_fails);
  ADD ("/local-sandbox/output/long-lines", 0, test_long_lines_are_cut);
  ADD ("/local-sandbox/homes-are-private", 0, test_homes_are_private);
  ADD ("/local-sandbox/escape/planted-cache-symlinks", 0, test_planted_cache_symlinks);
  ADD ("/local-sandbox/escape/planted-repo-mount-point", 0, test_planted_repo_mount_point);
  ADD ("/local-sandbox/escape/flatpak-forwards-fds", 0, test_flatpak_forwards_fds);
  ADD ("/local-sandbox/expiry", 1, test_expiry);
  ADD ("/local-sandbox/set-timeout/extends", 1, test_set_timeout_extends);
  ADD ("/local-sandbox/set-timeout/shortens", 60, test_set_timeout_shortens);
  ADD ("/local-sandbox/kill/leaves-nothing", 0, test_kill_leaves_nothing);
  ADD ("/local-sandbox/kill/one-process", 0, test_process_kill);
  ADD ("/local-sandbox/process/exited", 0, test_exited_signal);
  ADD ("/local-sandbox/process/exit-code-convention", 0, test_exit_code_convention);
  ADD ("/local-sandbox/process/survives-spawning-thread", 0, test_survives_spawning_thread);
  ADD ("/local-sandbox/process/bwrap-killed", 0, test_bwrap_killed);
  ADD ("/local-sandbox/dispose-kills", 0, test_dispose_kills);
  g_test_add_func ("/local-sandbox/unavailable", test_unavailable);
  ADD ("/local-sandbox/limits/fork-bomb", 0, test_limits_fork_bomb);
  ADD ("/local-sandbox/limits/memory-hog", 0, test_limits_memory_hog);
  ADD ("/local-sandbox/limits/tmp", 0, test_limits_tmp);
  ADD ("/local-sandbox/limits/workspace", 0, test_limits_workspace);
  ADD ("/local-sandbox/limits/workspace-symlinks-not-followed", 0, test_limits_workspace_symlinks_not_followed);

  ret = g_test_run ();

  g_remove (helper);
  g_remove (relay);
  g_rmdir (helper_dir);
  g_clear_pointer (&helper_dir, g_free);

  return ret;
}
