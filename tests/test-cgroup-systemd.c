/* test-cgroup-systemd.c
 *
 * Where systemd runs the computer, a sandbox's limits are a transient
 * slice of the user's service manager, and its commands join it through
 * `systemd-run --user --scope`. This machine has no systemd, so the
 * service manager is a stand-in on the test's session bus (what it is
 * asked, and the slice's folder it reports: one in a temporary folder,
 * with the files a cgroup v2 folder has), and systemd-run one that
 * records its words and runs the command after "--". What systemd itself
 * then enforces is not tested here.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "forge-cgroup-private.h"
#include "forge-local-sandbox-private.h"
#include "forge-util.h"

#define MB (G_GUINT64_CONSTANT (1024) * 1024)
#define SLICE_CGROUP "/user.slice/user-1000.slice/user@1000.service/forgepreview.slice"

static const char manager_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.systemd1.Manager'>"
  "    <method name='StartTransientUnit'>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
  "      <arg type='a(sv)' direction='in'/><arg type='a(sa(sv))' direction='in'/>"
  "      <arg type='o' direction='out'/>"
  "    </method>"
  "    <method name='StopUnit'>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='o' direction='out'/>"
  "    </method>"
  "    <method name='KillUnit'>"
  "      <arg type='s' direction='in'/><arg type='s' direction='in'/><arg type='i' direction='in'/>"
  "    </method>"
  "    <method name='GetUnit'>"
  "      <arg type='s' direction='in'/><arg type='o' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static const char slice_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.systemd1.Slice'>"
  "    <property name='ControlGroup' type='s' access='read'/>"
  "  </interface>"
  "</node>";

/* {{{ The stand-in service manager, on a thread of its own */

typedef struct
{
  GMutex        mutex;
  GCond         cond;
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  gboolean      ready;
  char         *unit;         /* the transient unit made, under mutex */
  char         *mode;
  GVariant     *properties;   /* a(sv) */
  char         *stopped;      /* the unit stopped last */
  gboolean      started;
} FakeSystemd;

static void
manager_method_call (GDBusConnection       *connection,
                     const char            *sender,
                     const char            *object_path,
                     const char            *interface_name,
                     const char            *method_name,
                     GVariant              *parameters,
                     GDBusMethodInvocation *invocation,
                     gpointer               user_data)
{
  FakeSystemd *fake = user_data;

  g_mutex_lock (&fake->mutex);
  if (g_str_equal (method_name, "StartTransientUnit"))
    {
      g_clear_pointer (&fake->unit, g_free);
      g_clear_pointer (&fake->mode, g_free);
      g_clear_pointer (&fake->properties, g_variant_unref);
      g_variant_get (parameters, "(ss@a(sv)@a(sa(sv)))", &fake->unit, &fake->mode, &fake->properties, NULL);
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(o)", "/org/freedesktop/systemd1/job/1"));
    }
  else if (g_str_equal (method_name, "GetUnit"))
    {
      const char *name;

      g_variant_get (parameters, "(&s)", &name);
      if (g_strcmp0 (name, fake->unit) == 0)
        g_dbus_method_invocation_return_value (invocation,
                                               g_variant_new ("(o)", "/org/freedesktop/systemd1/unit/forge"));
      else
        g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.systemd1.NoSuchUnit",
                                                    "Unit not loaded.");
    }
  else if (g_str_equal (method_name, "StopUnit"))
    {
      g_clear_pointer (&fake->stopped, g_free);
      g_variant_get (parameters, "(ss)", &fake->stopped, NULL);
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(o)", "/org/freedesktop/systemd1/job/2"));
    }
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
  g_cond_broadcast (&fake->cond);
  g_mutex_unlock (&fake->mutex);
}

static GVariant *
slice_get_property (GDBusConnection  *connection,
                    const char       *sender,
                    const char       *object_path,
                    const char       *interface_name,
                    const char       *property_name,
                    GError          **error,
                    gpointer          user_data)
{
  return g_variant_new_string (SLICE_CGROUP);
}

