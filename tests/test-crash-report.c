/* test-crash-report.c
 *
 * A test program that crashes leaves the stack in its log.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <signal.h>

static void
check_crash (const char *how,
             int         expected_signal,
             const char *path)
{
  g_autofree char *helper = g_test_build_filename (G_TEST_BUILT, "crash-report-check", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  if (path != NULL)
    g_subprocess_launcher_setenv (launcher, "PATH", path, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "FORGE_TEST_NO_CRASH_REPORT");
  /* Under AddressSanitizer (tools/test --sanitize) its own handler would
   * take the segfault first; the one under test here is ours. */
  if (g_getenv ("ASAN_OPTIONS") != NULL)
    {
      g_autofree char *asan_options = g_strconcat (g_getenv ("ASAN_OPTIONS"), ":handle_segv=0", NULL);

      g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", asan_options, TRUE);
    }
  process = g_subprocess_launcher_spawn (launcher, &error, helper, how, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error));
  g_assert_no_error (error);

  /* The crash went on as it would have. */
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, expected_signal);

  g_test_message ("The report:\n%s", err);
  g_assert_nonnull (strstr (err, "crashed with signal"));
  g_assert_nonnull (strstr (err, "forge_deliberately_crash_here"));
  g_assert_nonnull (strstr (err, "*** End of the stack ***"));
}

/* With gdb (tools/setup installs it): every thread, with names. */
static void
test_critical_with_gdb (void)
{
  g_autofree char *gdb = g_find_program_in_path ("gdb");

  if (gdb == NULL)
    {
      g_test_skip ("gdb is not installed (tools/setup installs it)");
      return;
    }

  check_crash ("critical", SIGTRAP, NULL);
}

static void
test_segfault_with_gdb (void)
{
  g_autofree char *gdb = g_find_program_in_path ("gdb");

  if (gdb == NULL)
    {
      g_test_skip ("gdb is not installed (tools/setup installs it)");
      return;
    }

  check_crash ("segfault", SIGSEGV, NULL);
}

/* Without gdb, glibc's backtrace() still names the function. */
static void
test_segfault_without_gdb (void)
{
  check_crash ("segfault", SIGSEGV, "/nonexistent");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/crash-report/critical-with-gdb", test_critical_with_gdb);
  g_test_add_func ("/crash-report/segfault-with-gdb", test_segfault_with_gdb);
  g_test_add_func ("/crash-report/segfault-without-gdb", test_segfault_without_gdb);

  return g_test_run ();
}
