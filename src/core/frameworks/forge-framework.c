/* forge-framework.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-frameworks"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "forge-folder-workspace.h"
#include "forge-framework-private.h"
#include "forge-monorepo.h"
#include "forge-repo-spec.h"
#include "forge-sandbox.h"
#include "forge-util.h"
#include "forge-workspace.h"

/* How a dev server is told which host and port to bind. */
typedef enum
{
  FLAG_STYLE_ENV,          /* PORT/HOST in the environment only */
  FLAG_STYLE_HOST_PORT,    /* --host HOST --port PORT */
  FLAG_STYLE_SHORT_H_P,    /* -H HOST -p PORT */
  FLAG_STYLE_PORT,         /* --port PORT */
} FlagStyle;

static const char * const flag_style_names[] = { "env", "host-port", "H-p", "port" };

#define MAX_ITEMS 5

typedef struct
{
  const char *id;
  const char *display_name;
  /* Matches when any of these is a dependency … */
  const char *any_dependency[MAX_ITEMS];
  /* … and all of these are too … */
  const char *all_dependencies[MAX_ITEMS];
  /* … and this file exists in the repository root. */
  const char *required_file;
  guint       default_port;
  FlagStyle   flag_style;
  gboolean    strict_port;
  gboolean    may_change_port;
  /* Substrings of a script body that start this framework's dev server;
   * a script that matches is preferred over one that merely exists. */
  const char *dev_markers[MAX_ITEMS];
  /* Run through npx when the repository has no usable script. */
  const char *bin_argv[MAX_ITEMS];
  const char *extra_env[MAX_ITEMS];
} FrameworkInfo;

/* Order matters: the first match wins, so meta-frameworks built on Vite
 * come before Vite itself (they supersede it), and the catch-all "node"
 * and "static" rows are handled in code after the table. */
static const FrameworkInfo frameworks[] = {
  { "nextjs", N_("Next.js"), { "next" }, { NULL }, NULL,
    3000, FLAG_STYLE_SHORT_H_P, FALSE, FALSE,
    { "next dev" }, { "next", "dev" }, { "NEXT_TELEMETRY_DISABLED=1" } },
  { "nuxt", N_("Nuxt"), { "nuxt", "nuxt3" }, { NULL }, NULL,
    3000, FLAG_STYLE_HOST_PORT, FALSE, TRUE,
    { "nuxt dev", "nuxi dev", "nuxt" }, { "nuxt", "dev" }, { "NUXT_TELEMETRY_DISABLED=1" } },
  { "sveltekit", N_("SvelteKit"), { "@sveltejs/kit" }, { NULL }, NULL,
    5173, FLAG_STYLE_HOST_PORT, TRUE, FALSE,
    { "vite" }, { "vite", "dev" }, { NULL } },
  { "astro", N_("Astro"), { "astro" }, { NULL }, NULL,
    4321, FLAG_STYLE_HOST_PORT, FALSE, TRUE,
    { "astro dev", "astro" }, { "astro", "dev" }, { "ASTRO_TELEMETRY_DISABLED=1" } },
  /* Before Remix: a Remix app migrated to React Router 7 keeps some
   * @remix-run packages around. */
  { "react-router", N_("React Router"), { "@react-router/dev" }, { NULL }, NULL,
    5173, FLAG_STYLE_HOST_PORT, TRUE, FALSE,
    { "react-router dev" }, { "react-router", "dev" }, { NULL } },
  { "remix", N_("Remix"), { "@remix-run/dev" }, { NULL }, NULL,
    5173, FLAG_STYLE_HOST_PORT, TRUE, FALSE,
    { "remix vite:dev", "remix dev" }, { "remix", "vite:dev" }, { NULL } },
  { "solidstart", N_("SolidStart"), { "@solidjs/start" }, { NULL }, NULL,
    3000, FLAG_STYLE_HOST_PORT, FALSE, TRUE,
    { "vinxi dev", "solid-start dev" }, { "vinxi", "dev" }, { NULL } },
  { "gatsby", N_("Gatsby"), { "gatsby" }, { NULL }, NULL,
    8000, FLAG_STYLE_SHORT_H_P, FALSE, TRUE,
    { "gatsby develop" }, { "gatsby", "develop" }, { "GATSBY_TELEMETRY_DISABLED=1" } },
  { "docusaurus", N_("Docusaurus"), { "@docusaurus/core" }, { NULL }, NULL,
    3000, FLAG_STYLE_HOST_PORT, FALSE, FALSE,
    { "docusaurus start" }, { "docusaurus", "start" }, { NULL } },
  { "angular", N_("Angular"), { "@angular/cli" }, { NULL }, "angular.json",
    4200, FLAG_STYLE_HOST_PORT, FALSE, FALSE,
    { "ng serve" }, { "ng", "serve" }, { "NG_CLI_ANALYTICS=false" } },
  { "vue-cli", N_("Vue CLI"), { "@vue/cli-service" }, { NULL }, NULL,
    8080, FLAG_STYLE_HOST_PORT, FALSE, TRUE,
    { "vue-cli-service serve" }, { "vue-cli-service", "serve" }, { NULL } },
  { "create-react-app", N_("Create React App"), { "react-scripts" }, { NULL }, NULL,
    3000, FLAG_STYLE_ENV, FALSE, FALSE,
    { "react-scripts start" }, { "react-scripts", "start" }, { NULL } },
  { "vite", N_("Vite"), { "vite" }, { NULL }, NULL,
    5173, FLAG_STYLE_HOST_PORT, TRUE, FALSE,
    { "vite" }, { "vite" }, { NULL } },
  { "eleventy", N_("Eleventy"), { "@11ty/eleventy" }, { NULL }, NULL,
    8080, FLAG_STYLE_PORT, FALSE, TRUE,
    { "--serve" }, { "eleventy", "--serve" }, { NULL } },
  /* sirv reads HOST and PORT itself; rollup's livereload plugin starts it. */
  { "svelte", N_("Svelte"), { "svelte" }, { "rollup", "sirv-cli" }, NULL,
    8080, FLAG_STYLE_ENV, FALSE, TRUE,
    { "rollup -c -w", "sirv" }, { "sirv", "public", "--dev" }, { NULL } },
  { "parcel", N_("Parcel"), { "parcel", "parcel-bundler" }, { NULL }, NULL,
    1234, FLAG_STYLE_HOST_PORT, FALSE, TRUE,
    { "parcel" }, { "parcel" }, { NULL } },
  { "webpack-dev-server", N_("webpack-dev-server"), { "webpack-dev-server" }, { NULL }, NULL,
    8080, FLAG_STYLE_HOST_PORT, FALSE, FALSE,
    { "webpack serve", "webpack-dev-server" }, { "webpack", "serve" }, { NULL } },
  /* The repository's own server, which is expected to honour PORT. */
  { "node", N_("Node.js server"), { NULL }, { NULL }, NULL,
    3000, FLAG_STYLE_ENV, FALSE, FALSE,
    { NULL }, { NULL }, { NULL } },
  { "static", N_("Static site"), { NULL }, { NULL }, NULL,
    8080, FLAG_STYLE_HOST_PORT, FALSE, FALSE,
    { NULL }, { NULL }, { NULL } },
};

