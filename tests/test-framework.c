/* test-framework.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "forge-framework.h"
#include "forge-local-workspace.h"
#include "forge-monorepo.h"
#include "forge-util.h"
#include "watchdog.h"

#define HOST "127.0.0.1"
#define PORT 4000

typedef struct
{
  const char *fixture;
  const char *id;
  const char *display_name;
  const char *package_manager;
  const char *package_manager_version;
  const char *lockfile;
  const char *dev_script;
  guint       default_port;
  gboolean    may_change_port;
  const char *install;          /* argv joined by spaces; NULL: nothing to install */
  const char *dev;              /* argv joined by spaces */
  const char *extra_env;        /* one more entry dup_dev_env() must hold, or NULL */
} Row;

static const Row rows[] = {
  { "nextjs", "nextjs", "Next.js", "npm", NULL, "package-lock.json", "dev", 3000, FALSE,
    "npm ci --no-audit --no-fund",
    "npm run dev -- -H 127.0.0.1 -p 4000", "NEXT_TELEMETRY_DISABLED=1" },
  /* "next start" serves a build a fresh clone does not have. */
  { "nextjs-start-only", "nextjs", "Next.js", "npm", NULL, NULL, NULL, 3000, FALSE,
    "npm install --no-audit --no-fund",
    "npx --no-install next dev -H 127.0.0.1 -p 4000", NULL },
  { "vite-react", "vite", "Vite (React)", "npm", NULL, NULL, "dev", 5173, FALSE,
    "npm install --no-audit --no-fund",
    "npm run dev -- --host 127.0.0.1 --port 4000 --strictPort", NULL },
  /* lockfileVersion 6.0 was written by pnpm 8; pnpm 9 would refuse it. */
  { "vite-vue", "vite", "Vite (Vue)", "pnpm", NULL, "pnpm-lock.yaml", "dev", 5173, FALSE,
    "npx -y pnpm@8 install --frozen-lockfile",
    "npx -y pnpm@8 run dev --host 127.0.0.1 --port 4000 --strictPort", NULL },
  { "vite-svelte", "vite", "Vite (Svelte)", "npm", NULL, NULL, "dev", 5173, FALSE,
    "npm install --no-audit --no-fund",
    "npm run dev -- --host 127.0.0.1 --port 4000 --strictPort", NULL },
  { "vite-preact", "vite", "Vite (Preact)", "npm", NULL, NULL, "dev", 5173, FALSE,
    "npm install --no-audit --no-fund",
    "npm run dev -- --host 127.0.0.1 --port 4000 --strictPort", NULL },
  { "vite-solid", "vite", "Vite (Solid)", "npm", NULL, NULL, "dev", 5173, FALSE,
    "npm install --no-audit --no-fund",
    "npm run dev -- --host 127.0.0.1 --port 4000 --strictPort", NULL },
  { "vite-lit", "vite", "Vite (Lit)", "npm", NULL, NULL, "dev", 5173, FALSE,
    "npm install --no-audit --no-fund",
    "npm run dev -- --host 127.0.0.1 --port 4000 --strictPort", NULL },
  { "vite-vanilla", "vite", "Vite", "npm", NULL, NULL, NULL, 5173, FALSE,
    "npm install --no-audit --no-fund",
    "npx --no-install vite --host 127.0.0.1 --port 4000 --strictPort", NULL },
  { "create-react-app", "create-react-app", "Create React App", "yarn", NULL, "yarn.lock", "start", 3000, FALSE,
    "npx -y yarn@1.22.22 install --frozen-lockfile",
    "npx -y yarn@1.22.22 run start", NULL },
  { "nuxt", "nuxt", "Nuxt", "npm", NULL, NULL, "dev", 3000, TRUE,
    "npm install --no-audit --no-fund",
    "npm run dev -- --host 127.0.0.1 --port 4000", "NUXT_PORT=4000" },
  { "sveltekit", "sveltekit", "SvelteKit", "npm", NULL, NULL, "dev", 5173, FALSE,
    "npm install --no-audit --no-fund",
    "npm run dev -- --host 127.0.0.1 --port 4000 --strictPort", NULL },
  { "svelte-rollup", "svelte", "Svelte", "npm", NULL, NULL, "dev", 8080, TRUE,
    "npm install --no-audit --no-fund",
    "npm run dev", NULL },
  { "astro", "astro", "Astro", "npm", NULL, NULL, "dev", 4321, TRUE,
    "npm install --no-audit --no-fund",
    "npm run dev -- --host 127.0.0.1 --port 4000", "ASTRO_TELEMETRY_DISABLED=1" },
  { "remix", "remix", "Remix", "npm", NULL, NULL, "dev", 5173, FALSE,
    "npm install --no-audit --no-fund",
    "npm run dev -- --host 127.0.0.1 --port 4000 --strictPort", NULL },
  { "remix-classic", "remix", "Remix", "npm", NULL, NULL, "dev", 3000, FALSE,
    "npm install --no-audit --no-fund",
    "npm run dev", NULL },
  { "react-router", "react-router", "React Router", "npm", NULL, NULL, "dev", 5173, FALSE,
    "npm install --no-audit --no-fund",
    "npm run dev -- --host 127.0.0.1 --port 4000 --strictPort", NULL },
  { "angular", "angular", "Angular", "npm", NULL, "package-lock.json", "start", 4200, FALSE,
    "npm ci --no-audit --no-fund",
    "npm run start -- --host 127.0.0.1 --port 4000", "NG_CLI_ANALYTICS=false" },
  { "vue-cli", "vue-cli", "Vue CLI", "npm", NULL, NULL, "serve", 8080, TRUE,
    "npm install --no-audit --no-fund",
    "npm run serve -- --host 127.0.0.1 --port 4000", NULL },
  { "gatsby", "gatsby", "Gatsby", "npm", NULL, NULL, "start", 8000, TRUE,
    "npm install --no-audit --no-fund",
    "npm run start -- -H 127.0.0.1 -p 4000", "GATSBY_TELEMETRY_DISABLED=1" },
  { "docusaurus", "docusaurus", "Docusaurus", "npm", NULL, NULL, "start", 3000, FALSE,
    "npm install --no-audit --no-fund",
    "npm run start -- --host 127.0.0.1 --port 4000", NULL },
  { "solidstart", "solidstart", "SolidStart", "bun", NULL, "bun.lock", "dev", 3000, TRUE,
    "npx -y bun install --frozen-lockfile",
    "npx -y bun run dev --host 127.0.0.1 --port 4000", NULL },
  { "eleventy", "eleventy", "Eleventy", "npm", NULL, NULL, "start", 8080, TRUE,
    "npm install --no-audit --no-fund",
    "npm run start -- --port 4000", NULL },
  { "parcel", "parcel", "Parcel", "npm", NULL, NULL, NULL, 1234, TRUE,
    "npm install --no-audit --no-fund",
    "npx --no-install parcel src/index.html --host 127.0.0.1 --port 4000", NULL },
  { "webpack-dev-server", "webpack-dev-server", "webpack-dev-server", "npm", NULL, NULL, "start", 8080, FALSE,
    "npm install --no-audit --no-fund",
    "npm run start -- --host 127.0.0.1 --port 4000", NULL },
  { "node", "node", "Node.js server", "npm", NULL, NULL, "start", 3000, FALSE,
    "npm install --no-audit --no-fund",
    "npm run start", NULL },
  { "static", "static", "Static site", NULL, NULL, NULL, NULL, 8080, FALSE,
    NULL,
    "forge-static-server --host 127.0.0.1 --port 4000 /home/user/repo", NULL },
  /* A package.json kept for a formatter does not make a page an app. */
  { "static-with-tooling", "static", "Static site", NULL, NULL, NULL, NULL, 8080, FALSE,
    NULL,
    "forge-static-server --host 127.0.0.1 --port 4000 /home/user/repo", NULL },
  /* packageManager decides which of two lockfiles is trusted. */
  { "pm-field-two-lockfiles", "vite", "Vite", "pnpm", "8.15.4", "pnpm-lock.yaml", "dev", 5173, FALSE,
    "npx -y pnpm@8.15.4 install --frozen-lockfile",
    "npx -y pnpm@8.15.4 run dev --host 127.0.0.1 --port 4000 --strictPort", NULL },
  /* Without it, npm's lockfile is. */
  { "two-lockfiles", "vite", "Vite", "npm", NULL, "package-lock.json", "dev", 5173, FALSE,
    "npm ci --no-audit --no-fund",
    "npm run dev -- --host 127.0.0.1 --port 4000 --strictPort", NULL },
  { "pnpm-pinned", "nextjs", "Next.js", "pnpm", "9.1.0", NULL, "dev", 3000, FALSE,
    "npx -y pnpm@9.1.0 install",
    "npx -y pnpm@9.1.0 run dev -H 127.0.0.1 -p 4000", NULL },
  /* Yarn Berry runs from the release committed in the repository. */
  { "yarn-berry", "vite", "Vite", "yarn", "4.1.1", "yarn.lock", "dev", 5173, FALSE,
    "node .yarn/releases/yarn-4.1.1.cjs install --immutable",
    "node .yarn/releases/yarn-4.1.1.cjs run dev --host 127.0.0.1 --port 4000 --strictPort", NULL },
  /* … or, without one, from the registry's copy of the Berry bundle. */
  { "yarn-berry-lockfile", "astro", "Astro", "yarn", NULL, "yarn.lock", "dev", 4321, TRUE,
    "npx -y -p @yarnpkg/cli-dist@4 yarn install --immutable",
    "npx -y -p @yarnpkg/cli-dist@4 yarn run dev --host 127.0.0.1 --port 4000", NULL },
  /* A pinned Berry release runs as the newest of its major. */
  { "yarn-berry-pinned", "nextjs", "Next.js", "yarn", "3.6.4", "yarn.lock", "dev", 3000, FALSE,
    "npx -y -p @yarnpkg/cli-dist@3 yarn install --immutable",
    "npx -y -p @yarnpkg/cli-dist@3 yarn run dev -H 127.0.0.1 -p 4000", NULL },
  { "yarn-classic-pinned", "create-react-app", "Create React App", "yarn", "1.22.19", "yarn.lock", "start", 3000, FALSE,
    "npx -y yarn@1.22.22 install --frozen-lockfile",
    "npx -y yarn@1.22.22 run start", NULL },
  { "bun-pinned", "vite", "Vite (React)", "bun", "1.1.8", "bun.lockb", "dev", 5173, FALSE,
    "npx -y bun@1.1.8 install --frozen-lockfile",
    "npx -y bun@1.1.8 run dev --host 127.0.0.1 --port 4000 --strictPort", NULL },
  { "bom", "vite", "Vite", "npm", NULL, NULL, "dev", 5173, FALSE,
    "npm install --no-audit --no-fund",
    "npm run dev -- --host 127.0.0.1 --port 4000 --strictPort", NULL },
};

