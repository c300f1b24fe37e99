package cli

import (
	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/app"
)

var _ = registerCommand(newServeCmd)

func newServeCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run tend: the API, ingest, detection and self-healing",
		Long: `Run tend in the foreground until SIGINT or SIGTERM.

With no configuration it keeps its state in ./tend-data (SQLite) and listens
on 127.0.0.1:8080. Several tend processes can share one PostgreSQL database
(--store postgres://…) to serve a fleet larger than one machine.`,
		Example: `  # embedded store in ./tend-data, API on 127.0.0.1:8080
  tend serve

  # listen on all interfaces, state in /var/lib/tend
  tend serve --listen 0.0.0.0:8080 --data-dir /var/lib/tend

  # share state with other replicas through PostgreSQL
  TEND_STORE_URL=postgres://tend@db:5432/tend tend serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.config(cmd)
			if err != nil {
				return err
			}
			log, err := g.logger(cmd, cfg)
			if err != nil {
				return err
			}
			app.SetMemoryLimit(cfg.Ingest.MemoryLimit, log)
			a, err := app.New(cmd.Context(), cfg, app.Options{Logger: log})
			if err != nil {
				return err
			}
			return a.Run(cmd.Context())
		},
	}
	cmd.Flags().String("listen", "", "address to listen on, host:port (default 127.0.0.1:8080)")
	return cmd
}