/* Vite templates differ only in their plugin. */
static const struct { const char *dependency; const char *display_name; } vite_variants[] = {
  { "@vitejs/plugin-react", N_("Vite (React)") },
  { "@vitejs/plugin-react-swc", N_("Vite (React)") },
  { "@vitejs/plugin-vue", N_("Vite (Vue)") },
  { "@sveltejs/vite-plugin-svelte", N_("Vite (Svelte)") },
  { "@preact/preset-vite", N_("Vite (Preact)") },
  { "vite-plugin-solid", N_("Vite (Solid)") },
  { "@builder.io/qwik", N_("Vite (Qwik)") },
  { "lit", N_("Vite (Lit)") },
};

/* Scripts tried for the dev server, in order. */
/* Named in the error that asks for a choice; the window lists them all. */
#define MAX_APPS_NAMED 5

static const char * const dev_script_names[] = { "dev", "start", "serve", "develop" };

/* A script running one of these serves a production build, which a fresh
 * clone does not have: never pick it as the dev server. */
static const char * const production_markers[] = {
  "next start", "next build", "vite build", "vite preview", "astro preview",
  "astro build", "nuxt start", "nuxt build", "nuxt preview", "nuxi preview",
  "nuxi build", "remix-serve", "react-router-serve", "gatsby serve",
  "gatsby build", "docusaurus serve", "docusaurus build", "vinxi start",
  "vinxi build", "ng build",
};

/* How each package manager is run inside the sandbox. Only node and npm are
 * installed there, and corepack cannot be relied on (it rejects the
 * registry's signing keys on some machines), so the others come from the npm
 * registry through npx:
 *  - pnpm: the version pinned in packageManager, else the release line that
 *    writes the lockfile's format (a newer pnpm refuses old lockfiles);
 *  - yarn 1: always 1.22.22, the last classic release; patch pins differ
 *    in nothing that matters to an install;
 *  - Yarn Berry (2+) cannot download its own release here: run the release
 *    committed under .yarnrc.yml's yarnPath, else the registry's copy of the
 *    same bundle, @yarnpkg/cli-dist, at the pinned major;
 *  - bun: the "bun" npm package, which carries the native binary. */
typedef enum
{
  TOOL_NPM,
  TOOL_PNPM,
  TOOL_YARN_CLASSIC,
  TOOL_YARN_BERRY,
  TOOL_BUN,
} Tool;

typedef struct
{
  const char *name;                          /* package manager name */
  const char *install_locked[MAX_ITEMS];     /* after the runner prefix */
  const char *install_unlocked[MAX_ITEMS];
  gboolean    run_needs_dashdash;            /* npm run x -- --flag */
  gboolean    exec_through_runner;           /* bins via "<runner> run" instead of npx */
} ToolInfo;

static const ToolInfo tools[] = {
  [TOOL_NPM]          = { "npm",  { "ci", "--no-audit", "--no-fund" },
                                  { "install", "--no-audit", "--no-fund" }, TRUE, FALSE },
  [TOOL_PNPM]         = { "pnpm", { "install", "--frozen-lockfile" }, { "install" }, FALSE, FALSE },
  [TOOL_YARN_CLASSIC] = { "yarn", { "install", "--frozen-lockfile" }, { "install" }, FALSE, FALSE },
  /* Plug'n'Play installs leave no node_modules/.bin for npx to find. */
  [TOOL_YARN_BERRY]   = { "yarn", { "install", "--immutable" }, { "install" }, FALSE, TRUE },
  [TOOL_BUN]          = { "bun",  { "install", "--frozen-lockfile" }, { "install" }, FALSE, FALSE },
};

#define DEFAULT_PNPM_VERSION "9"
#define YARN_CLASSIC_VERSION "1.22.22"
#define DEFAULT_YARN_BERRY_VERSION "4"

static const struct { const char *path; const char *package_manager; } lockfiles[] = {
  /* Priority when package.json names no package manager. */
  { "package-lock.json", "npm" },
  { "npm-shrinkwrap.json", "npm" },
  { "pnpm-lock.yaml", "pnpm" },
  { "bun.lock", "bun" },
  { "bun.lockb", "bun" },
  { "yarn.lock", "yarn" },
};

struct _ForgeFramework
{
  GObject    parent_instance;

  char      *id;
  char      *display_name;
  char      *package_manager;
  char      *package_manager_version;
  /* The package manager version actually run: the pinned one, else one
   * matching the lockfile's format. */
  char      *tool_version;
  /* Yarn Berry's committed release (.yarnrc.yml yarnPath), relative. */
  char      *yarn_path;
  char      *lockfile;
  char      *dev_script;
  char     **bin_argv;
  /* A monorepo's package (or a folder the address named), relative to
   * the root; NULL for the root itself. */
  char      *package_dir;
  /* Its package.json "name", when usable on a command line. */
  char      *package_name;
  /* Where the install runs, relative: NULL (the root) for a workspace's
   * package, which the workspace's package manager installs from there;
   * package_dir for a folder that is a project of its own. The lockfile
   * and yarn_path are relative to it. */
  char      *install_dir;
  guint      default_port;
  FlagStyle  flag_style;
  guint      needs_install : 1;
  guint      may_change_port : 1;
  guint      strict_port : 1;
};

G_DEFINE_FINAL_TYPE (ForgeFramework, forge_framework, G_TYPE_OBJECT)

G_DEFINE_QUARK (forge-framework-error-quark, forge_framework_error)

static void
forge_framework_finalize (GObject *object)
{
  ForgeFramework *self = FORGE_FRAMEWORK (object);

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->package_manager, g_free);
  g_clear_pointer (&self->package_manager_version, g_free);
  g_clear_pointer (&self->tool_version, g_free);
  g_clear_pointer (&self->yarn_path, g_free);
  g_clear_pointer (&self->lockfile, g_free);
  g_clear_pointer (&self->dev_script, g_free);
  g_clear_pointer (&self->bin_argv, g_strfreev);
  g_clear_pointer (&self->package_dir, g_free);
  g_clear_pointer (&self->package_name, g_free);
  g_clear_pointer (&self->install_dir, g_free);

  G_OBJECT_CLASS (forge_framework_parent_class)->finalize (object);
}

static void
forge_framework_class_init (ForgeFrameworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_framework_finalize;
}

static void
forge_framework_init (ForgeFramework *self)
{
}

static const FrameworkInfo *
lookup_framework (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (frameworks); i++)
    if (g_strcmp0 (frameworks[i].id, id) == 0)
      return &frameworks[i];
  return NULL;
}

/* A cloned repository is untrusted, and a sandbox can still be writing to
 * it: whatever is checked here is opened again without following symlinks
 * when it is read (see ForgeWorkspace), so a package.json swapped for a
 * link to a host file, or for a FIFO, is never read. */
static gboolean
repo_has_file (ForgeWorkspace *workspace,
               const char     *name)
{
  return forge_workspace_test (workspace, name, FORGE_REPO_TEST_IS_REGULAR);
}

/* The first bytes of a file, enough for a lockfile's version header. */
static char *
read_file_head (ForgeWorkspace *workspace,
                const char     *name,
                gsize           max_length)
{
  return forge_workspace_read_head (workspace, name, max_length, NULL);
}

/* The value after "key:" on the first line that starts with it, unquoted. */
static char *
yaml_scalar (const char *text,
             const char *key)
{
  g_auto(GStrv) lines = NULL;
  gsize key_len = strlen (key);

  if (text == NULL)
    return NULL;

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      char *value;
      gsize len;

      while (*line == ' ')
        line++;
      if (strncmp (line, key, key_len) != 0 || line[key_len] != ':')
        continue;

      value = g_strstrip (g_strdup (line + key_len + 1));
      len = strlen (value);
      if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0])
        {
          memmove (value, value + 1, len - 2);
          value[len - 2] = '\0';
        }
      return value;
    }

  return NULL;
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    return json_node_get_object (node);
  return NULL;
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;
  node = json_object_get_member (object, name);
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

