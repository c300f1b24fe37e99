package cli

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/sqlstore"
)

var _ = registerCommand(newOrgCmd)

var validOUID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func newOrgCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "org",
		Aliases: []string{"organisation", "organization"},
		Short:   "The organisation: accounts and organisational units, and its delegated administrator",
		Long: `tend knows accounts and organisational units (OUs) as a tree, as AWS
Organizations has it; the root is "root". Insights, events, problems and
series carry an "account" label; API keys may be limited to accounts
(tend apikey create --account).

One account can be the delegated administrator (set-admin): keys of that
account see the insights of every account in the organisation — those
created after it became administrator. Member keys see their own accounts.

These commands work on the store directly, as the local operator.`,
	}
	var name, parent string
	addOU := &cobra.Command{
		Use:     "add-ou ID --name NAME [--parent OU]",
		Short:   "Add an organisational unit",
		Example: "  tend org add-ou ou-prod --name Production\n  tend org add-ou ou-prod-eu --name Europe --parent ou-prod",
		Args:    cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			id := args[0]
			if !validOUID.MatchString(id) || id == store.RootOU {
				return fmt.Errorf("OU id %q: use letters, digits, . _ -, at most 64 (and not %q)", id, store.RootOU)
			}
			if name == "" {
				name = id
			}
			err := s.Org().AddOU(cmd.Context(), store.OrgNode{ID: id, Name: name, Parent: parent, CreatedAt: time.Now().UTC()})
			if err != nil {
				return orgError(err, parent)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Added OU %s (%s) under %s.\n", id, name, parent)
			return nil
		}),
	}
	addAccount := &cobra.Command{
		Use:     "add-account ID --name NAME [--parent OU]",
		Short:   "Add an account (or rename and move one already known)",
		Example: "  tend org add-account 111122223333 --name shop-prod --parent ou-prod",
		Args:    cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			id := args[0]
			if !access.ValidAccount(id) {
				return fmt.Errorf("account %q is not an account id (letters, digits, . _ : -, at most 64)", id)
			}
			if name == "" {
				name = id
			}
			err := s.Org().AddAccount(cmd.Context(), store.OrgNode{ID: id, Name: name, Parent: parent, CreatedAt: time.Now().UTC()})
			if err != nil {
				return orgError(err, parent)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Added account %s (%s) under %s.\n", id, name, parent)
			return nil
		}),
	}
	for _, c := range []*cobra.Command{addOU, addAccount} {
		c.Flags().StringVar(&name, "name", "", "a readable name (default: the id)")
		c.Flags().StringVar(&parent, "parent", store.RootOU, "the OU it belongs to")
	}
	var to string
	move := &cobra.Command{
		Use:     "move ID --to OU",
		Short:   "Move an account or an OU under another OU",
		Example: "  tend org move 111122223333 --to ou-staging",
		Args:    cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			if err := s.Org().Move(cmd.Context(), args[0], to); err != nil {
				return orgError(err, to)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Moved %s under %s.\n", args[0], to)
			return nil
		}),
	}
	move.Flags().StringVar(&to, "to", "", "the OU to move it under (root for the top)")
	_ = move.MarkFlagRequired("to")
	remove := &cobra.Command{
		Use:   "remove ID",
		Short: "Remove an account or an empty OU",
		Args:  cobra.ExactArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			if err := s.Org().Remove(cmd.Context(), args[0]); err != nil {
				return orgError(err, "")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removed %s.\n", args[0])
			return nil
		}),
	}
	var none bool
	setAdmin := &cobra.Command{
		Use:   "set-admin ACCOUNT | --none",
		Short: "Make an account the organisation's delegated administrator",
		Long: `Keys of the delegated administrator account see the insights of every account
in the organisation created from now on (not earlier ones), as DevOps Guru's
delegated administrator does. --none removes it.`,
		Example: "  tend org set-admin 999988887777",
		Args:    cobra.MaximumNArgs(1),
		RunE: g.withStore(func(cmd *cobra.Command, args []string, s *sqlstore.DB) error {
			acct := ""
			switch {
			case none && len(args) == 0:
			case !none && len(args) == 1:
				acct = args[0]
			default:
				return errors.New("give one account, or --none")
			}
			if err := s.Org().SetAdmin(cmd.Context(), acct, time.Now().UTC()); err != nil {
				return orgError(err, "")
			}
			if acct == "" {
				fmt.Fprintln(cmd.OutOrStdout(), "The organisation has no delegated administrator now.")
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is the delegated administrator: its keys see the organisation's insights created from now on.\n", acct)
			return nil
		}),
	}
	setAdmin.Flags().BoolVar(&none, "none", false, "remove the delegated administrator")
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "Show the organisation as a tree",
		Args:  cobra.NoArgs,
		RunE: g.withStore(func(cmd *cobra.Command, _ []string, s *sqlstore.DB) error {
			nodes, err := s.Org().Nodes(cmd.Context())
			if err != nil {
				return err
			}
			adm, err := s.Org().Admin(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if nodes == nil {
					nodes = []store.OrgNode{}
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"nodes": nodes, "delegated_administrator": adm})
			}
			printOrg(cmd.OutOrStdout(), nodes, adm)
			return nil
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(list, addOU, addAccount, move, remove, setAdmin)
	return cmd
}

func orgError(err error, parent string) error {
	switch {
	case errors.Is(err, store.ErrNotFound) && parent != "" && strings.Contains(err.Error(), "parent"):
		return fmt.Errorf("no OU %q to put it under (see tend org list)", parent)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%v (see tend org list)", err)
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("%v", err)
	}
	return err
}

func printOrg(w io.Writer, nodes []store.OrgNode, adm store.OrgAdmin) {
	children := map[string][]store.OrgNode{}
	for _, n := range nodes {
		children[n.Parent] = append(children[n.Parent], n)
	}
	fmt.Fprintln(w, "root")
	var walk func(parent, indent string)
	walk = func(parent, indent string) {
		kids := children[parent]
		for i, n := range kids {
			branch, next := "├── ", "│   "
			if i == len(kids)-1 {
				branch, next = "└── ", "    "
			}
			label := n.ID
			if n.Name != n.ID {
				label += " (" + n.Name + ")"
			}
			if n.Kind == "ou" {
				label = "OU " + label
			} else if n.ID == adm.Account {
				label += "  [delegated administrator since " + adm.Since.Local().Format("2006-01-02 15:04") + "]"
			}
			fmt.Fprintln(w, indent+branch+label)
			if n.Kind == "ou" {
				walk(n.ID, indent+next)
			}
		}
	}
	walk(store.RootOU, "")
	if len(nodes) == 0 {
		fmt.Fprintln(w, "\nNo accounts yet: tend org add-account ID --name NAME [--parent OU].")
	}
}
