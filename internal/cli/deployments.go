package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/catalog/embedded"
	"github.com/tendhq/tend/internal/fleet"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

var _ = registerCommand(newDeploymentsCmd)

// cliProviders are the providers a deployment may name from the command
// line; tend serve checks that it has them when it provisions.
var cliProviders = map[string]fleet.Provider{"process": nil, "cfn": nil}

func newDeploymentsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "deployments",
		Aliases: []string{"deployment", "deploy"},
		Short:   "Add, list, show and remove tenant deployments of products",
		Long: `A deployment is one silo (one tenant) or pool (many tenants) installation of a
catalog product, in an account and region, at a provider (process: a local
process; cfn: a CloudFormation stack). Adding one records it PENDING; a
running tend serve provisions it from the product's released version, many
at once (PENDING → PROVISIONING → ACTIVE or FAILED, with the error).`,
	}
	var s fleet.Spec
	add := &cobra.Command{
		Use:   "add ID --type silo|pool --account A --region R --product P",
		Short: "Add a deployment; tend serve provisions it in the background",
		Args:  cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, st *sqlstore.DB) error {
			s.ID = args[0]
			// The same checks tend serve makes, without its providers.
			fl, err := fleet.New(fleet.Options{Store: st, Catalog: embedded.New(st.Catalog(), time.Now), Providers: cliProviders})
			if err != nil {
				return err
			}
			d, err := fl.Add(cmd.Context(), s)
			var fe *fleet.FieldError
			switch {
			case errors.As(err, &fe):
				return fmt.Errorf("%s: %s", fe.Field, fe.Reason)
			case errors.Is(err, store.ErrConflict):
				return fmt.Errorf("deployment %s exists (see tend deployments show %s)", s.ID, s.ID)
			case err != nil:
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Added %s (%s %s, %s/%s, provider %s): %s; tend serve provisions it\n", d.ID, d.Type, d.Product, d.Account, d.Region, d.Provider, d.State)
			return nil
		}),
	}
	add.Flags().StringVar(&s.Type, "type", "", "silo (one tenant) or pool (many tenants)")
	add.Flags().StringVar(&s.Account, "account", "", "account (an AWS account id, or a name for local deployments)")
	add.Flags().StringVar(&s.Region, "region", "", "region")
	add.Flags().StringVar(&s.Product, "product", "", "catalog product")
	add.Flags().StringVar(&s.Provider, "provider", "process", "process or cfn")
	add.Flags().StringArrayVar(&s.Tenants, "tenant", nil, "a tenant it serves (repeat for a pool)")
	var f store.DeploymentFilter
	list := &cobra.Command{
		Use:   "list",
		Short: "List deployments",
		Args:  cobra.NoArgs,
		RunE: g.withStore(func(cmd *cobra.Command, _ []string, st *sqlstore.DB) error {
			ds, err := st.Deployments().List(cmd.Context(), f)
			if err != nil {
				return err
			}
			if len(ds) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No deployments.")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPRODUCT\tTYPE\tACCOUNT\tREGION\tPROVIDER\tSTATE\tVERSION\tTENANTS\tERROR")
			for _, d := range ds {
				ver := dash("")
				if d.Version > 0 {
					ver = fmt.Sprintf("v%d", d.Version)
				}
				if d.Target > 0 {
					ver += fmt.Sprintf(" → v%d", d.Target)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Product, d.Type, d.Account, d.Region, d.Provider, d.State, ver, dash(strings.Join(d.Tenants, ",")), cut(d.Error, 80))
			}
			return tw.Flush()
		}),
	}
	list.Flags().StringVar(&f.Product, "product", "", "only this product's")
	list.Flags().StringVar(&f.State, "state", "", "only in this state (PENDING, PROVISIONING, ACTIVE, FAILED, UPDATING, REMOVING)")
	list.Flags().StringVar(&f.Type, "type", "", "only silo or pool")
	var showJSON bool
	show := &cobra.Command{
		Use:   "show ID [--json]",
		Short: "Show a deployment: its state, version, stack and outputs",
		Args:  cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, st *sqlstore.DB) error {
			d, err := st.Deployments().Get(cmd.Context(), args[0])
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no deployment %q (see tend deployments list)", args[0])
			}
			if err != nil {
				return err
			}
			v := api.NewDeploymentView(d)
			w := cmd.OutOrStdout()
			if showJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			ver := dash("")
			if v.Version > 0 {
				ver = fmt.Sprintf("v%d", v.Version)
			}
			if v.Target > 0 {
				ver += fmt.Sprintf(" → v%d (in progress)", v.Target)
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			for _, row := range [][2]string{
				{"deployment", v.ID}, {"product", v.Product}, {"type", v.Type}, {"tenants", dash(strings.Join(v.Tenants, ", "))},
				{"account", v.Account}, {"region", v.Region}, {"provider", v.Provider}, {"stack", v.Stack},
				{"state", v.State}, {"version", ver}, {"error", dash(v.Error)},
				{"created", v.CreatedAt.Local().Format(time.DateTime)}, {"updated", v.UpdatedAt.Local().Format(time.DateTime)},
			} {
				fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if len(v.Outputs) > 0 {
				keys := make([]string, 0, len(v.Outputs))
				for k := range v.Outputs {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "\nOUTPUT\tVALUE")
				for _, k := range keys {
					fmt.Fprintf(tw, "%s\t%s\n", k, v.Outputs[k])
				}
				return tw.Flush()
			}
			return nil
		}),
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print the deployment as JSON (the API's form)")
	var deleteResources bool
	remove := &cobra.Command{
		Use:   "remove ID [--delete-resources]",
		Short: "Remove a deployment; its resources stay unless --delete-resources",
		Args:  cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, st *sqlstore.DB) error {
			fl, err := fleet.New(fleet.Options{Store: st, Catalog: embedded.New(st.Catalog(), time.Now), Providers: cliProviders})
			if err != nil {
				return err
			}
			d, err := fl.Remove(cmd.Context(), args[0], deleteResources)
			switch {
			case errors.Is(err, store.ErrNotFound):
				return fmt.Errorf("no deployment %q (see tend deployments list)", args[0])
			case err != nil:
				return err
			}
			what := "its resources stay in place (add --delete-resources to delete them)"
			if deleteResources {
				what = "its resources will be deleted"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removing %s (%s): tend serve releases it; %s\n", d.ID, d.State, what)
			return nil
		}),
	}
	remove.Flags().BoolVar(&deleteResources, "delete-resources", false, "also delete what the provider created (the stack, the process's directory)")
	cmd.AddCommand(add, list, show, remove)
	return cmd
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}