static char *
fixture_path (const char *name)
{
  return g_build_filename (TEST_SRCDIR, "fixtures", "frameworks", name, NULL);
}

static char *
join_argv (char **argv)
{
  if (argv == NULL)
    return NULL;
  return g_strjoinv (" ", argv);
}

static void
assert_row (ForgeFramework *framework,
            const Row      *row)
{
  g_auto(GStrv) install = forge_framework_dup_install_argv (framework);
  g_auto(GStrv) dev = forge_framework_dup_dev_argv (framework, HOST, PORT);
  g_auto(GStrv) env = forge_framework_dup_dev_env (framework, HOST, PORT);
  g_autofree char *install_line = join_argv (install);
  g_autofree char *dev_line = join_argv (dev);

  g_assert_cmpstr (forge_framework_get_id (framework), ==, row->id);
  g_assert_cmpstr (forge_framework_get_display_name (framework), ==, row->display_name);
  g_assert_cmpstr (forge_framework_get_package_manager (framework), ==, row->package_manager);
  g_assert_cmpstr (forge_framework_get_package_manager_version (framework), ==, row->package_manager_version);
  g_assert_cmpstr (forge_framework_get_lockfile (framework), ==, row->lockfile);
  g_assert_cmpstr (forge_framework_get_dev_script (framework), ==, row->dev_script);
  g_assert_cmpuint (forge_framework_get_default_port (framework), ==, row->default_port);
  g_assert_cmpint (forge_framework_may_change_port (framework), ==, row->may_change_port);
  g_assert_cmpint (forge_framework_needs_install (framework), ==, row->install != NULL);
  g_assert_cmpstr (install_line, ==, row->install);
  g_assert_cmpstr (dev_line, ==, row->dev);

  g_assert_true (g_strv_contains ((const char * const *) env, "PORT=4000"));
  g_assert_true (g_strv_contains ((const char * const *) env, "HOST=127.0.0.1"));
  g_assert_true (g_strv_contains ((const char * const *) env, "BROWSER=none"));
  if (row->extra_env != NULL)
    g_assert_true (g_strv_contains ((const char * const *) env, row->extra_env));
  for (guint i = 0; env[i] != NULL; i++)
    g_assert_nonnull (strchr (env[i], '='));
}

/* Detection reads through a workspace; the local one reads dir in place,
 * as the workflow's does for local sandboxes. */
static ForgeFramework *
detect_in (const char  *dir,
           GError     **error)
{
  g_autoptr(ForgeLocalWorkspace) workspace = forge_local_workspace_new (dir);

  return forge_framework_detect (FORGE_WORKSPACE (workspace), error);
}