/* A script that would run nothing ("dev": "" or "   ") is no script: npm
 * runs it, exits 0 and no server ever answers. */
static const char *
script_body (JsonObject *scripts,
             const char *name)
{
  const char *body = member_string (scripts, name);

  if (body == NULL)
    return NULL;
  for (const char *p = body; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return body;
  return NULL;
}

/* The first conventional script that is there but blank, or NULL. */
static const char *
blank_script_name (JsonObject *scripts)
{
  for (guint i = 0; scripts != NULL && i < G_N_ELEMENTS (dev_script_names); i++)
    if (member_string (scripts, dev_script_names[i]) != NULL &&
        script_body (scripts, dev_script_names[i]) == NULL)
      return dev_script_names[i];
  return NULL;
}

static gboolean
has_dependency (JsonObject *package,
                const char *name)
{
  static const char * const sections[] = { "dependencies", "devDependencies" };

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      JsonObject *deps = member_object (package, sections[i]);

      if (deps != NULL && json_object_has_member (deps, name))
        return TRUE;
    }
  return FALSE;
}

static gboolean
framework_matches (const FrameworkInfo *info,
                   JsonObject          *package,
                   ForgeWorkspace      *workspace)
{
  gboolean any = FALSE;

  if (info->any_dependency[0] == NULL)
    return FALSE;

  for (guint i = 0; info->any_dependency[i] != NULL && !any; i++)
    any = has_dependency (package, info->any_dependency[i]);
  if (!any)
    return FALSE;

  for (guint i = 0; info->all_dependencies[i] != NULL; i++)
    if (!has_dependency (package, info->all_dependencies[i]))
      return FALSE;

  if (info->required_file != NULL && !repo_has_file (workspace, info->required_file))
    return FALSE;

  return TRUE;
}

