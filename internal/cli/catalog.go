package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/spf13/cobra"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/catalog/embedded"
)

var _ = registerCommand(newCatalogCmd)

func newCatalogCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Manage the products in tend's embedded catalog (versioned templates)",
		Long: `tend's embedded catalog keeps infrastructure products as numbered versions of
a template (CloudFormation YAML or JSON, or Terraform). Self-healing
publishes a new version when it changes a product; earlier versions stay,
and rollback publishes an earlier template again as the newest version.`,
	}
	withCatalog := func(cmd *cobra.Command, fn func(c *embedded.Catalog) error) error {
		s, _, err := g.openStore(cmd.Context(), cmd)
		if err != nil {
			return err
		}
		defer s.Close()
		return fn(embedded.New(s.Catalog(), nil))
	}
	var tmplFile, format, desc string
	add := &cobra.Command{
		Use:   "add PRODUCT --template FILE",
		Short: "Add a product with its template as version v1",
		Example: `  tend catalog add workstation --template workstation.yaml
  tend catalog add web --template main.tf`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(tmplFile)
			if err != nil {
				return fmt.Errorf("read the template: %w", err)
			}
			f := catalog.Format(format)
			if f == "" {
				f = embedded.DetectFormat(tmplFile, data)
			}
			if desc == "" {
				desc = "added from " + filepath.Base(tmplFile)
			}
			return withCatalog(cmd, func(c *embedded.Catalog) error {
				if vs, err := c.Versions(cmd.Context(), args[0]); err == nil {
					return fmt.Errorf("product %s already exists with %d versions (see tend catalog versions %s)", args[0], len(vs), args[0])
				}
				v, err := c.Publish(cmd.Context(), args[0], catalog.Publish{Template: data, Format: f, Description: desc})
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Added %s %s (%s, %d bytes)\n", v.Product, v.ID, v.Format, len(data))
				return nil
			})
		},
	}
	add.Flags().StringVar(&tmplFile, "template", "", "template file (required)")
	add.Flags().StringVar(&format, "format", "", "cfn-yaml, cfn-json or hcl (default: from the file name and content)")
	add.Flags().StringVar(&desc, "description", "", "what this version is")
	_ = add.MarkFlagRequired("template")

	var pubFile, pubFormat, pubDesc string
	publish := &cobra.Command{
		Use:   "publish PRODUCT --template FILE",
		Short: "Publish a new version of a product (roll it out with tend rollout start)",
		Example: `  tend catalog publish shop --template shop-v2.yaml --description "faster checkout"
  tend rollout start shop --version 2 --strategy canary`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(pubFile)
			if err != nil {
				return fmt.Errorf("read the template: %w", err)
			}
			f := catalog.Format(pubFormat)
			if f == "" {
				f = embedded.DetectFormat(pubFile, data)
			}
			if pubDesc == "" {
				pubDesc = "published from " + filepath.Base(pubFile)
			}
			return withCatalog(cmd, func(c *embedded.Catalog) error {
				if _, err := c.Versions(cmd.Context(), args[0]); errors.Is(err, catalog.ErrNotFound) {
					return fmt.Errorf("product %s is not in the catalog: add it first with tend catalog add %s --template FILE", args[0], args[0])
				} else if err != nil {
					return err
				}
				v, err := c.Publish(cmd.Context(), args[0], catalog.Publish{Template: data, Format: f, Description: pubDesc})
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Published %s %s (%s, %d bytes); deployments keep their version until a rollout: tend rollout start %s --version %d\n",
					v.Product, v.ID, v.Format, len(data), v.Product, v.Number)
				return nil
			})
		},
	}
	publish.Flags().StringVar(&pubFile, "template", "", "template file (required)")
	publish.Flags().StringVar(&pubFormat, "format", "", "cfn-yaml, cfn-json or hcl (default: from the file name and content)")
	publish.Flags().StringVar(&pubDesc, "description", "", "what this version is")
	_ = publish.MarkFlagRequired("template")

	list := &cobra.Command{
		Use:   "list",
		Short: "List products",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withCatalog(cmd, func(c *embedded.Catalog) error {
				ps, err := c.Products(cmd.Context())
				if err != nil {
					return err
				}
				if len(ps) == 0 {
					fmt.Fprintln(cmd.OutOrStdout(), "No products. Add one with: tend catalog add PRODUCT --template FILE")
					return nil
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "PRODUCT\tLATEST\tVERSIONS\tUPDATED")
				for _, p := range ps {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", p.Name, embedded.VersionID(p.Latest), p.Versions, p.UpdatedAt.Format(time.RFC3339))
				}
				return tw.Flush()
			})
		},
	}
	versions := &cobra.Command{
		Use:   "versions PRODUCT",
		Short: "List a product's versions",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCatalog(cmd, func(c *embedded.Catalog) error {
				vs, err := c.Versions(cmd.Context(), args[0])
				if err != nil {
					return notInCatalog(args[0], err)
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "VERSION\tACTIVE\tCREATED\tDESCRIPTION")
				for _, v := range vs {
					fmt.Fprintf(tw, "%s\t%v\t%s\t%s\n", v.ID, v.Active, v.CreatedAt.Format(time.RFC3339), v.Description)
				}
				return tw.Flush()
			})
		},
	}
	var version string
	show := &cobra.Command{
		Use:   "show PRODUCT [--version V]",
		Short: "Print a version's template (the latest by default)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCatalog(cmd, func(c *embedded.Catalog) error {
				var v catalog.Version
				var err error
				if version == "" {
					v, err = c.Latest(cmd.Context(), args[0])
				} else {
					v, err = c.Version(cmd.Context(), args[0], version)
				}
				if err != nil {
					return notInCatalog(args[0], err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "# %s %s (%s) %s\n", v.Product, v.ID, v.Format, v.Description)
				_, err = cmd.OutOrStdout().Write(v.Template)
				return err
			})
		},
	}
	show.Flags().StringVar(&version, "version", "", "version to show, e.g. v2 (default the latest)")
	diff := &cobra.Command{
		Use:     "diff PRODUCT V1 V2",
		Short:   "Show what changed between two versions, as a unified diff",
		Example: `  tend catalog diff workstation v1 v2`,
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCatalog(cmd, func(c *embedded.Catalog) error {
				a, err := c.Version(cmd.Context(), args[0], args[1])
				if err != nil {
					return notInCatalog(args[0], err)
				}
				b, err := c.Version(cmd.Context(), args[0], args[2])
				if err != nil {
					return notInCatalog(args[0], err)
				}
				text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
					A: difflib.SplitLines(string(a.Template)), B: difflib.SplitLines(string(b.Template)),
					FromFile: a.Product + " " + a.ID, ToFile: b.Product + " " + b.ID, Context: 3,
				})
				if err != nil {
					return fmt.Errorf("diff: %w", err)
				}
				if text == "" {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s and %s have the same template\n", a.ID, b.ID)
				}
				fmt.Fprint(cmd.OutOrStdout(), text)
				return nil
			})
		},
	}
	rollback := &cobra.Command{
		Use:     "rollback PRODUCT V",
		Short:   "Publish version V's template again as the newest version",
		Example: `  tend catalog rollback workstation v1`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withCatalog(cmd, func(c *embedded.Catalog) error {
				v, err := c.Rollback(cmd.Context(), args[0], args[1])
				if err != nil {
					return notInCatalog(args[0], err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Published %s %s with the template of %s\n", v.Product, v.ID, args[1])
				return nil
			})
		},
	}
	cmd.AddCommand(add, publish, list, versions, show, diff, rollback)
	return cmd
}

func notInCatalog(product string, err error) error {
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("the catalog has no product %q or no such version of it (see tend catalog list, tend catalog versions %s): %w", product, product, catalog.ErrNotFound)
	}
	return err
}
