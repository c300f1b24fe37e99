package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

var _ = registerCommand(newParamCmd)

func newParamCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "param",
		Short: "Set and read parameters in tend's parameter store (e.g. approved instance types)",
		Long: `tend's embedded parameter store holds values operators maintain, such as the
ordered list of approved instance types a policy's upsize-instance reads
(act.params.approved_types_param). Lists are comma-separated, smallest first.`,
	}
	set := &cobra.Command{
		Use:     "set NAME VALUE",
		Short:   "Create or replace a parameter",
		Example: `  tend param set /dynatrace/approvedinstancetypes t3.small,t3.medium,t3.large,t3.xlarge`,
		Args:    cobra.ExactArgs(2),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			p, err := s.Params().Set(cmd.Context(), args[0], args[1], time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s = %s (version %d)\n", p.Name, p.Value, p.Version)
			return nil
		}),
	}
	get := &cobra.Command{
		Use:   "get NAME",
		Short: "Print a parameter's value",
		Args:  cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			p, err := s.Params().Get(cmd.Context(), args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no parameter %q (set it with: tend param set %s VALUE)", args[0], args[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), p.Value)
			return nil
		}),
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List parameters",
		Args:  cobra.NoArgs,
		RunE: g.withStore(func(cmd *cobra.Command, _ []string, s *sqlstore.DB) error {
			ps, err := s.Params().List(cmd.Context())
			if err != nil {
				return err
			}
			if len(ps) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No parameters. Set one with: tend param set NAME VALUE")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVALUE\tVERSION\tUPDATED")
			for _, p := range ps {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", p.Name, p.Value, p.Version, p.UpdatedAt.Format(time.RFC3339))
			}
			return tw.Flush()
		}),
	}
	cmd.AddCommand(set, get, list)
	return cmd
}