static gboolean
is_production_script (const char *body)
{
  for (guint i = 0; i < G_N_ELEMENTS (production_markers); i++)
    if (strstr (body, production_markers[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* Netlify's rule, roughly: the script that runs the framework's dev
 * command, else the first conventional script that does not serve a
 * production build. NULL means run the framework's binary directly. */
static char *
choose_dev_script (const FrameworkInfo *info,
                   JsonObject          *scripts)
{
  if (scripts == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (dev_script_names); i++)
    {
      const char *body = script_body (scripts, dev_script_names[i]);

      if (body == NULL || is_production_script (body))
        continue;
      for (guint j = 0; info->dev_markers[j] != NULL; j++)
        if (strstr (body, info->dev_markers[j]) != NULL)
          return g_strdup (dev_script_names[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (dev_script_names); i++)
    {
      const char *body = script_body (scripts, dev_script_names[i]);

      if (body != NULL && !is_production_script (body))
        return g_strdup (dev_script_names[i]);
    }

  return NULL;
}

static gboolean
has_any_script (JsonObject *scripts)
{
  for (guint i = 0; scripts != NULL && i < G_N_ELEMENTS (dev_script_names); i++)
    if (script_body (scripts, dev_script_names[i]) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
is_known_package_manager (const char *name)
{
  return g_strcmp0 (name, "npm") == 0 || g_strcmp0 (name, "pnpm") == 0 ||
         g_strcmp0 (name, "yarn") == 0 || g_strcmp0 (name, "bun") == 0;
}

/* "pnpm@8.15.4+sha512.abc" → "pnpm", "8.15.4" */
static gboolean
parse_package_manager_field (const char  *field,
                             char       **name,
                             char       **version)
{
  const char *at;
  const char *end;

  if (field == NULL || field[0] == '\0')
    return FALSE;

  at = strchr (field, '@');
  if (at == NULL || at == field)
    return FALSE;

  *name = g_strndup (field, at - field);
  if (!is_known_package_manager (*name))
    {
      g_clear_pointer (name, g_free);
      return FALSE;
    }

  end = strchr (at + 1, '+');
  if (end == NULL)
    end = at + 1 + strlen (at + 1);
  *version = end > at + 1 ? g_strndup (at + 1, end - (at + 1)) : NULL;
  return TRUE;
}

static guint
major_version (const char *version)
{
  if (version == NULL || !g_ascii_isdigit (version[0]))
    return 0;
  return (guint) strtoul (version, NULL, 10);
}

/* A current pnpm refuses old lockfile formats, so without a pinned version
 * run the release line that wrote the lockfile. */
static char *
pnpm_version_for_lockfile (ForgeWorkspace *workspace)
{
  g_autofree char *head = read_file_head (workspace, "pnpm-lock.yaml", 512);
  g_autofree char *format = yaml_scalar (head, "lockfileVersion");

  if (format == NULL)
    return g_strdup (DEFAULT_PNPM_VERSION);
  if (g_str_has_prefix (format, "5.4"))
    return g_strdup ("7");
  if (g_str_has_prefix (format, "5"))
    return g_strdup ("6");
  if (g_str_has_prefix (format, "6"))
    return g_strdup ("8");
  return g_strdup (DEFAULT_PNPM_VERSION);
}

/* Yarn Berry lockfiles carry "__metadata: version: N"; yarn 1's do not. */
static gboolean
yarn_lock_is_berry (ForgeWorkspace  *workspace,
                    char           **berry_major)
{
  g_autofree char *head = read_file_head (workspace, "yarn.lock", 1024);
  g_autofree char *format = NULL;
  const char *metadata;
  guint n;

  if (head == NULL || (metadata = strstr (head, "__metadata:")) == NULL)
    return FALSE;

  format = yaml_scalar (metadata, "version");
  n = major_version (format);
  *berry_major = g_strdup (n >= 8 ? "4" : n >= 6 ? "3" : n > 0 ? "2" : DEFAULT_YARN_BERRY_VERSION);
  return TRUE;
}

static void
detect_package_manager (ForgeFramework *self,
                        JsonObject     *package,
                        ForgeWorkspace *workspace)
{
  g_autofree char *field_name = NULL;
  g_autofree char *field_version = NULL;
  const char *present[G_N_ELEMENTS (lockfiles)] = { NULL };

  for (guint i = 0; i < G_N_ELEMENTS (lockfiles); i++)
    if (repo_has_file (workspace, lockfiles[i].path))
      present[i] = lockfiles[i].path;

  if (parse_package_manager_field (member_string (package, "packageManager"),
                                   &field_name, &field_version))
    {
      self->package_manager = g_steal_pointer (&field_name);
      self->package_manager_version = g_steal_pointer (&field_version);

      /* Trust only the lockfile of the declared manager: another one lying
       * around is stale. */
      for (guint i = 0; i < G_N_ELEMENTS (lockfiles); i++)
        if (present[i] != NULL && strcmp (lockfiles[i].package_manager, self->package_manager) == 0)
          {
            self->lockfile = g_strdup (present[i]);
            break;
          }
    }
  else
    {
      for (guint i = 0; i < G_N_ELEMENTS (lockfiles); i++)
        if (present[i] != NULL)
          {
            self->package_manager = g_strdup (lockfiles[i].package_manager);
            self->lockfile = g_strdup (present[i]);
            break;
          }
      if (self->package_manager == NULL)
        self->package_manager = g_strdup ("npm");
    }

  if (strcmp (self->package_manager, "pnpm") == 0)
    {
      if (self->package_manager_version != NULL)
        self->tool_version = g_strdup (self->package_manager_version);
      else if (self->lockfile != NULL)
        self->tool_version = pnpm_version_for_lockfile (workspace);
      else
        self->tool_version = g_strdup (DEFAULT_PNPM_VERSION);
    }
  else if (strcmp (self->package_manager, "yarn") == 0)
    {
      g_autofree char *berry_major = NULL;

      if (self->package_manager_version != NULL)
        {
          guint major = major_version (self->package_manager_version);

          /* The registry lacks some Berry releases (2.4.3, 4.10.0, …);
           * the newest of the same major reads the same lockfile. */
          if (major >= 2)
            self->tool_version = g_strdup_printf ("%u", major);
          else
            self->tool_version = g_strdup (YARN_CLASSIC_VERSION);
        }
      else if (self->lockfile != NULL && yarn_lock_is_berry (workspace, &berry_major))
        self->tool_version = g_steal_pointer (&berry_major);
      else
        self->tool_version = g_strdup (YARN_CLASSIC_VERSION);

      if (major_version (self->tool_version) >= 2)
        {
          g_autofree char *yarnrc = read_file_head (workspace, ".yarnrc.yml", 4096);
          g_autofree char *yarn_path = yaml_scalar (yarnrc, "yarnPath");

          /* A committed release needs no download at all. */
          if (yarn_path != NULL && !g_path_is_absolute (yarn_path) &&
              strstr (yarn_path, "..") == NULL && repo_has_file (workspace, yarn_path))
            self->yarn_path = g_steal_pointer (&yarn_path);
        }
    }
  else if (strcmp (self->package_manager, "bun") == 0)
    {
      self->tool_version = g_strdup (self->package_manager_version);
    }
}

static Tool
get_tool (ForgeFramework *self)
{
  if (g_strcmp0 (self->package_manager, "pnpm") == 0)
    return TOOL_PNPM;
  if (g_strcmp0 (self->package_manager, "yarn") == 0)
    return major_version (self->tool_version) >= 2 ? TOOL_YARN_BERRY : TOOL_YARN_CLASSIC;
  if (g_strcmp0 (self->package_manager, "bun") == 0)
    return TOOL_BUN;
  return TOOL_NPM;
}

static void
add_words (GPtrArray          *argv,
           const char * const *words)
{
  for (guint i = 0; words[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (words[i]));
}

/* The command that runs the package manager itself. */
static void
add_runner (ForgeFramework *self,
            GPtrArray      *argv)
{
  switch (get_tool (self))
    {
    case TOOL_NPM:
      g_ptr_array_add (argv, g_strdup ("npm"));
      break;

    case TOOL_PNPM:
      add_words (argv, (const char * const[]) { "npx", "-y", NULL });
      g_ptr_array_add (argv, g_strdup_printf ("pnpm@%s", self->tool_version));
      break;

    case TOOL_YARN_CLASSIC:
      add_words (argv, (const char * const[]) { "npx", "-y", NULL });
      g_ptr_array_add (argv, g_strdup_printf ("yarn@%s", self->tool_version));
      break;

    case TOOL_YARN_BERRY:
      if (self->yarn_path != NULL)
        {
          g_ptr_array_add (argv, g_strdup ("node"));
          g_ptr_array_add (argv, g_strdup (self->yarn_path));
        }
      else
        {
          /* Berry cannot download its own release here, but the registry
           * carries the same bundle as @yarnpkg/cli-dist. */
          add_words (argv, (const char * const[]) { "npx", "-y", "-p", NULL });
          g_ptr_array_add (argv, g_strdup_printf ("@yarnpkg/cli-dist@%s", self->tool_version));
          g_ptr_array_add (argv, g_strdup ("yarn"));
        }
      break;

    case TOOL_BUN:
      add_words (argv, (const char * const[]) { "npx", "-y", NULL });
      if (self->tool_version != NULL)
        g_ptr_array_add (argv, g_strdup_printf ("bun@%s", self->tool_version));
      else
        g_ptr_array_add (argv, g_strdup ("bun"));
      break;

    default:
      g_assert_not_reached ();
    }
}

static char **
finish_argv (GPtrArray *argv)
{
  g_ptr_array_add (argv, NULL);
  return (char **) g_ptr_array_free (argv, FALSE);
}

static void
add_host_port_flags (ForgeFramework *self,
                     GPtrArray      *argv,
                     const char     *host,
                     guint           port)
{
  switch (self->flag_style)
    {
    case FLAG_STYLE_ENV:
      break;

    case FLAG_STYLE_HOST_PORT:
      g_ptr_array_add (argv, g_strdup ("--host"));
      g_ptr_array_add (argv, g_strdup (host));
      g_ptr_array_add (argv, g_strdup ("--port"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", port));
      break;

    case FLAG_STYLE_SHORT_H_P:
      g_ptr_array_add (argv, g_strdup ("-H"));
      g_ptr_array_add (argv, g_strdup (host));
      g_ptr_array_add (argv, g_strdup ("-p"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", port));
      break;

    case FLAG_STYLE_PORT:
      g_ptr_array_add (argv, g_strdup ("--port"));
      g_ptr_array_add (argv, g_strdup_printf ("%u", port));
      break;

    default:
      g_assert_not_reached ();
    }

  if (self->strict_port && self->flag_style != FLAG_STYLE_ENV)
    g_ptr_array_add (argv, g_strdup ("--strictPort"));
}

/* Parcel wants its entry point on the command line. */
static char *
parcel_entry (JsonObject     *package,
              ForgeWorkspace *workspace)
{
  const char *source = member_string (package, "source");

  if (source != NULL)
    return g_strdup (source);
  if (!repo_has_file (workspace, "index.html") && repo_has_file (workspace, "src/index.html"))
    return g_strdup ("src/index.html");
  return g_strdup ("index.html");
}

static const char *
vite_display_name (JsonObject *package)
{
  for (guint i = 0; i < G_N_ELEMENTS (vite_variants); i++)
    if (has_dependency (package, vite_variants[i].dependency))
      return _(vite_variants[i].display_name);
  return _("Vite");
}

static void
apply_framework_info (ForgeFramework      *self,
                      const FrameworkInfo *info)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_free (self->id);
  self->id = g_strdup (info->id);
  if (self->display_name == NULL)
    self->display_name = g_strdup (_(info->display_name));
  self->default_port = info->default_port;
  self->flag_style = info->flag_style;
  self->strict_port = info->strict_port;
  self->may_change_port = info->may_change_port;

  g_strv_builder_addv (builder, (const char **) info->bin_argv);
  g_clear_pointer (&self->bin_argv, g_strfreev);
  self->bin_argv = g_strv_builder_end (builder);
}

static ForgeFramework *
new_static_site (void)
{
  ForgeFramework *self = g_object_new (FORGE_TYPE_FRAMEWORK, NULL);

  apply_framework_info (self, lookup_framework ("static"));
  self->needs_install = FALSE;
  return self;
}

/* The byte offset of LINE:COLUMN (1-based; json-glib counts bytes), or
 * -1 when it lies outside the text. */
static gssize
byte_offset (const char *text,
             gsize       length,
             guint       line,
             guint       column)
{
  gsize i = 0;

  for (guint current = 1; current < line && i < length; i++)
    if (text[i] == '\n')
      current++;

  if (column == 0 || i + column - 1 >= length)
    return -1;
  return i + column - 1;
}

/* Editors count characters, not bytes. */
static guint
character_column (const char *text,
                  gsize       offset)
{
  gsize start = offset;

  while (start > 0 && text[start - 1] != '\n')
    start--;
  return g_utf8_strlen (text + start, offset - start) + 1;
}

/* A comma that only whitespace separates from a closing bracket. */
static gboolean
is_trailing_comma (const char *text,
                   gsize       length,
                   gsize       offset)
{
  gsize i = offset;

  if (text[i] != ',')
    return FALSE;
  for (i++; i < length && g_ascii_isspace (text[i]); i++)
    ;
  return i < length && (text[i] == '}' || text[i] == ']');
}

/* What went wrong, as someone who edits package.json says it, or NULL
 * when json-glib's code tells too little to say more than where. */
static const char *
plain_parse_error (const GError *error)
{
  if (error->domain != JSON_PARSER_ERROR)
    return NULL;

  switch ((JsonParserError) error->code)
    {
    case JSON_PARSER_ERROR_TRAILING_COMMA:
      return _("a comma before a closing bracket is not allowed");
    case JSON_PARSER_ERROR_MISSING_COMMA:
      return _("a comma or a closing bracket is missing after this value");
    case JSON_PARSER_ERROR_MISSING_COLON:
      return _("a colon is missing after this name");
    case JSON_PARSER_ERROR_EMPTY_MEMBER_NAME:
      return _("a name is empty");
    case JSON_PARSER_ERROR_INVALID_BAREWORD:
      return _("names and strings need double quotes, and true, false and null are lower case");
    case JSON_PARSER_ERROR_INVALID_DATA:
      return _("it holds text that is not allowed in JSON");
    case JSON_PARSER_ERROR_PARSE:
    case JSON_PARSER_ERROR_UNKNOWN:
    default:
      return NULL;
    }
}


static gboolean
parse_package_json (ForgeWorkspace  *workspace,
                    JsonParser      *parser,
                    GError         **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *text;
  const char *invalid = NULL;
  gsize length = 0;
  JsonNode *root;

  if (!forge_workspace_read_file (workspace, "package.json", FORGE_REPO_MANIFEST_MAX_SIZE,
                                  &contents, &length, &local_error))
    {
      if (g_error_matches (local_error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE))
        {
          g_autofree char *limit = g_format_size (FORGE_REPO_MANIFEST_MAX_SIZE);

          g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                       _("package.json is larger than %s, too big to be a project’s manifest. Fix it in the repository and open it again."),
                       limit);
        }
      else
        g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                     _("Could not read package.json: %s"), local_error->message);
      return FALSE;
    }

  /* npm tolerates a byte order mark; json-glib does not. */
  text = contents;
  if (length >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    {
      text += 3;
      length -= 3;
    }

  /* json-glib says only "must be UTF-8 encoded"; say where. */
  if (!g_utf8_validate_len (text, length, &invalid))
    {
      guint line = 1;

      for (const char *p = text; p < invalid; p++)
        if (*p == '\n')
          line++;
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON,
                   _("package.json is not valid JSON (line %u, column %u): it is not UTF-8 text. Fix it in the repository and open it again."),
                   line, character_column (text, invalid - text));
      return FALSE;
    }

  /* json-glib's parser recurses once per bracket: a few MiB of "[" would
   * overflow the worker's stack. No package.json nests anywhere near. */
  if (!forge_json_depth_within (text, length, FORGE_PACKAGE_JSON_MAX_DEPTH))
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON,
                   _("package.json nests objects and arrays more than %u deep. Fix it in the repository and open it again."),
                   FORGE_PACKAGE_JSON_MAX_DEPTH);
      return FALSE;
    }

  /* json-glib would keep the last of several and leak the others. */
  if (!forge_json_single_value (text, length))
    {
      g_set_error_literal (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON,
                           _("package.json is not valid JSON: it holds more than one value where it must hold one object. Fix it in the repository and open it again."));
      return FALSE;
    }

  if (!json_parser_load_from_data (parser, text, length, &local_error))
    {
      /* json-glib reports "<data>:LINE:COLUMN: Parse error: REASON", and
       * its reasons are a parser's ("unexpected number `1', expected
       * string constant"): keep the place, say the reason in words. */
      const char *reason = plain_parse_error (local_error);
      unsigned int line = 0, column = 0;
      int consumed = 0;
      gssize offset;

      if (sscanf (local_error->message, "<data>:%u:%u: %n", &line, &column, &consumed) == 2 && consumed > 0)
        {
          offset = byte_offset (text, length, line, column);
          if (offset >= 0)
            {
              column = character_column (text, offset);
              /* json-glib blames the wrong bracket for the most common
               * slip. */
              if (is_trailing_comma (text, length, offset))
                reason = _("a comma before a closing bracket is not allowed");
            }
          if (reason != NULL)
            g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON,
                         _("package.json is not valid JSON (line %u, column %u): %s. Fix it in the repository and open it again."),
                         line, column, reason);
          else
            g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON,
                         _("package.json is not valid JSON (line %u, column %u). Fix it in the repository and open it again."),
                         line, column);
        }
      else if (reason != NULL)
        g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON,
                     _("package.json is not valid JSON: %s. Fix it in the repository and open it again."),
                     reason);
      else
        g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON,
                     _("package.json is not valid JSON. Fix it in the repository and open it again."));
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_MALFORMED_PACKAGE_JSON,
                   _("package.json is not valid JSON (line 1, column 1): it must hold one object. Fix it in the repository and open it again."));
      return FALSE;
    }

  return TRUE;
}

/* A monorepo's apps: one is the project's app, more need a choice. NULL
 * and no error when the repository has none. */
static ForgeFramework *
detect_monorepo_app (ForgeWorkspace  *workspace,
                     GError         **error)
{
  g_autoptr(ForgeMonorepo) monorepo = forge_monorepo_detect (workspace);
  g_autoptr(GListModel) apps = NULL;
  g_autoptr(GString) list = NULL;
  guint n;

  if (monorepo == NULL)
    return NULL;

  apps = forge_monorepo_dup_apps (monorepo);
  n = g_list_model_get_n_items (apps);
  if (n == 0)
    return NULL;

  if (n == 1)
    {
      g_autoptr(ForgeMonorepoPackage) app = g_list_model_get_item (apps, 0);

      return forge_framework_detect_in (workspace, forge_monorepo_package_get_folder (app), error);
    }

  list = g_string_new (NULL);
  for (guint i = 0; i < n && i < MAX_APPS_NAMED; i++)
    {
      g_autoptr(ForgeMonorepoPackage) app = g_list_model_get_item (apps, i);

      if (i > 0)
        g_string_append (list, ", ");
      /* Translators: a monorepo's app: its folder and its framework,
       * "apps/web (Vite)". */
      g_string_append_printf (list, _("%s (%s)"), forge_monorepo_package_get_folder (app),
                              forge_framework_get_display_name (forge_monorepo_package_get_framework (app)));
    }
  if (n > MAX_APPS_NAMED)
    g_string_append_printf (list, _(" and %u more"), n - MAX_APPS_NAMED);

  g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_CHOOSE_APP,
               /* Translators: %u is at least 2; %s lists the apps. */
               g_dngettext (GETTEXT_PACKAGE,
                            "This repository has %u apps: %s. Choose the one to preview (without a window: --subdir FOLDER).",
                            "This repository has %u apps: %s. Choose the one to preview (without a window: --subdir FOLDER).",
                            n),
               n, list->str);
  return NULL;
}

static ForgeFramework *
detect (ForgeWorkspace  *workspace,
        gboolean         look_for_apps,
        GError         **error)
{
  g_autoptr(ForgeFramework) self = NULL;
  g_autoptr(JsonParser) parser = NULL;
  const FrameworkInfo *info = NULL;
  JsonObject *package;
  JsonObject *scripts;
  gboolean has_index_html;

  has_index_html = repo_has_file (workspace, "index.html");

  if (!repo_has_file (workspace, "package.json"))
    {
      ForgeFramework *app;
      g_autoptr(GError) local_error = NULL;

      /* pnpm-workspace.yaml needs no package.json beside it. */
      if (look_for_apps && ((app = detect_monorepo_app (workspace, &local_error)) != NULL || local_error != NULL))
        {
          if (local_error != NULL)
            g_propagate_error (error, g_steal_pointer (&local_error));
          return app;
        }

      if (has_index_html)
        return new_static_site ();

      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE,
                   _("No package.json with a dev or start script, and no index.html, in the repository root. Open a repository that holds a web app."));
      return NULL;
    }

  parser = json_parser_new ();
  if (!parse_package_json (workspace, parser, error))
    return NULL;

  package = json_node_get_object (json_parser_get_root (parser));
  scripts = member_object (package, "scripts");

  for (guint i = 0; i < G_N_ELEMENTS (frameworks); i++)
    if (framework_matches (&frameworks[i], package, workspace))
      {
        info = &frameworks[i];
        break;
      }

  /* A root that is no app itself ("dev": "turbo run dev" at most) leaves
   * the choice to its workspaces' apps. */
  if (info == NULL && look_for_apps)
    {
      ForgeFramework *app;
      g_autoptr(GError) local_error = NULL;

      if ((app = detect_monorepo_app (workspace, &local_error)) != NULL || local_error != NULL)
        {
          if (local_error != NULL)
            g_propagate_error (error, g_steal_pointer (&local_error));
          return app;
        }
    }

  if (info == NULL && has_any_script (scripts))
    info = lookup_framework ("node");

  if (info == NULL)
    {
      /* A package.json kept only for tooling (linters, formatters) next to
       * a hand-written page. */
      if (has_index_html)
        return new_static_site ();

      if (blank_script_name (scripts) != NULL)
        g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE,
                     /* Translators: %s is a script's name in package.json ("dev") */
                     _("The “%s” script in package.json is empty. Put the command that starts the dev server there, then open it again."),
                     blank_script_name (scripts));
      else if (look_for_apps &&
               (json_object_has_member (package, "workspaces") ||
                repo_has_file (workspace, "pnpm-workspace.yaml")))
        g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE,
                     _("This repository is a monorepo with no app: no workspace package has a dev script and a known web framework, and its root has neither. Open a repository that holds a web app."));
      else
        g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE,
                     _("No package.json with a dev or start script or a known web framework, and no index.html, in the repository root. Open a repository that holds a web app."));
      return NULL;
    }

  self = g_object_new (FORGE_TYPE_FRAMEWORK, NULL);
  if (strcmp (info->id, "vite") == 0)
    self->display_name = g_strdup (vite_display_name (package));
  apply_framework_info (self, info);
  self->needs_install = TRUE;
  self->dev_script = choose_dev_script (info, scripts);
  if (self->dev_script == NULL && info->bin_argv[0] == NULL)
    {
      /* Only the repository's own scripts can start it, whatever they do. */
      for (guint i = 0; i < G_N_ELEMENTS (dev_script_names) && self->dev_script == NULL; i++)
        if (script_body (scripts, dev_script_names[i]) != NULL)
          self->dev_script = g_strdup (dev_script_names[i]);
    }

  if (strcmp (info->id, "remix") == 0 && !has_dependency (package, "vite"))
    {
      /* The classic Remix compiler runs the app server, which reads PORT
       * and knows nothing of --host or --strictPort. */
      self->flag_style = FLAG_STYLE_ENV;
      self->strict_port = FALSE;
      self->default_port = 3000;
      g_clear_pointer (&self->bin_argv, g_strfreev);
      self->bin_argv = g_strdupv ((char **) (const char * const[]) { "remix", "dev", NULL });
    }
  else if (strcmp (info->id, "parcel") == 0)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_autofree char *entry = parcel_entry (package, workspace);

      g_strv_builder_add (builder, "parcel");
      g_strv_builder_add (builder, entry);
      g_clear_pointer (&self->bin_argv, g_strfreev);
      self->bin_argv = g_strv_builder_end (builder);
    }

  detect_package_manager (self, package, workspace);
  if (_forge_framework_package_name_is_usable (member_string (package, "name")))
    self->package_name = g_strdup (member_string (package, "name"));

  return g_steal_pointer (&self);
}