static void
test_detect_row (gconstpointer data)
{
  const Row *row = data;
  g_autofree char *dir = fixture_path (row->fixture);
  g_autoptr(ForgeFramework) framework = NULL;
  g_autoptr(GError) error = NULL;

  framework = detect_in (dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (framework);
  assert_row (framework, row);
}

/* Every field survives the workflow journal, and the restored object
 * builds the same commands. */
static void
test_json_round_trip (gconstpointer data)
{
  const Row *row = data;
  g_autofree char *dir = fixture_path (row->fixture);
  g_autoptr(ForgeFramework) framework = NULL;
  g_autoptr(ForgeFramework) restored = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) reparsed = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  framework = detect_in (dir, &error);
  g_assert_no_error (error);

  node = forge_framework_to_json (framework);
  text = json_to_string (node, FALSE);
  reparsed = json_from_string (text, &error);
  g_assert_no_error (error);

  restored = forge_framework_new_from_json (reparsed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (restored);

  again = forge_framework_to_json (restored);
  g_assert_true (json_node_equal (node, again));
  assert_row (restored, row);
}

static void
test_json_rejects_garbage (void)
{
  static const char * const cases[] = {
    "[]",
    "{}",
    "{\"format\": 1, \"id\": \"not-a-framework\"}",
    /* json-glib's getters were critical about these (found by fuzzing). */
    "{\"format\": {}}",
    "{\"format\": [1]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (cases[i], NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(ForgeFramework) framework = forge_framework_new_from_json (node, &error);

      g_assert_null (framework);
      g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED);
    }

  /* A tampered id is caught even when everything else is well formed. */
  {
    g_autofree char *dir = fixture_path ("nextjs");
    g_autoptr(ForgeFramework) framework = detect_in (dir, NULL);
    g_autoptr(JsonNode) node = forge_framework_to_json (framework);
    g_autoptr(GError) error = NULL;
    g_autoptr(ForgeFramework) restored = NULL;

    json_object_set_string_member (json_node_get_object (node), "id", "rails");
    restored = forge_framework_new_from_json (node, &error);
    g_assert_null (restored);
    g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED);
  }

  /* So is a port of the wrong type. */
  {
    g_autofree char *dir = fixture_path ("nextjs");
    g_autoptr(ForgeFramework) framework = detect_in (dir, NULL);
    g_autoptr(JsonNode) node = forge_framework_to_json (framework);
    g_autoptr(GError) error = NULL;
    g_autoptr(ForgeFramework) restored = NULL;

    json_object_set_object_member (json_node_get_object (node), "default-port", json_object_new ());
    restored = forge_framework_new_from_json (node, &error);
    g_assert_null (restored);
    g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED);
  }
}

static void
test_malformed_package_json (void)
{
  g_autofree char *dir = fixture_path ("malformed");
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = detect_in (dir, &error);

  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON);
  /* The trailing comma after "vite" on line 4 is what breaks it. */
  g_assert_nonnull (strstr (error->message, "package.json"));
  g_assert_nonnull (strstr (error->message, "(line 4, column 18)"));
  g_assert_nonnull (strstr (error->message, "comma before a closing bracket"));
  g_assert_null (strchr (error->message, '\n'));
  g_assert_null (strstr (error->message, "<data>"));
}

/* json-glib counts bytes; the message counts characters like an editor. */
static void
test_malformed_column_counts_characters (void)
{
  g_autofree char *dir = fixture_path ("malformed-unicode");
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = detect_in (dir, &error);

  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON);
  /* `  "description": "héllo wörld",` then `}`: the comma is character 31. */
  g_assert_nonnull (strstr (error->message, "(line 3, column 31)"));
  g_assert_nonnull (strstr (error->message, "comma before a closing bracket"));
}

static void
test_malformed_encoding (void)
{
  g_autofree char *dir = fixture_path ("malformed-encoding");
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = detect_in (dir, &error);

  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON);
  /* Line 3 is `  "description": "café \xff"`: the stray byte follows
   * 23 characters, é counting as one. */
  g_assert_nonnull (strstr (error->message, "(line 3, column 24)"));
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* What json-glib says is a parser's ("unexpected identifier `yes',
 * expected value"); the person who reads it edits package.json. */
static void
test_malformed_in_plain_words (void)
{
  static const struct
  {
    const char *contents;
    const char *place;
    const char *words;
  } cases[] = {
    { "{\n  \"name\": \"x\",\n  \"private\": yes\n}\n", "(line 3, column 16)", "double quotes" },
    { "{\n  \"name\": \"x\",\n  \"version\" \"1\"\n}\n", "(line 3, column 11)", "colon is missing" },
    { "{\n  \"name\": \"x\",\n  \"version\": \"1\"\n  \"private\": true\n}\n", "(line 3, column 16)", "comma" },
    /* No code worth a word: the place alone. */
    { "{\n  \"name\": \"x\",\n  \"a\": @\n}\n", "(line 3, column 8).", NULL },
  };
  static const char * const jargon[] = {
    "Parse error", "unexpected", "expected", "constant", "identifier", "`", "<data>", "\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = g_dir_make_tmp ("forge-framework-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "package.json", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(ForgeFramework) framework = NULL;

      g_assert_true (g_file_set_contents (path, cases[i].contents, -1, NULL));
      framework = detect_in (dir, &error);
      g_assert_null (framework);
      g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON);
      g_test_message ("%s", error->message);

      g_assert_true (g_str_has_prefix (error->message, "package.json is not valid JSON "));
      g_assert_nonnull (strstr (error->message, cases[i].place));
      if (cases[i].words != NULL)
        g_assert_nonnull (strstr (error->message, cases[i].words));
      for (guint j = 0; j < G_N_ELEMENTS (jargon); j++)
        g_assert_null (strstr (error->message, jargon[j]));

      g_assert_cmpint (g_unlink (path), ==, 0);
      g_assert_cmpint (g_rmdir (dir), ==, 0);
    }
}