static gpointer
fake_systemd_thread (gpointer data)
{
  static const GDBusInterfaceVTable manager_vtable = { manager_method_call, NULL, NULL, { 0 } };
  static const GDBusInterfaceVTable slice_vtable = { NULL, slice_get_property, NULL, { 0 } };
  FakeSystemd *fake = data;
  g_autoptr(GDBusNodeInfo) manager_info = g_dbus_node_info_new_for_xml (manager_xml, NULL);
  g_autoptr(GDBusNodeInfo) slice_info = g_dbus_node_info_new_for_xml (slice_xml, NULL);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (fake->context);

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  connection = g_dbus_connection_new_for_address_sync (address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (connection, "/org/freedesktop/systemd1", manager_info->interfaces[0],
                                     &manager_vtable, fake, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (connection, "/org/freedesktop/systemd1/unit/forge", slice_info->interfaces[0],
                                     &slice_vtable, fake, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.systemd1", 4 /* DO_NOT_QUEUE */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);

  g_mutex_lock (&fake->mutex);
  fake->ready = TRUE;
  g_cond_broadcast (&fake->cond);
  g_mutex_unlock (&fake->mutex);

  g_main_loop_run (fake->loop);

  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_main_context_pop_thread_default (fake->context);
  return NULL;
}

static void
fake_systemd_start (FakeSystemd *fake)
{
  g_mutex_init (&fake->mutex);
  g_cond_init (&fake->cond);
  fake->context = g_main_context_new ();
  fake->loop = g_main_loop_new (fake->context, FALSE);
  fake->thread = g_thread_new ("fake-systemd", fake_systemd_thread, fake);

  g_mutex_lock (&fake->mutex);
  {
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

    while (!fake->ready)
      if (!g_cond_wait_until (&fake->cond, &fake->mutex, deadline))
        g_error ("The stand-in service manager did not start");
  }
  g_mutex_unlock (&fake->mutex);
  fake->started = TRUE;
}

static void
fake_systemd_stop (FakeSystemd *fake)
{
  if (!fake->started)
    return;
  fake->started = FALSE;
  g_main_loop_quit (fake->loop);
  g_thread_join (fake->thread);
  g_main_loop_unref (fake->loop);
  g_main_context_unref (fake->context);
  g_clear_pointer (&fake->unit, g_free);
  g_clear_pointer (&fake->mode, g_free);
  g_clear_pointer (&fake->properties, g_variant_unref);
  g_clear_pointer (&fake->stopped, g_free);
  g_mutex_clear (&fake->mutex);
  g_cond_clear (&fake->cond);
}

static guint64
fake_property (FakeSystemd *fake,
               const char  *name)
{
  guint64 value = G_MAXUINT64;
  g_autoptr(GVariant) found = NULL;

  g_mutex_lock (&fake->mutex);
  for (gsize i = 0; fake->properties != NULL && i < g_variant_n_children (fake->properties); i++)
    {
      const char *key;
      g_autoptr(GVariant) v = NULL;

      g_variant_get_child (fake->properties, i, "(&sv)", &key, &v);
      if (g_str_equal (key, name) && g_variant_is_of_type (v, G_VARIANT_TYPE_UINT64))
        value = g_variant_get_uint64 (v);
    }
  g_mutex_unlock (&fake->mutex);

  return value;
}

/* }}} */

typedef struct
{
  char            *tmp;
  char            *cgroup_root;
  char            *slice_dir;
  char            *systemd_run;
  char            *record;
  GDBusConnection *bus;
  FakeSystemd      fake;
} Fixture;

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
}

static char *
read_file (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, NULL);
  return contents;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = NULL;

  fixture->tmp = g_dir_make_tmp ("forge-cgroup-systemd-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->cgroup_root = g_build_filename (fixture->tmp, "cgroup", NULL);
  fixture->slice_dir = g_build_filename (fixture->cgroup_root, SLICE_CGROUP, NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->slice_dir, 0700), ==, 0);
  write_file (fixture->slice_dir, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
  write_file (fixture->slice_dir, "pids.events", "max 0\n");
  write_file (fixture->slice_dir, "pids.current", "0\n");
  write_file (fixture->slice_dir, "cgroup.kill", "");

  fixture->record = g_build_filename (fixture->tmp, "systemd-run-words", NULL);
  fixture->systemd_run = g_build_filename (fixture->tmp, "systemd-run", NULL);
  script = g_strdup_printf ("#!/bin/sh\n"
                            "printf '%%s\\n' \"$@\" > '%s'\n"
                            "while [ \"$1\" != -- ]; do shift; done\n"
                            "shift\n"
                            "exec \"$@\"\n", fixture->record);
  g_assert_true (g_file_set_contents (fixture->systemd_run, script, -1, &error));
  g_assert_cmpint (g_chmod (fixture->systemd_run, 0755), ==, 0);

  fixture->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  /* Without @data, no service manager answers on the bus. */
  if (data == NULL)
    fake_systemd_start (&fixture->fake);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  fake_systemd_stop (&fixture->fake);
  g_clear_object (&fixture->bus);
  forge_remove_tree (fixture->tmp, NULL);
  g_clear_pointer (&fixture->tmp, g_free);
  g_clear_pointer (&fixture->cgroup_root, g_free);
  g_clear_pointer (&fixture->slice_dir, g_free);
  g_clear_pointer (&fixture->systemd_run, g_free);
  g_clear_pointer (&fixture->record, g_free);
}

static ForgeCgroup *
new_slice (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  ForgeCgroup *cgroup;

  cgroup = _forge_cgroup_new_systemd ("local-0a1b2c3d", 512 * MB, 100, fixture->bus,
                                      fixture->systemd_run, fixture->cgroup_root, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cgroup);
  return cgroup;
}

static void
test_slice (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(ForgeCgroup) cgroup = new_slice (fixture);
  const char * const *wrapper;
  g_autofree char *killed = NULL;

  /* A transient slice with the limits; a dash would be a level of the
   * tree. */
  g_assert_cmpstr (fixture->fake.unit, ==, "forgepreview-local_0a1b2c3d.slice");
  g_assert_cmpstr (fixture->fake.mode, ==, "fail");
  g_assert_cmpuint (fake_property (&fixture->fake, "MemoryMax"), ==, 512 * MB);
  g_assert_cmpuint (fake_property (&fixture->fake, "MemorySwapMax"), ==, 0);
  g_assert_cmpuint (fake_property (&fixture->fake, "TasksMax"), ==, 100);
  g_assert_cmpstr (forge_cgroup_get_kind (cgroup), ==, "systemd slice");
  g_assert_true (forge_cgroup_limits_memory (cgroup));
  g_assert_true (forge_cgroup_limits_tasks (cgroup));

  /* Commands join it as scopes, through systemd-run. */
  wrapper = forge_cgroup_get_wrapper_argv (cgroup);
  g_assert_nonnull (wrapper);
  g_assert_cmpstr (wrapper[0], ==, fixture->systemd_run);
  g_assert_true (g_strv_contains (wrapper, "--user"));
  g_assert_true (g_strv_contains (wrapper, "--scope"));
  g_assert_true (g_strv_contains (wrapper, "--slice=forgepreview-local_0a1b2c3d.slice"));
  g_assert_cmpstr (wrapper[g_strv_length ((char **) wrapper) - 1], ==, "--");
  g_assert_true (forge_cgroup_enter_from_child (cgroup));

  /* Its counters are read where systemd says its folder is. */
  g_assert_cmpuint (forge_cgroup_get_oom_kills (cgroup), ==, 0);
  write_file (fixture->slice_dir, "memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\n");
  write_file (fixture->slice_dir, "pids.events", "max 7\n");
  write_file (fixture->slice_dir, "pids.current", "12\n");
  g_assert_cmpuint (forge_cgroup_get_oom_kills (cgroup), ==, 2);
  g_assert_cmpuint (forge_cgroup_get_refused_tasks (cgroup), ==, 7);
  g_assert_cmpuint (forge_cgroup_count_tasks (cgroup), ==, 12);

  forge_cgroup_kill (cgroup);
  killed = read_file (fixture->slice_dir, "cgroup.kill");
  g_assert_cmpstr (killed, ==, "1");

  /* Gone with the sandbox. */
  g_clear_object (&cgroup);
  g_assert_cmpstr (fixture->fake.stopped, ==, "forgepreview-local_0a1b2c3d.slice");
}

static void
test_refused (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeCgroup) cgroup = NULL;

  /* No service manager on the bus: no slice, and why. */
  cgroup = _forge_cgroup_new_systemd ("local-x", 512 * MB, 100, fixture->bus,
                                      fixture->systemd_run, fixture->cgroup_root, &error);
  g_assert_null (cgroup);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "no slice"));
}