ForgeFramework *
_forge_framework_detect_single (ForgeWorkspace  *workspace,
                                GError         **error)
{
  g_return_val_if_fail (FORGE_IS_WORKSPACE (workspace), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return detect (workspace, FALSE, error);
}

ForgeFramework *
forge_framework_detect (ForgeWorkspace  *workspace,
                        GError         **error)
{
  g_return_val_if_fail (FORGE_IS_WORKSPACE (workspace), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return detect (workspace, TRUE, error);
}

gboolean
_forge_framework_package_name_is_usable (const char *name)
{
  const char *p;

  if (name == NULL || *name == '\0' || strlen (name) > 214)
    return FALSE;

  p = name;
  if (*p == '@')
    {
      const char *slash = strchr (p, '/');

      if (slash == NULL || slash == p + 1)
        return FALSE;
      for (p++; p < slash; p++)
        if (!g_ascii_isalnum (*p) && strchr ("-._~", *p) == NULL)
          return FALSE;
      p = slash + 1;
    }

  /* Never "-x": it would be read as an option. */
  if (!g_ascii_isalnum (*p))
    return FALSE;
  for (; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-._~", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* The package manager of the workspace a package belongs to: the root's
 * packageManager and lockfile, else pnpm for pnpm-workspace.yaml. */
static void
use_root_package_manager (ForgeFramework *self,
                          ForgeWorkspace *workspace)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root_package = NULL;

  g_clear_pointer (&self->package_manager, g_free);
  g_clear_pointer (&self->package_manager_version, g_free);
  g_clear_pointer (&self->tool_version, g_free);
  g_clear_pointer (&self->yarn_path, g_free);
  g_clear_pointer (&self->lockfile, g_free);

  /* Its errors were the root's to report: an unreadable one names no
   * package manager. */
  if (repo_has_file (workspace, "package.json") && parse_package_json (workspace, parser, NULL))
    root_package = json_node_get_object (json_parser_get_root (parser));

  detect_package_manager (self, root_package, workspace);

  if (strcmp (self->package_manager, "npm") == 0 && self->lockfile == NULL &&
      member_string (root_package, "packageManager") == NULL &&
      repo_has_file (workspace, "pnpm-workspace.yaml"))
    {
      g_free (self->package_manager);
      self->package_manager = g_strdup ("pnpm");
      self->tool_version = g_strdup (DEFAULT_PNPM_VERSION);
    }
}

ForgeFramework *
forge_framework_detect_in (ForgeWorkspace  *workspace,
                           const char      *package_dir,
                           GError         **error)
{
  g_autoptr(ForgeFramework) self = NULL;
  g_autoptr(ForgeWorkspace) folder_workspace = NULL;
  g_autoptr(ForgeMonorepo) monorepo = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean member;

  g_return_val_if_fail (FORGE_IS_WORKSPACE (workspace), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (package_dir == NULL)
    return forge_framework_detect (workspace, error);

  if (!forge_git_subdir_is_valid (package_dir) ||
      !forge_workspace_test (workspace, package_dir, FORGE_REPO_TEST_IS_DIR))
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NO_SUCH_FOLDER,
                   _("The repository has no folder “%s” (a link to one does not count). Check the folder’s name, or choose another app."),
                   package_dir);
      return NULL;
    }

  folder_workspace = forge_folder_workspace_new (workspace, package_dir);
  self = _forge_framework_detect_single (folder_workspace, &local_error);
  if (self == NULL)
    {
      if (g_error_matches (local_error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE))
        g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_NOTHING_RUNNABLE,
                     _("Nothing to preview in “%s”: no package.json with a dev or start script or a known web framework, and no index.html. Choose another folder or app."),
                     package_dir);
      else
        g_set_error (error, FORGE_FRAMEWORK_ERROR, local_error->code, "%s: %s", package_dir, local_error->message);
      return NULL;
    }

  self->package_dir = g_strdup (package_dir);

  monorepo = forge_monorepo_detect (workspace);
  member = monorepo != NULL && forge_monorepo_lookup (monorepo, package_dir) != NULL;
  /* A workspace's package is installed once, at the root, as its
   * package manager links the workspace's packages together. */
  if (self->needs_install && member)
    use_root_package_manager (self, workspace);
  else if (self->needs_install)
    self->install_dir = g_strdup (package_dir);

  return g_steal_pointer (&self);
}

char **
forge_framework_dup_install_argv (ForgeFramework *self)
{
  const ToolInfo *tool;
  GPtrArray *argv;

  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);

  if (!self->needs_install)
    return NULL;

  tool = &tools[get_tool (self)];
  argv = g_ptr_array_new ();
  add_runner (self, argv);

  /* npm ci only works from npm's own lockfile. */
  if (self->lockfile != NULL)
    add_words (argv, tool->install_locked);
  else
    add_words (argv, tool->install_unlocked);

  return finish_argv (argv);
}