static void
test_not_an_object (void)
{
  g_autofree char *dir = g_dir_make_tmp ("forge-framework-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "package.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = NULL;

  g_assert_true (g_file_set_contents (path, "[1, 2]\n", -1, NULL));
  framework = detect_in (dir, &error);
  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_nothing_runnable (void)
{
  g_autofree char *dir = fixture_path ("nothing-runnable");
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = detect_in (dir, &error);

  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE);
  g_assert_nonnull (strstr (error->message, "dev or start script"));
  g_assert_nonnull (strstr (error->message, "index.html"));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_empty_repository (void)
{
  g_autofree char *dir = g_dir_make_tmp ("forge-framework-XXXXXX", NULL);
  g_autofree char *readme = g_build_filename (dir, "README.md", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = NULL;

  g_assert_true (g_file_set_contents (readme, "nothing here\n", -1, NULL));
  framework = detect_in (dir, &error);
  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE);
  g_assert_nonnull (strstr (error->message,
                            "No package.json with a dev or start script, and no index.html, in the repository root"));

  g_assert_cmpint (g_unlink (readme), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Folders are made on the way. */
static void
write_repo_file (const char *dir,
                 const char *name,
                 const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

/* A root that is no app ("build": "turbo build") with one app package:
 * that package is the app, installed at the root, run with npm -w. */
static void
test_monorepo (void)
{
  g_autofree char *dir = fixture_path ("monorepo");
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = detect_in (dir, &error);
  g_auto(GStrv) install = NULL;
  g_auto(GStrv) dev = NULL;
  g_autofree char *install_line = NULL;
  g_autofree char *dev_line = NULL;
  g_autofree char *install_cwd = NULL;
  g_autofree char *dev_cwd = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (forge_framework_get_id (framework), ==, "nextjs");
  g_assert_cmpstr (forge_framework_get_package_dir (framework), ==, "apps/web");
  g_assert_cmpstr (forge_framework_get_package_name (framework), ==, "web");
  g_assert_null (forge_framework_get_install_dir (framework));
  g_assert_cmpstr (forge_framework_get_package_manager (framework), ==, "npm");

  install = forge_framework_dup_install_argv (framework);
  dev = forge_framework_dup_dev_argv (framework, HOST, PORT);
  install_line = join_argv (install);
  dev_line = join_argv (dev);
  install_cwd = forge_framework_dup_install_cwd (framework);
  dev_cwd = forge_framework_dup_dev_cwd (framework);
  g_assert_cmpstr (install_line, ==, "npm install --no-audit --no-fund");
  g_assert_cmpstr (dev_line, ==, "npm run dev -w web -- -H 127.0.0.1 -p 4000");
  g_assert_cmpstr (install_cwd, ==, "/home/user/repo");
  g_assert_cmpstr (dev_cwd, ==, "/home/user/repo");
}

/* A repository tree in a new temporary folder: (path, contents) pairs,
 * NULL-terminated. */
static char *
make_tree (const char *first_path,
           ...)
{
  char *dir = g_dir_make_tmp ("forge-monorepo-XXXXXX", NULL);
  const char *path = first_path;
  va_list args;

  g_assert_nonnull (dir);
  va_start (args, first_path);
  while (path != NULL)
    {
      const char *contents = va_arg (args, const char *);
      write_repo_file (dir, path, contents);
      path = va_arg (args, const char *);
    }
  va_end (args);

  return dir;
}

static ForgeMonorepo *
monorepo_in (const char *dir)
{
  g_autoptr(ForgeLocalWorkspace) workspace = forge_local_workspace_new (dir);

  return forge_monorepo_detect (FORGE_WORKSPACE (workspace));
}

static ForgeFramework *
detect_package (const char  *dir,
                const char  *package_dir,
                GError     **error)
{
  g_autoptr(ForgeLocalWorkspace) workspace = forge_local_workspace_new (dir);

  return forge_framework_detect_in (FORGE_WORKSPACE (workspace), package_dir, error);
}

/* The folders of a model of ForgeMonorepoPackage, joined by spaces. */
static char *
join_folders (GListModel *packages)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (packages); i++)
    {
      g_autoptr(ForgeMonorepoPackage) package = g_list_model_get_item (packages, i);

      if (i > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, forge_monorepo_package_get_folder (package));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
dev_line_of (ForgeFramework *framework)
{
  g_auto(GStrv) dev = forge_framework_dup_dev_argv (framework, HOST, PORT);

  return join_argv (dev);
}

#define VITE_APP(name) \
  "{ \"name\": \"" name "\", \"scripts\": { \"dev\": \"vite\", \"build\": \"vite build\" }," \
  "  \"devDependencies\": { \"vite\": \"^5\" } }"
/* Built with Vite too, but only ever as a build. */
#define VITE_LIBRARY(name) \
  "{ \"name\": \"" name "\", \"scripts\": { \"dev\": \"vite build --watch\", \"build\": \"vite build\" }," \
  "  \"devDependencies\": { \"vite\": \"^5\" } }"
#define TSC_LIBRARY(name) \
  "{ \"name\": \"" name "\", \"scripts\": { \"dev\": \"tsc -w\" } }"
#define NEXT_APP(name) \
  "{ \"name\": \"" name "\", \"scripts\": { \"dev\": \"next dev\" }, \"dependencies\": { \"next\": \"^14\" } }"
#define ROOT_PACKAGE \
  "{ \"name\": \"root\", \"private\": true, \"scripts\": { \"dev\": \"turbo run dev\" } }"

/* pnpm: libraries beside one Vite app; the app is picked, installed by
 * pnpm at the root and run with --filter, and its folder survives the
 * journal. */
static void
test_monorepo_pnpm_one_app (void)
{
  g_autofree char *dir = make_tree ("package.json", ROOT_PACKAGE,
                                    "pnpm-workspace.yaml",
                                    "# the workspace\n"
                                    "packages:\n"
                                    "  - 'apps/*'   # apps\n"
                                    "  - \"packages/*\"\n"
                                    "catalog:\n"
                                    "  - not-a-folder/*\n",
                                    "packages/ui/package.json", VITE_LIBRARY ("@acme/ui"),
                                    "packages/utils/package.json", TSC_LIBRARY ("@acme/utils"),
                                    "apps/web/package.json", VITE_APP ("@acme/web"),
                                    "not-a-folder/x/package.json", VITE_APP ("x"),
                                    NULL);
  g_autoptr(ForgeMonorepo) monorepo = monorepo_in (dir);
  g_autoptr(GListModel) apps = NULL;
  g_autoptr(ForgeFramework) framework = NULL;
  g_autoptr(ForgeFramework) restored = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folders = NULL;
  g_autofree char *app_folders = NULL;
  g_autofree char *dev = NULL;
  g_autofree char *restored_dev = NULL;
  g_auto(GStrv) install = NULL;
  g_autofree char *install_line = NULL;

  g_assert_nonnull (monorepo);
  g_assert_cmpstr (forge_monorepo_get_kind (monorepo), ==, "pnpm");
  folders = join_folders (forge_monorepo_get_packages (monorepo));
  g_assert_cmpstr (folders, ==, "apps/web packages/ui packages/utils");
  apps = forge_monorepo_dup_apps (monorepo);
  app_folders = join_folders (apps);
  g_assert_cmpstr (app_folders, ==, "apps/web");
  g_assert_false (forge_monorepo_is_truncated (monorepo));

  framework = detect_in (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_framework_get_id (framework), ==, "vite");
  g_assert_cmpstr (forge_framework_get_package_dir (framework), ==, "apps/web");
  g_assert_cmpstr (forge_framework_get_package_manager (framework), ==, "pnpm");
  install = forge_framework_dup_install_argv (framework);
  install_line = join_argv (install);
  g_assert_cmpstr (install_line, ==, "npx -y pnpm@9 install");
  dev = dev_line_of (framework);
  g_assert_cmpstr (dev, ==, "npx -y pnpm@9 --filter @acme/web run dev --host 127.0.0.1 --port 4000 --strictPort");

  node = forge_framework_to_json (framework);
  restored = forge_framework_new_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_framework_get_package_dir (restored), ==, "apps/web");
  restored_dev = dev_line_of (restored);
  g_assert_cmpstr (restored_dev, ==, dev);

  /* A journal with a folder out of the repository is refused. */
  json_object_set_string_member (json_node_get_object (node), "package-dir", "../elsewhere");
  g_clear_object (&restored);
  restored = forge_framework_new_from_json (node, &error);
  g_assert_null (restored);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED);

  forge_remove_tree (dir, NULL);
}

/* Two apps: nothing is picked, the error lists both in one line, and
 * either can be chosen. */
static void
test_monorepo_two_apps (void)
{
  g_autofree char *dir = make_tree ("package.json", ROOT_PACKAGE,
                                    "pnpm-workspace.yaml", "packages: ['apps/*', \"packages/*\"]\n",
                                    "pnpm-lock.yaml", "lockfileVersion: '9.0'\n",
                                    "apps/docs/package.json", NEXT_APP ("docs"),
                                    "apps/web/package.json", VITE_APP ("web"),
                                    "packages/ui/package.json", TSC_LIBRARY ("ui"),
                                    NULL);
  g_autoptr(ForgeMonorepo) monorepo = monorepo_in (dir);
  g_autoptr(GListModel) apps = forge_monorepo_dup_apps (monorepo);
  g_autoptr(ForgeFramework) framework = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *app_folders = join_folders (apps);
  g_autofree char *dev = NULL;

  g_assert_cmpstr (app_folders, ==, "apps/docs apps/web");

  framework = detect_in (dir, &error);
  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_CHOOSE_APP);
  g_assert_nonnull (strstr (error->message, "2 apps"));
  g_assert_nonnull (strstr (error->message, "apps/docs (Next.js)"));
  g_assert_nonnull (strstr (error->message, "apps/web (Vite)"));
  g_assert_nonnull (strstr (error->message, "--subdir"));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);

  framework = detect_package (dir, "apps/docs", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_framework_get_id (framework), ==, "nextjs");
  g_assert_cmpstr (forge_framework_get_lockfile (framework), ==, "pnpm-lock.yaml");
  dev = dev_line_of (framework);
  g_assert_cmpstr (dev, ==, "npx -y pnpm@9 --filter docs run dev -H 127.0.0.1 -p 4000");

  forge_remove_tree (dir, NULL);
}

/* npm's and yarn's workspaces, as a list and as yarn's object; each
 * runs the app the way its package manager does. */
static void
test_monorepo_npm_and_yarn (void)
{
  g_autofree char *npm = make_tree ("package.json",
                                    "{ \"name\": \"root\", \"private\": true, \"workspaces\": [\"apps/*\", \"packages/*\"] }",
                                    "package-lock.json", "{ \"lockfileVersion\": 3 }",
                                    "apps/site/package.json", VITE_APP ("site"),
                                    "packages/lib/package.json", TSC_LIBRARY ("lib"),
                                    NULL);
  g_autofree char *yarn = make_tree ("package.json",
                                     "{ \"private\": true, \"workspaces\": { \"packages\": [\"apps/*\"], \"nohoist\": [] } }",
                                     "yarn.lock", "# yarn lockfile v1\n",
                                     "apps/site/package.json", VITE_APP ("site"),
                                     NULL);
  g_autoptr(ForgeFramework) framework = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) install = NULL;
  g_autofree char *install_line = NULL;
  g_autofree char *dev = NULL;

  framework = detect_in (npm, &error);
  g_assert_no_error (error);
  install = forge_framework_dup_install_argv (framework);
  install_line = join_argv (install);
  dev = dev_line_of (framework);
  g_assert_cmpstr (install_line, ==, "npm ci --no-audit --no-fund");
  g_assert_cmpstr (dev, ==, "npm run dev -w site -- --host 127.0.0.1 --port 4000 --strictPort");
  g_clear_object (&framework);
  g_clear_pointer (&install, g_strfreev);
  g_clear_pointer (&install_line, g_free);
  g_clear_pointer (&dev, g_free);

  framework = detect_in (yarn, &error);
  g_assert_no_error (error);
  install = forge_framework_dup_install_argv (framework);
  install_line = join_argv (install);
  dev = dev_line_of (framework);
  g_assert_cmpstr (forge_framework_get_package_manager (framework), ==, "yarn");
  g_assert_cmpstr (install_line, ==, "npx -y yarn@1.22.22 install --frozen-lockfile");
  g_assert_cmpstr (dev, ==, "npx -y yarn@1.22.22 workspace site run dev --host 127.0.0.1 --port 4000 --strictPort");

  forge_remove_tree (npm, NULL);
  forge_remove_tree (yarn, NULL);
}

