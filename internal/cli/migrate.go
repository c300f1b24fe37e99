package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/store/sqlstore"
)

var _ = registerCommand(newMigrateCmd)

func newMigrateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Bring the store's schema up to date and show its version",
		Long: `Apply every pending schema migration to the store, then list them.

tend serve migrates at start too; run this first when you roll out a new
version to several replicas sharing PostgreSQL, so none starts on an old
schema. Migrations are embedded in the binary and serialised across processes.`,
		Example: `  tend migrate
  tend migrate --store postgres://tend@db:5432/tend`,
		Args: cobra.NoArgs,
		RunE: g.withStore(func(cmd *cobra.Command, _ []string, s *sqlstore.DB) error {
			v, err := s.SchemaVersion(cmd.Context())
			if err != nil {
				return err
			}
			migs, err := sqlstore.Migrations(s.Backend())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s store is at schema version %d\n", s.Backend(), v)
			for _, m := range migs {
				fmt.Fprintf(out, "  %04d  %-30s applied\n", m.Version, m.Name)
			}
			return nil
		}),
	}
}