/* A workspace's package with a script and a name is run by the
 * workspace's package manager from the root; anything else from its
 * folder. bun's --filter runs scripts side by side behind a display of
 * its own, so bun runs the script in the folder too. */
static gboolean
runs_through_workspace (ForgeFramework *self)
{
  return self->package_dir != NULL && self->install_dir == NULL && self->needs_install &&
         self->package_name != NULL && self->dev_script != NULL && get_tool (self) != TOOL_BUN;
}

static char *
sandbox_dir (const char *relative)
{
  if (relative == NULL)
    return g_strdup (FORGE_SANDBOX_REPO_DIR);
  return g_build_filename (FORGE_SANDBOX_REPO_DIR, relative, NULL);
}

char *
forge_framework_dup_install_cwd (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  return sandbox_dir (self->install_dir);
}

char *
forge_framework_dup_dev_cwd (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  return sandbox_dir (runs_through_workspace (self) ? NULL : self->package_dir);
}

char **
forge_framework_dup_dev_argv (ForgeFramework *self,
                              const char     *host,
                              guint           port)
{
  GPtrArray *argv;

  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (port > 0 && port < 65536, NULL);

  argv = g_ptr_array_new ();

  if (strcmp (self->id, "static") == 0)
    {
      g_ptr_array_add (argv, g_strdup ("forge-static-server"));
      add_host_port_flags (self, argv, host, port);
      g_ptr_array_add (argv, forge_framework_dup_dev_cwd (self));
      return finish_argv (argv);
    }

  if (runs_through_workspace (self))
    {
      const ToolInfo *tool = &tools[get_tool (self)];

      /* From the root, as the workspace's own tooling would: the package
       * manager finds the package and its binaries. */
      add_runner (self, argv);
      switch (get_tool (self))
        {
        case TOOL_PNPM:
          add_words (argv, (const char * const[]) { "--filter", self->package_name, "run", self->dev_script, NULL });
          break;

        case TOOL_YARN_CLASSIC:
        case TOOL_YARN_BERRY:
          add_words (argv, (const char * const[]) { "workspace", self->package_name, "run", self->dev_script, NULL });
          break;

        case TOOL_NPM:
          add_words (argv, (const char * const[]) { "run", self->dev_script, "-w", self->package_name, NULL });
          break;

        case TOOL_BUN:
        default:
          g_assert_not_reached ();
        }
      if (tool->run_needs_dashdash && self->flag_style != FLAG_STYLE_ENV)
        g_ptr_array_add (argv, g_strdup ("--"));
    }
  else if (self->dev_script != NULL)
    {
      const ToolInfo *tool = &tools[get_tool (self)];

      add_runner (self, argv);
      g_ptr_array_add (argv, g_strdup ("run"));
      g_ptr_array_add (argv, g_strdup (self->dev_script));
      if (tool->run_needs_dashdash && self->flag_style != FLAG_STYLE_ENV)
        g_ptr_array_add (argv, g_strdup ("--"));
    }
  else
    {
      if (tools[get_tool (self)].exec_through_runner)
        {
          add_runner (self, argv);
          g_ptr_array_add (argv, g_strdup ("run"));
        }
      else
        {
          /* --no-install: a missing binary means a broken install, and
           * fetching a random latest version would hide that. */
          g_ptr_array_add (argv, g_strdup ("npx"));
          g_ptr_array_add (argv, g_strdup ("--no-install"));
        }
      add_words (argv, (const char * const *) self->bin_argv);
    }

  /* Appended last: when the script already passes --port, the last one
   * wins. */
  add_host_port_flags (self, argv, host, port);

  return finish_argv (argv);
}