/* Globs in their common forms, and the tools that declare none. */
static void
test_monorepo_globs (void)
{
  g_autofree char *dir = make_tree ("package.json",
                                    "{ \"workspaces\": [\"./apps/*/\", \"packages/**\", \"tools/site\", \"app-*\","
                                    "  \"!apps/legacy\", \"../outside/*\", \"/etc\", \"services/*/package.json\" ] }",
                                    "apps/web/package.json", VITE_APP ("web"),
                                    "apps/legacy/package.json", VITE_APP ("legacy"),
                                    "apps/notes.txt", "not a folder",
                                    "packages/a/package.json", TSC_LIBRARY ("a"),
                                    "packages/group/b/package.json", TSC_LIBRARY ("b"),
                                    "packages/group/deep/c/package.json", TSC_LIBRARY ("c"),
                                    "packages/1/2/3/4/too-deep/package.json", TSC_LIBRARY ("d"),
                                    "packages/node_modules/dep/package.json", TSC_LIBRARY ("dep"),
                                    "tools/site/package.json", TSC_LIBRARY ("site"),
                                    "tools/other/package.json", TSC_LIBRARY ("other"),
                                    "app-admin/package.json", NEXT_APP ("admin"),
                                    "services/api/package.json", TSC_LIBRARY ("api"),
                                    "services/empty/README", "no package.json",
                                    NULL);
  g_autofree char *turbo = make_tree ("turbo.json", "{ \"tasks\": {} }",
                                      "apps/web/package.json", VITE_APP ("web"),
                                      NULL);
  g_autofree char *lerna = make_tree ("lerna.json", "{ \"packages\": [\"modules/*\"] }",
                                      "package.json", "{ \"private\": true }",
                                      "modules/ui/package.json", NEXT_APP ("ui"),
                                      NULL);
  g_autofree char *plain = make_tree ("package.json", VITE_APP ("plain"),
                                      "apps/web/package.json", VITE_APP ("web"),
                                      NULL);
  g_autoptr(ForgeMonorepo) monorepo = monorepo_in (dir);
  g_autoptr(ForgeMonorepo) turbo_monorepo = monorepo_in (turbo);
  g_autoptr(ForgeMonorepo) lerna_monorepo = monorepo_in (lerna);
  g_autoptr(ForgeMonorepo) plain_monorepo = monorepo_in (plain);
  g_autoptr(ForgeFramework) framework = NULL;
  g_autofree char *folders = join_folders (forge_monorepo_get_packages (monorepo));

  g_assert_cmpstr (folders, ==,
                   "app-admin apps/web packages/a packages/group/b packages/group/deep/c services/api tools/site");

  g_assert_cmpstr (forge_monorepo_get_kind (turbo_monorepo), ==, "turbo");
  g_clear_pointer (&folders, g_free);
  folders = join_folders (forge_monorepo_get_packages (turbo_monorepo));
  g_assert_cmpstr (folders, ==, "apps/web");

  g_assert_cmpstr (forge_monorepo_get_kind (lerna_monorepo), ==, "lerna");
  framework = detect_in (lerna, NULL);
  g_assert_cmpstr (forge_framework_get_package_dir (framework), ==, "modules/ui");

  /* A root that is an app itself, workspaces or not, stays the app. */
  g_assert_null (plain_monorepo);
  g_clear_object (&framework);
  framework = detect_in (plain, NULL);
  g_assert_null (forge_framework_get_package_dir (framework));

  forge_remove_tree (dir, NULL);
  forge_remove_tree (turbo, NULL);
  forge_remove_tree (lerna, NULL);
  forge_remove_tree (plain, NULL);
}

