/* keyring-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "git-test-util.h"
#include "keyring-util.h"

#define KEYRING_PASSWORD "forge-test-keyring-password"

static GSubprocess *keyring;
static char *keyring_dir;

static gboolean
secrets_name_has_owner (GDBusConnection *bus)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean has_owner = FALSE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.freedesktop.secrets"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       5000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &has_owner);

  return has_owner;
}

char *
forge_test_start_keyring (void)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *daemon = g_find_program_in_path ("gnome-keyring-daemon");
  g_autofree char *data = NULL;
  g_autofree char *runtime = NULL;
  GOutputStream *stdin_pipe;
  gint64 deadline;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      return g_strdup ("No session bus: run the tests under dbus-run-session");
    }

  if (daemon == NULL)
    {
      return g_strdup ("gnome-keyring-daemon is not installed");
    }

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    {
      return g_strdup_printf ("No session bus: %s", error->message);
    }

  /* Never touch a real keyring that already serves this bus. */
  if (secrets_name_has_owner (bus))
    {
      return g_strdup ("A keyring already runs on this session bus: run the tests under dbus-run-session");
    }

  keyring_dir = g_dir_make_tmp ("forge-keyring-XXXXXX", &error);
  g_assert_no_error (error);
  data = g_build_filename (keyring_dir, "data", NULL);
  runtime = g_build_filename (keyring_dir, "run", NULL);
  g_assert_cmpint (g_mkdir_with_parents (data, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (runtime, 0700), ==, 0);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "HOME", keyring_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", keyring_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");

  /* --unlock reads the password from stdin and creates the login keyring
   * (the default collection) with it. An empty password makes it prompt
   * instead, which cannot work here. */
  keyring = g_subprocess_launcher_spawn (launcher, &error, daemon,
                                         "--foreground", "--unlock", "--components=secrets",
                                         NULL);
  g_assert_no_error (error);

  stdin_pipe = g_subprocess_get_stdin_pipe (keyring);
  g_output_stream_write_all (stdin_pipe, KEYRING_PASSWORD, strlen (KEYRING_PASSWORD), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (stdin_pipe, NULL, &error);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (!secrets_name_has_owner (bus))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("gnome-keyring-daemon did not appear on the bus within 15 s");
      g_usleep (G_USEC_PER_SEC / 20);
    }

  return NULL;
}

void
forge_test_stop_keyring (void)
{
  if (keyring != NULL)
    {
      g_autoptr(GError) error = NULL;

      g_subprocess_force_exit (keyring);
      g_subprocess_wait (keyring, NULL, &error);
      g_assert_no_error (error);
      g_clear_object (&keyring);
    }

  if (keyring_dir != NULL)
    forge_test_rm_rf (keyring_dir);
  g_clear_pointer (&keyring_dir, g_free);
}


const char *
forge_test_keyring_dir (void)
{
  return keyring_dir;
}