char **
forge_framework_dup_dev_env (ForgeFramework *self,
                             const char     *host,
                             guint           port)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  const FrameworkInfo *info;
  g_autofree char *port_entry = NULL;
  g_autofree char *host_entry = NULL;

  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  builder = g_strv_builder_new ();
  port_entry = g_strdup_printf ("PORT=%u", port);
  host_entry = g_strdup_printf ("HOST=%s", host);
  g_strv_builder_add (builder, port_entry);
  g_strv_builder_add (builder, host_entry);
  /* Tools that open a browser (CRA, Docusaurus, --open in a script) must
   * not: the preview is the browser. */
  g_strv_builder_add (builder, "BROWSER=none");

  if (strcmp (self->id, "static") != 0)
    g_strv_builder_add (builder, "NODE_ENV=development");

  if (strcmp (self->id, "nuxt") == 0)
    {
      g_autofree char *nuxt_port = g_strdup_printf ("NUXT_PORT=%u", port);
      g_autofree char *nuxt_host = g_strdup_printf ("NUXT_HOST=%s", host);

      g_strv_builder_add (builder, nuxt_port);
      g_strv_builder_add (builder, nuxt_host);
    }

  info = lookup_framework (self->id);
  if (info != NULL)
    g_strv_builder_addv (builder, (const char **) info->extra_env);

  return g_strv_builder_end (builder);
}

const char *
forge_framework_get_id (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  return self->id;
}

const char *
forge_framework_get_display_name (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  return self->display_name;
}

const char *
forge_framework_get_package_manager (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  return self->package_manager;
}