/* A package folder that is a symlink (here to an app outside the work
 * tree) is never looked into, nor can it be chosen. */
static void
test_monorepo_symlinked_package (void)
{
  g_autofree char *outside = make_tree ("package.json", VITE_APP ("outside"), NULL);
  g_autofree char *dir = make_tree ("package.json", "{ \"workspaces\": [\"apps/*\", \"linked\"] }",
                                    "apps/web/package.json", VITE_APP ("web"),
                                    NULL);
  g_autofree char *link = g_build_filename (dir, "apps", "evil", NULL);
  g_autofree char *link2 = g_build_filename (dir, "linked", NULL);
  g_autoptr(ForgeMonorepo) monorepo = NULL;
  g_autoptr(ForgeFramework) framework = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folders = NULL;

  g_assert_cmpint (symlink (outside, link), ==, 0);
  g_assert_cmpint (symlink (outside, link2), ==, 0);
  monorepo = monorepo_in (dir);
  folders = join_folders (forge_monorepo_get_packages (monorepo));
  g_assert_cmpstr (folders, ==, "apps/web");

  framework = detect_in (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_framework_get_package_dir (framework), ==, "apps/web");
  g_clear_object (&framework);

  framework = detect_package (dir, "apps/evil", &error);
  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NO_SUCH_FOLDER);
  g_assert_nonnull (strstr (error->message, "“apps/evil”"));

  forge_remove_tree (dir, NULL);
  forge_remove_tree (outside, NULL);
}

/* However long or deep the repository makes the list, detection looks at
 * a bounded part of it. */
static void
test_monorepo_bounded (void)
{
  g_autoptr(GString) workspaces = g_string_new ("{ \"workspaces\": [");
  g_autofree char *dir = NULL;
  g_autofree char *deep = NULL;
  g_autofree char *many = NULL;
  g_autoptr(ForgeMonorepo) monorepo = NULL;
  g_autoptr(ForgeMonorepo) deep_monorepo = NULL;
  g_autoptr(ForgeMonorepo) many_monorepo = NULL;
  g_autofree char *deep_folders = NULL;

  /* 150 explicit folders: only the first 100 patterns are taken. */
  for (guint i = 0; i < 150; i++)
    g_string_append_printf (workspaces, "%s\"p%03u\"", i > 0 ? ", " : "", i);
  g_string_append (workspaces, "] }");
  dir = make_tree ("package.json", workspaces->str, NULL);
  for (guint i = 0; i < 150; i++)
    {
      g_autofree char *path = g_strdup_printf ("p%03u/package.json", i);

      write_repo_file (dir, path, TSC_LIBRARY ("p"));
    }
  monorepo = monorepo_in (dir);
  g_assert_cmpuint (g_list_model_get_n_items (forge_monorepo_get_packages (monorepo)), ==, 100);

  /* 300 packages under one glob: FORGE_MONOREPO_MAX_PACKAGES of them. */
  many = make_tree ("package.json", "{ \"workspaces\": [\"packages/*\"] }", NULL);
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *path = g_strdup_printf ("packages/p%03u/package.json", i);

      write_repo_file (many, path, TSC_LIBRARY ("p"));
    }
  many_monorepo = monorepo_in (many);
  g_assert_cmpuint (g_list_model_get_n_items (forge_monorepo_get_packages (many_monorepo)), ==,
                    FORGE_MONOREPO_MAX_PACKAGES);
  g_assert_true (forge_monorepo_is_truncated (many_monorepo));

  /* Nine levels of pattern are not meant; "**" goes three levels down. */
  deep = make_tree ("package.json", "{ \"workspaces\": [\"a/b/c/d/e/f/g/h/i\", \"x/**\"] }",
                    "a/b/c/d/e/f/g/h/i/package.json", VITE_APP ("nine"),
                    "x/1/2/3/package.json", TSC_LIBRARY ("three"),
                    "x/1/2/3/4/package.json", TSC_LIBRARY ("four"),
                    NULL);
  deep_monorepo = monorepo_in (deep);
  deep_folders = join_folders (forge_monorepo_get_packages (deep_monorepo));
  g_assert_cmpstr (deep_folders, ==, "x/1/2/3");

  forge_remove_tree (dir, NULL);
  forge_remove_tree (many, NULL);
  forge_remove_tree (deep, NULL);
}

/* A folder asked for by name: a project of its own (installed and run
 * there), missing, or with nothing to run; each error names it. */
static void
test_package_dir (void)
{
  g_autofree char *dir = make_tree ("README.md", "docs and a site\n",
                                    "site/package.json", VITE_APP ("site"),
                                    "site/package-lock.json", "{ \"lockfileVersion\": 3 }",
                                    "notes/README.md", "nothing to run\n",
                                    NULL);
  g_autoptr(ForgeFramework) framework = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *install_cwd = NULL;
  g_autofree char *dev_cwd = NULL;
  g_autofree char *dev = NULL;

  framework = detect_package (dir, "site", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_framework_get_install_dir (framework), ==, "site");
  g_assert_cmpstr (forge_framework_get_lockfile (framework), ==, "package-lock.json");
  install_cwd = forge_framework_dup_install_cwd (framework);
  dev_cwd = forge_framework_dup_dev_cwd (framework);
  dev = dev_line_of (framework);
  g_assert_cmpstr (install_cwd, ==, "/home/user/repo/site");
  g_assert_cmpstr (dev_cwd, ==, "/home/user/repo/site");
  g_assert_cmpstr (dev, ==, "npm run dev -- --host 127.0.0.1 --port 4000 --strictPort");
  g_clear_object (&framework);

  framework = detect_package (dir, "apps/web", &error);
  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NO_SUCH_FOLDER);
  g_assert_nonnull (strstr (error->message, "“apps/web”"));
  g_assert_null (strchr (error->message, '\n'));
  g_clear_error (&error);

  framework = detect_package (dir, "notes", &error);
  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE);
  g_assert_nonnull (strstr (error->message, "“notes”"));
  g_clear_error (&error);

  framework = detect_package (dir, "../etc", &error);
  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NO_SUCH_FOLDER);

  forge_remove_tree (dir, NULL);
}