static void
test_sandbox_commands_join (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(ForgeCgroup) cgroup = new_slice (fixture);
  g_autoptr(ForgeLocalSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *repo = g_build_filename (fixture->tmp, "repo", NULL);
  g_autofree char *home = g_build_filename (fixture->tmp, "home", NULL);
  g_autofree char *words = NULL;
  g_autofree char *note = NULL;
  g_autofree char *report = NULL;
  g_auto(GStrv) lines = NULL;
  const char *argv[] = { "sh", "-c", "echo joined; exit 137", NULL };
  ForgeSandboxLimits limits;
  int status = -1;

  forge_sandbox_limits_init_default (&limits);
  limits.memory_bytes = 512 * MB;
  g_assert_cmpint (g_mkdir_with_parents (repo, 0700), ==, 0);
  sandbox = forge_local_sandbox_new (repo, home, 0, &error);
  g_assert_no_error (error);
  _forge_local_sandbox_set_limits_in_cgroup (sandbox, &limits, cgroup);

  note = forge_sandbox_dup_limits_note (FORGE_SANDBOX (sandbox));
  g_assert_nonnull (strstr (note, "memory 512 MB (systemd slice)"));

  /* The command runs, through systemd-run into the slice. */
  g_assert_true (forge_sandbox_run_sync (FORGE_SANDBOX (sandbox), argv, NULL, NULL, NULL, NULL,
                                         &status, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 137);
  g_assert_true (g_file_get_contents (fixture->record, &words, NULL, NULL));
  lines = g_strsplit (words, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "--user");
  g_assert_true (g_strv_contains ((const char * const *) lines, "--slice=forgepreview-local_0a1b2c3d.slice"));
  g_assert_true (g_strv_contains ((const char * const *) lines, "--"));
  g_assert_nonnull (strstr (words, "bwrap\n"));

  /* What the slice's counters say is the report. */
  g_assert_null (forge_sandbox_take_limit_report (FORGE_SANDBOX (sandbox)));
  write_file (fixture->slice_dir, "memory.events", "low 0\nhigh 0\nmax 1\noom 1\noom_kill 1\n");
  report = forge_sandbox_take_limit_report (FORGE_SANDBOX (sandbox));
  g_assert_cmpstr (report, ==, "ran out of memory (limit 512 MB)");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GDBusConnection) bus = NULL;

  g_test_init (&argc, &argv, NULL);

  /* The stand-in lives on the session bus that the suite runs with. */
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  if (bus == NULL)
    {
      g_test_skip ("No session bus: run the suite under dbus-run-session");
      return g_test_run ();
    }
  g_clear_object (&bus);

  g_test_add ("/cgroup-systemd/slice", Fixture, NULL, fixture_set_up, test_slice, fixture_tear_down);
  g_test_add ("/cgroup-systemd/refused", Fixture, "no service manager", fixture_set_up, test_refused, fixture_tear_down);
  g_test_add ("/cgroup-systemd/sandbox-commands-join", Fixture, NULL, fixture_set_up,
              test_sandbox_commands_join, fixture_tear_down);

  return g_test_run ();
}