const char *
forge_framework_get_package_manager_version (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  return self->package_manager_version;
}

const char *
forge_framework_get_lockfile (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  return self->lockfile;
}

const char *
forge_framework_get_dev_script (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  return self->dev_script;
}

guint
forge_framework_get_default_port (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), 0);
  return self->default_port;
}

const char *
forge_framework_get_package_dir (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  return self->package_dir;
}

const char *
forge_framework_get_package_name (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  return self->package_name;
}

const char *
forge_framework_get_install_dir (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);
  return self->install_dir;
}

gboolean
forge_framework_needs_install (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), FALSE);
  return self->needs_install;
}

gboolean
forge_framework_may_change_port (ForgeFramework *self)
{
  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), FALSE);
  return self->may_change_port;
}

/* Journal format. Bump when a field changes meaning. */
#define JSON_FORMAT 1

static void
set_string_or_null (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

JsonNode *
forge_framework_to_json (ForgeFramework *self)
{
  g_autoptr(JsonBuilder) builder = NULL;

  g_return_val_if_fail (FORGE_IS_FRAMEWORK (self), NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);

  json_builder_set_member_name (builder, "format");
  json_builder_add_int_value (builder, JSON_FORMAT);
  set_string_or_null (builder, "id", self->id);
  set_string_or_null (builder, "display-name", self->display_name);
  set_string_or_null (builder, "package-manager", self->package_manager);
  set_string_or_null (builder, "package-manager-version", self->package_manager_version);
  set_string_or_null (builder, "tool-version", self->tool_version);
  set_string_or_null (builder, "yarn-path", self->yarn_path);
  set_string_or_null (builder, "lockfile", self->lockfile);
  set_string_or_null (builder, "dev-script", self->dev_script);
  set_string_or_null (builder, "package-dir", self->package_dir);
  set_string_or_null (builder, "package-name", self->package_name);
  set_string_or_null (builder, "install-dir", self->install_dir);
  json_builder_set_member_name (builder, "bin-argv");
  json_builder_begin_array (builder);
  for (guint i = 0; self->bin_argv != NULL && self->bin_argv[i] != NULL; i++)
    json_builder_add_string_value (builder, self->bin_argv[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "default-port");
  json_builder_add_int_value (builder, self->default_port);
  set_string_or_null (builder, "flag-style", flag_style_names[self->flag_style]);
  json_builder_set_member_name (builder, "strict-port");
  json_builder_add_boolean_value (builder, self->strict_port);
  json_builder_set_member_name (builder, "needs-install");
  json_builder_add_boolean_value (builder, self->needs_install);
  json_builder_set_member_name (builder, "may-change-port");
  json_builder_add_boolean_value (builder, self->may_change_port);

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static gboolean
read_optional_string (JsonObject  *object,
                      const char  *name,
                      char       **out,
                      GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                   "Saved framework field “%s” is not a string", name);
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
read_boolean (JsonObject  *object,
              const char  *name,
              gboolean    *out,
              GError     **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                   "Saved framework field “%s” is not a boolean", name);
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

ForgeFramework *
forge_framework_new_from_json (JsonNode  *node,
                               GError   **error)
{
  g_autoptr(ForgeFramework) self = NULL;
  g_autofree char *flag_style = NULL;
  JsonObject *object;
  JsonNode *member;
  JsonArray *bin_argv;
  g_autoptr(GStrvBuilder) builder = NULL;
  gboolean strict_port = FALSE;
  gboolean needs_install = FALSE;
  gboolean may_change_port = FALSE;
  gint64 port;
  gboolean found_style = FALSE;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                   "Saved framework is not a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);

  member = json_object_get_member (object, "format");
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member) ||
      json_node_get_value_type (member) != G_TYPE_INT64 || json_node_get_int (member) != JSON_FORMAT)
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                   "Saved framework has an unknown format");
      return NULL;
    }

  self = g_object_new (FORGE_TYPE_FRAMEWORK, NULL);

  if (!read_optional_string (object, "id", &self->id, error) ||
      !read_optional_string (object, "display-name", &self->display_name, error) ||
      !read_optional_string (object, "package-manager", &self->package_manager, error) ||
      !read_optional_string (object, "package-manager-version", &self->package_manager_version, error) ||
      !read_optional_string (object, "tool-version", &self->tool_version, error) ||
      !read_optional_string (object, "yarn-path", &self->yarn_path, error) ||
      !read_optional_string (object, "lockfile", &self->lockfile, error) ||
      !read_optional_string (object, "dev-script", &self->dev_script, error) ||
      !read_optional_string (object, "package-dir", &self->package_dir, error) ||
      !read_optional_string (object, "package-name", &self->package_name, error) ||
      !read_optional_string (object, "install-dir", &self->install_dir, error) ||
      !read_optional_string (object, "flag-style", &flag_style, error) ||
      !read_boolean (object, "strict-port", &strict_port, error) ||
      !read_boolean (object, "needs-install", &needs_install, error) ||
      !read_boolean (object, "may-change-port", &may_change_port, error))
    return NULL;

  if (lookup_framework (self->id) == NULL || self->display_name == NULL)
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                   "Saved framework has an unknown id “%s”", self->id ? self->id : "(none)");
      return NULL;
    }

  if (needs_install && !is_known_package_manager (self->package_manager))
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                   "Saved framework has an unknown package manager");
      return NULL;
    }

  /* Folders become sandbox paths, names command-line words. */
  if ((self->package_dir != NULL && !forge_git_subdir_is_valid (self->package_dir)) ||
      (self->install_dir != NULL && g_strcmp0 (self->install_dir, self->package_dir) != 0) ||
      (self->package_name != NULL && !_forge_framework_package_name_is_usable (self->package_name)))
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                   "Saved framework has an invalid package folder or name");
      return NULL;
    }

  for (guint i = 0; i < G_N_ELEMENTS (flag_style_names); i++)
    if (g_strcmp0 (flag_style, flag_style_names[i]) == 0)
      {
        self->flag_style = (FlagStyle) i;
        found_style = TRUE;
      }
  if (!found_style)
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                   "Saved framework has an unknown flag style");
      return NULL;
    }

  /* json-glib's getters are critical about an object or an array. */
  member = json_object_get_member (object, "default-port");
  port = member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
         json_node_get_value_type (member) == G_TYPE_INT64 ? json_node_get_int (member) : 0;
  if (port <= 0 || port > 65535)
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                   "Saved framework has an invalid default port");
      return NULL;
    }
  self->default_port = (guint) port;

  member = json_object_get_member (object, "bin-argv");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                   "Saved framework field “bin-argv” is not an array");
      return NULL;
    }
  bin_argv = json_node_get_array (member);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (bin_argv); i++)
    {
      JsonNode *element = json_array_get_element (bin_argv, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                       "Saved framework field “bin-argv” holds a non-string");
          return NULL;
        }
      g_strv_builder_add (builder, json_node_get_string (element));
    }
  self->bin_argv = g_strv_builder_end (builder);

  if (needs_install && self->dev_script == NULL && self->bin_argv[0] == NULL)
    {
      g_set_error (error, FORGE_FRAMEWORK_ERROR, FORGE_FRAMEWORK_ERROR_FAILED,
                   "Saved framework has no dev command");
      return NULL;
    }

  self->strict_port = strict_port;
  self->needs_install = needs_install;
  self->may_change_port = may_change_port;

  return g_steal_pointer (&self);
}