/* Two objects one after the other: json-glib would take the last and
 * leak the first, and the project would run from half a file. */
static void
test_malformed_two_values (void)
{
  g_autofree char *dir = make_tree ("package.json",
                                    "{\"scripts\": {\"dev\": \"vite\"}}\n{\"devDependencies\": {\"vite\": \"5\"}}\n",
                                    NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = detect_in (dir, &error);

  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON);
  g_assert_nonnull (strstr (error->message, "more than one value"));
  g_assert_null (strchr (error->message, '\n'));

  forge_remove_tree (dir, NULL);
}

/* A cloned repository must not make us read files elsewhere on the host. */
static void
test_symlink_outside_repository (void)
{
  g_autofree char *dir = g_dir_make_tmp ("forge-framework-XXXXXX", NULL);
  g_autofree char *link = g_build_filename (dir, "package.json", NULL);
  g_autofree char *outside = fixture_path ("nextjs");
  g_autofree char *target = g_build_filename (outside, "package.json", NULL);
  g_autofree char *inner_dir = g_build_filename (dir, "app", NULL);
  g_autofree char *inner = g_build_filename (inner_dir, "package.json", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = NULL;

  g_assert_cmpint (symlink (target, link), ==, 0);
  framework = detect_in (dir, &error);
  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE);
  g_clear_error (&error);

  /* Nor one linked from inside the repository: where a link points can
   * change between the check and the read, so links are never followed. */
  g_assert_cmpint (g_unlink (link), ==, 0);
  g_assert_cmpint (g_mkdir (inner_dir, 0700), ==, 0);
  g_assert_true (g_file_get_contents (target, &contents, NULL, NULL));
  g_assert_true (g_file_set_contents (inner, contents, -1, NULL));
  g_assert_cmpint (symlink ("app/package.json", link), ==, 0);
  framework = detect_in (dir, &error);
  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE);

  g_assert_cmpint (g_unlink (link), ==, 0);
  g_assert_cmpint (g_unlink (inner), ==, 0);
  g_assert_cmpint (g_rmdir (inner_dir), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* The last --port on the command line wins, so ours must come after the
 * script's own "--port 3000". */
static void
test_flags_come_last (void)
{
  g_autofree char *dir = fixture_path ("nextjs");
  g_autoptr(ForgeFramework) framework = detect_in (dir, NULL);
  g_auto(GStrv) dev = forge_framework_dup_dev_argv (framework, "0.0.0.0", 51234);
  guint n = g_strv_length (dev);

  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpstr (dev[n - 2], ==, "-p");
  g_assert_cmpstr (dev[n - 1], ==, "51234");
}

/* package.json -> a host file holding valid JSON: never read, so the host
 * file's scripts can never become a command line. */
static void
test_hostile_symlinked_package_json (void)
{
  g_autofree char *dir = g_dir_make_tmp ("forge-framework-XXXXXX", NULL);
  g_autofree char *outside = g_dir_make_tmp ("forge-host-XXXXXX", NULL);
  g_autofree char *nextjs = fixture_path ("nextjs");
  g_autofree char *link = g_build_filename (dir, "package.json", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = NULL;

  {
    g_autofree char *source = g_build_filename (nextjs, "package.json", NULL);
    g_assert_true (g_file_get_contents (source, &contents, NULL, NULL));
  }
  write_repo_file (outside, "id_rsa", contents);
  write_repo_file (dir, "index.html", "<h1>hi</h1>");
  {
    g_autofree char *target = g_build_filename (outside, "id_rsa", NULL);
    g_assert_cmpint (symlink (target, link), ==, 0);
  }

  /* As if there were no package.json: the repository's own page. */
  framework = detect_in (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_framework_get_id (framework), ==, "static");

  forge_remove_tree (dir, NULL);
  forge_remove_tree (outside, NULL);
}

/* A FIFO in place of package.json or a lockfile would block a plain
 * open() for good. */
static void
test_hostile_fifo (void)
{
  g_autofree char *dir = g_dir_make_tmp ("forge-framework-XXXXXX", NULL);
  g_autofree char *package = g_build_filename (dir, "package.json", NULL);
  g_autofree char *lockfile = g_build_filename (dir, "pnpm-lock.yaml", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = NULL;
  ForgeTestWatchdog watchdog;

  forge_test_watchdog_start (&watchdog, "Framework detection on a hostile repository");

  g_assert_cmpint (mkfifo (package, 0600), ==, 0);
  framework = detect_in (dir, &error);
  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE);
  g_clear_error (&error);

  /* The lockfile's head is read for its format: not this one. */
  g_assert_cmpint (g_unlink (package), ==, 0);
  write_repo_file (dir, "package.json", "{\"scripts\": {\"dev\": \"vite\"}, \"devDependencies\": {\"vite\": \"5\"}}");
  g_assert_cmpint (mkfifo (lockfile, 0600), ==, 0);
  framework = detect_in (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_framework_get_id (framework), ==, "vite");
  g_assert_null (forge_framework_get_lockfile (framework));

  forge_test_watchdog_stop (&watchdog);
  forge_remove_tree (dir, NULL);
}

/* src -> a host folder: not followed on the way to src/index.html. */
static void
test_hostile_symlinked_dir (void)
{
  g_autofree char *dir = g_dir_make_tmp ("forge-framework-XXXXXX", NULL);
  g_autofree char *outside = g_dir_make_tmp ("forge-host-XXXXXX", NULL);
  g_autofree char *src = g_build_filename (dir, "src", NULL);
  g_autofree char *yarn = g_build_filename (dir, ".yarn", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = NULL;
  g_auto(GStrv) dev = NULL;
  g_autofree char *joined = NULL;

  write_repo_file (outside, "index.html", "<h1>host</h1>");
  write_repo_file (outside, "yarn.cjs", "// host");
  g_assert_cmpint (symlink (outside, src), ==, 0);
  g_assert_cmpint (symlink (outside, yarn), ==, 0);
  write_repo_file (dir, "package.json",
                   "{\"packageManager\": \"yarn@4.1.1\", \"devDependencies\": {\"parcel\": \"2\"}}");
  write_repo_file (dir, ".yarnrc.yml", "yarnPath: .yarn/yarn.cjs\n");

  framework = detect_in (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (forge_framework_get_id (framework), ==, "parcel");
  dev = forge_framework_dup_dev_argv (framework, HOST, PORT);
  joined = g_strjoinv (" ", dev);
  /* Neither src/index.html nor the committed yarn release were seen. */
  g_assert_null (strstr (joined, "src/index.html"));
  g_assert_null (strstr (joined, "yarn.cjs"));

  forge_remove_tree (dir, NULL);
  forge_remove_tree (outside, NULL);
}

/* Past the bound, package.json is refused rather than read into memory
 * (a sandbox can make it gigabytes, or sparse). */
static void
test_hostile_oversized_package_json (void)
{
  g_autofree char *dir = g_dir_make_tmp ("forge-framework-XXXXXX", NULL);
  g_autoptr(GString) json = g_string_new ("{\"scripts\": {\"dev\": \"vite\"}, \"devDependencies\": {\"vite\": \"5\"}, \"pad\": \"");
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = NULL;

  while (json->len <= FORGE_REPO_MANIFEST_MAX_SIZE)
    g_string_append (json, "padding padding padding padding padding padding padding padding ");
  g_string_append (json, "\"}");
  write_repo_file (dir, "package.json", json->str);

  framework = detect_in (dir, &error);
  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "larger than"));

  forge_remove_tree (dir, NULL);
}

/* json-glib's parser recurses per bracket: 1 MiB of them (within the
 * size bound) overflowed the stack (found while writing the fuzz target;
 * its inputs are too short to reach it). */
static void
test_hostile_deep_package_json (void)
{
  g_autofree char *dir = g_dir_make_tmp ("forge-framework-XXXXXX", NULL);
  g_autoptr(GString) json = g_string_new ("{\"scripts\": {\"dev\": \"vite\"}, \"pad\": ");
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeFramework) framework = NULL;

  for (guint i = 0; i < 1024 * 1024; i++)
    g_string_append_c (json, '[');
  write_repo_file (dir, "package.json", json->str);

  framework = detect_in (dir, &error);
  g_assert_null (framework);
  g_assert_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON);
  g_assert_nonnull (strstr (error->message, "deep"));
  g_assert_null (strchr (error->message, '\n'));

  forge_remove_tree (dir, NULL);
}

