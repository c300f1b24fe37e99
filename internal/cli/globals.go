package cli

import (
	"context"
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tendhq/tend/internal/app"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

// globals holds the persistent flags every command shares and loads the
// configuration they describe.
type globals struct {
	configPath string
	flags      *pflag.FlagSet
	// lookupEnv is os.LookupEnv; tests replace it.
	lookupEnv func(string) (string, bool)
}

// flagKeys maps persistent and serve flags to config keys.
var flagKeys = map[string]string{
	"data-dir":   "data_dir",
	"store":      "store.url",
	"log-level":  "log.level",
	"log-format": "log.format",
	"listen":     "server.listen",
}

func (g *globals) bind(root *cobra.Command) {
	pf := root.PersistentFlags()
	pf.StringVarP(&g.configPath, "config", "c", "", "YAML config file (see docs/configuration.md); env TEND_CONFIG")
	pf.String("data-dir", "", "directory for the embedded store (default ./tend-data)")
	pf.String("store", "", "PostgreSQL URL (postgres://…) to use instead of the embedded SQLite store")
	pf.String("log-level", "", "log level: debug, info, warn or error (default info)")
	pf.String("log-format", "", "log format: text, json or auto (default auto)")
	g.flags = pf
}

// config loads the configuration: defaults < file < TEND_* env < flags.
func (g *globals) config(cmd *cobra.Command) (*config.Config, error) {
	path := g.configPath
	if path == "" {
		if p, ok := g.lookupEnv("TEND_CONFIG"); ok {
			path = p
		}
	}
	set := map[string]string{}
	names := map[string]string{}
	visit := func(f *pflag.Flag) {
		if key, ok := flagKeys[f.Name]; ok && f.Changed {
			set[key] = f.Value.String()
			names[key] = f.Name
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	return config.Load(config.Sources{File: path, Env: g.lookupEnv, Flags: set, FlagNames: names})
}

// logger builds the logger the configuration asks for, writing to stderr.
func (g *globals) logger(cmd *cobra.Command, cfg *config.Config) (*slog.Logger, error) {
	return logging.New(cmd.ErrOrStderr(), cfg.Log.Level, cfg.Log.Format)
}

// openStore loads the configuration and opens the store it names.
func (g *globals) openStore(ctx context.Context, cmd *cobra.Command) (*sqlstore.DB, *config.Config, error) {
	cfg, err := g.config(cmd)
	if err != nil {
		return nil, nil, err
	}
	s, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return s, cfg, nil
}

// withStore adapts a command that needs the store: it loads the
// configuration, opens the store it names, runs run and closes the store.
func (g *globals) withStore(run func(cmd *cobra.Command, args []string, s *sqlstore.DB) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		s, _, err := g.openStore(cmd.Context(), cmd)
		if err != nil {
			return err
		}
		defer s.Close()
		return run(cmd, args, s)
	}
}
