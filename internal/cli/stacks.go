package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
	"github.com/tendhq/tend/internal/tfimport"
)

var _ = registerCommand(newStacksCmd)

// storeBoundaryRegistrar records an imported stack in tend's store, where
// insights find it as an application boundary.
func storeBoundaryRegistrar(cmd *cobra.Command, g *globals) (tfimport.BoundaryRegistrar, error) {
	cfg, err := g.config(cmd)
	if err != nil {
		return nil, err
	}
	return boundaryRegistrar{open: func(ctx context.Context) (store.Store, error) {
		s, _, err := g.openStore(ctx, cmd)
		return s, err
	}, where: cfg.DataDir}, nil
}

type boundaryRegistrar struct {
	open  func(ctx context.Context) (store.Store, error)
	where string
}

var _ tfimport.BoundaryRegistrar = boundaryRegistrar{}

func (b boundaryRegistrar) RegisterStack(ctx context.Context, stack string, resources []tfimport.StackResource) error {
	s, err := b.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	rs := make([]store.StackResource, 0, len(resources))
	for _, r := range resources {
		rs = append(rs, store.StackResource{Stack: stack, Type: r.Type, LogicalID: r.LogicalID, PhysicalID: r.PhysicalID, ARN: r.ARN, TerraformAddress: r.TerraformAddress})
	}
	return s.Stacks().Replace(ctx, stack, rs, time.Now())
}

func newStacksCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stacks",
		Short: "List the stacks tend uses as application boundaries",
		Long: `Stacks group resources into applications: insights put the anomalies of one
stack's resources together. tend import terraform --deploy registers the stack
it creates; tend stacks shows what is registered.`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List registered stacks",
		Args:  cobra.NoArgs,
		RunE: g.withStore(func(cmd *cobra.Command, _ []string, s *sqlstore.DB) error {
			list, err := s.Stacks().List(cmd.Context())
			if err != nil {
				return err
			}
			if len(list) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No stacks registered. tend import terraform --deploy --stack-name NAME registers one.")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "STACK\tRESOURCES\tREGISTERED")
			for _, st := range list {
				fmt.Fprintf(tw, "%s\t%d\t%s\n", st.Name, st.Resources, st.RegisteredAt.Local().Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		}),
	}, &cobra.Command{
		Use:     "show STACK",
		Short:   "List a stack's resources",
		Example: `  tend stacks show shop`,
		Args:    cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			rs, err := s.Stacks().Resources(cmd.Context(), args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no stack %q is registered (see tend stacks list)", args[0])
			}
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LOGICAL ID\tTYPE\tPHYSICAL ID\tTERRAFORM ADDRESS")
			for _, r := range rs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.LogicalID, r.Type, r.PhysicalID, dash(r.TerraformAddress))
			}
			return tw.Flush()
		}),
	})
	return cmd
}