/* The sandbox swaps package.json while detection runs: between the check
 * and the read it can become a FIFO or a link to a host file. */
typedef struct
{
  char     *dir;
  char     *outside_target;
  gboolean  stop;
} Swapper;

static gpointer
swapper_thread (gpointer data)
{
  Swapper *swapper = data;
  g_autofree char *package = g_build_filename (swapper->dir, "package.json", NULL);
  g_autofree char *temp = g_build_filename (swapper->dir, "package.json.swap", NULL);
  static const char regular[] = "{\"scripts\": {\"dev\": \"vite\"}, \"devDependencies\": {\"vite\": \"5\"}}";

  for (guint i = 0; !g_atomic_int_get (&swapper->stop); i++)
    {
      switch (i % 3)
        {
        case 0:
          g_file_set_contents (temp, regular, -1, NULL);
          break;
        case 1:
          mkfifo (temp, 0600);
          break;
        default:
          symlink (swapper->outside_target, temp);
          break;
        }
      g_rename (temp, package);
    }

  return NULL;
}

static void
test_hostile_swap_race (void)
{
  g_autofree char *nextjs = fixture_path ("nextjs");
  Swapper swapper = { 0 };
  ForgeTestWatchdog watchdog;
  GThread *thread;
  gint64 end;
  guint n_detections = 0;

  swapper.dir = g_dir_make_tmp ("forge-framework-XXXXXX", NULL);
  swapper.outside_target = g_build_filename (nextjs, "package.json", NULL);

  forge_test_watchdog_start (&watchdog, "Framework detection on a hostile repository");
  thread = g_thread_new ("swapper", swapper_thread, &swapper);

  end = g_get_monotonic_time () + G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < end)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ForgeFramework) framework = detect_in (swapper.dir, &error);

      /* Either the repository's own package.json, or none: never the
       * host's. */
      if (framework != NULL)
        g_assert_cmpstr (forge_framework_get_id (framework), ==, "vite");
      n_detections++;
    }

  g_atomic_int_set (&swapper.stop, TRUE);
  g_thread_join (thread);
  forge_test_watchdog_stop (&watchdog);
  g_test_message ("%u detections while package.json was being swapped", n_detections);

  forge_remove_tree (swapper.dir, NULL);
  g_free (swapper.dir);
  g_free (swapper.outside_target);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *detect = g_strdup_printf ("/forge/framework/detect/%s", rows[i].fixture);
      g_autofree char *json = g_strdup_printf ("/forge/framework/json/%s", rows[i].fixture);

      g_test_add_data_func (detect, &rows[i], test_detect_row);
      g_test_add_data_func (json, &rows[i], test_json_round_trip);
    }

  g_test_add_func ("/forge/framework/json/rejects-garbage", test_json_rejects_garbage);
  g_test_add_func ("/forge/framework/malformed-package-json", test_malformed_package_json);
  g_test_add_func ("/forge/framework/malformed-two-values", test_malformed_two_values);
  g_test_add_func ("/forge/framework/malformed-encoding", test_malformed_encoding);
  g_test_add_func ("/forge/framework/malformed-unicode", test_malformed_column_counts_characters);
  g_test_add_func ("/forge/framework/malformed-in-plain-words", test_malformed_in_plain_words);
  g_test_add_func ("/forge/framework/not-an-object", test_not_an_object);
  g_test_add_func ("/forge/framework/nothing-runnable", test_nothing_runnable);
  g_test_add_func ("/forge/framework/empty-repository", test_empty_repository);
  g_test_add_func ("/forge/framework/monorepo", test_monorepo);
  g_test_add_func ("/forge/framework/monorepo/pnpm-one-app", test_monorepo_pnpm_one_app);
  g_test_add_func ("/forge/framework/monorepo/two-apps", test_monorepo_two_apps);
  g_test_add_func ("/forge/framework/monorepo/npm-and-yarn", test_monorepo_npm_and_yarn);
  g_test_add_func ("/forge/framework/monorepo/globs", test_monorepo_globs);
  g_test_add_func ("/forge/framework/monorepo/symlinked-package", test_monorepo_symlinked_package);
  g_test_add_func ("/forge/framework/monorepo/bounded", test_monorepo_bounded);
  g_test_add_func ("/forge/framework/package-dir", test_package_dir);
  g_test_add_func ("/forge/framework/flags-come-last", test_flags_come_last);
  g_test_add_func ("/forge/framework/symlink-outside-repository", test_symlink_outside_repository);
  g_test_add_func ("/forge/framework/hostile/symlinked-package-json", test_hostile_symlinked_package_json);
  g_test_add_func ("/forge/framework/hostile/fifo", test_hostile_fifo);
  g_test_add_func ("/forge/framework/hostile/symlinked-dir", test_hostile_symlinked_dir);
  g_test_add_func ("/forge/framework/hostile/oversized-package-json", test_hostile_oversized_package_json);
  g_test_add_func ("/forge/framework/hostile/deep-package-json", test_hostile_deep_package_json);
  g_test_add_func ("/forge/framework/hostile/swap-race", test_hostile_swap_race);

  return g_test_run ();
}
